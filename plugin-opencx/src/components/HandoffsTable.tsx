// The drill-down: the period's handoffs, newest first, narrowed to one reason when chosen.
import React, { useEffect, useRef, useState } from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { Label } from '@twilio-paste/core/label';
import { Option, Select } from '@twilio-paste/core/select';
import { Table, TBody, Td, Th, THead, Tr } from '@twilio-paste/core/table';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { HandoffRecord } from '../api/insightsClient';
import { count, duration, handoffsFor } from '../domain/insights';
import { absoluteTime } from '../domain/time';
import { format, strings } from '../strings';
import { SentimentBadge } from './SentimentBadge';

export const HANDOFFS_PAGE_SIZE = 25;

export interface HandoffsTableProps {
  handoffs: readonly HandoffRecord[];
  /** Every handoff of the period; the list holds only the latest ones. */
  total: number;
  reasons: readonly string[];
  reason: string | null;
  /** The chosen reason's handoffs in the whole period (the list holds only the latest). */
  reasonTotal?: number;
  onReason: (reason: string | null) => void;
  locale?: string;
}

const ALL = '';
/** The value of "No reason given" (a handoff's empty reason): not `ALL`'s. */
const NO_REASON = '\u0000no-reason';

export function HandoffsTable({
  handoffs,
  total,
  reasons,
  reason,
  reasonTotal,
  onReason,
  locale,
}: HandoffsTableProps): JSX.Element {
  const titleId = useUID();
  const selectId = useUID();
  const [shown, setShown] = useState(HANDOFFS_PAGE_SIZE);
  // "Show more" moves the focus to the first row it shows: on the last page the button itself goes.
  const firstShown = useRef<HTMLTableRowElement>(null);
  const [focusRow, setFocusRow] = useState<number>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: back to page one when the reason or the handoffs change
  useEffect(() => {
    setShown(HANDOFFS_PAGE_SIZE);
    setFocusRow(undefined);
  }, [reason, handoffs]);
  useEffect(() => {
    if (focusRow !== undefined) firstShown.current?.focus();
  }, [focusRow]);
  const rows = handoffsFor(handoffs, reason);
  const visible = rows.slice(0, shown);
  const inPeriod = reason === null ? total : reasonTotal;
  const summary =
    inPeriod !== undefined && inPeriod > rows.length
      ? format(strings.insightsHandoffsShowingLatest, {
          shown: count(visible.length, locale),
          listed: count(rows.length, locale),
          total: count(inPeriod, locale),
        })
      : format(strings.insightsHandoffsShowing, {
          shown: count(visible.length, locale),
          total: count(rows.length, locale),
        });
  // A reason chosen on the chart is always among the options, even past the top ten.
  const options = reason !== null && !reasons.includes(reason) ? [...reasons, reason] : reasons;

  return (
    <Box as="section" aria-labelledby={titleId}>
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="flex-end"
        justifyContent="space-between"
        columnGap="space50"
        rowGap="space30"
        marginBottom="space40"
      >
        <Box>
          <Heading as="h3" variant="heading40" id={titleId} marginBottom="space0">
            {strings.insightsHandoffsTitle}
          </Heading>
          <Text as="p" color="colorTextWeak" aria-live="polite">
            {summary}
          </Text>
        </Box>
        <Box minWidth="size30">
          <Label htmlFor={selectId}>{strings.insightsHandoffsReasonFilter}</Label>
          <Select
            id={selectId}
            value={reason === null ? ALL : reason || NO_REASON}
            onChange={({ target: { value } }) => onReason(value === ALL ? null : value === NO_REASON ? '' : value)}
          >
            <Option value={ALL}>{strings.insightsHandoffsAllReasons}</Option>
            {options.map((option) => (
              <Option key={option} value={option || NO_REASON}>
                {option || strings.insightsNoReason}
              </Option>
            ))}
          </Select>
        </Box>
      </Box>
      <Table scrollHorizontally striped aria-labelledby={titleId}>
        <THead>
          <Tr>
            <Th>{strings.insightsColumnTime}</Th>
            <Th>{strings.insightsColumnReason}</Th>
            <Th>{strings.insightsColumnSentiment}</Th>
            <Th textAlign="right">{strings.insightsColumnWithAi}</Th>
            <Th>{strings.insightsColumnVerdict}</Th>
            <Th>{strings.insightsColumnTask}</Th>
          </Tr>
        </THead>
        <TBody>
          {visible.length === 0 ? (
            <Tr>
              <Td colSpan={6}>{strings.insightsHandoffsNone}</Td>
            </Tr>
          ) : (
            visible.map((handoff, index) => (
              <HandoffRow
                key={handoff.taskSid}
                handoff={handoff}
                locale={locale}
                rowRef={index === focusRow ? firstShown : undefined}
              />
            ))
          )}
        </TBody>
      </Table>
      {rows.length > shown ? (
        <Box marginTop="space40">
          <Button
            variant="secondary"
            onClick={() => {
              setFocusRow(shown);
              setShown(shown + HANDOFFS_PAGE_SIZE);
            }}
          >
            {strings.insightsHandoffsShowMore}
          </Button>
        </Box>
      ) : null}
    </Box>
  );
}

function HandoffRow({
  handoff,
  locale,
  rowRef,
}: {
  handoff: HandoffRecord;
  locale?: string;
  /** On the row "Show more" moves the focus to: focusable by script only. */
  rowRef?: React.Ref<HTMLTableRowElement>;
}): JSX.Element {
  const at = new Date(handoff.at);
  return (
    <Tr ref={rowRef} tabIndex={rowRef ? -1 : undefined}>
      <Td>
        {Number.isNaN(at.getTime()) ? (
          strings.insightsNoValue
        ) : (
          <Text as="time" dateTime={handoff.at} whiteSpace="nowrap">
            {absoluteTime(at, locale)}
          </Text>
        )}
      </Td>
      <Td>{handoff.reason || strings.insightsNoReason}</Td>
      <Td>
        <SentimentBadge sentiment={handoff.sentiment} />
      </Td>
      <Td textAlign="right">
        <Text as="span" whiteSpace="nowrap">
          {duration(handoff.secondsWithAi)}
        </Text>
      </Td>
      <Td>
        <Verdict verdict={handoff.verdict} />
      </Td>
      <Td>
        <Text as="span" fontFamily="fontFamilyCode" fontSize="fontSize20">
          {handoff.taskSid}
        </Text>
      </Td>
    </Tr>
  );
}

function Verdict({ verdict }: { verdict: HandoffRecord['verdict'] }): JSX.Element {
  if (!verdict) {
    return (
      <Text as="span" color="colorTextWeak">
        {strings.insightsVerdictNone}
      </Text>
    );
  }
  return (
    <Box display="flex" flexWrap="wrap" columnGap="space20" rowGap="space10" alignItems="center">
      <Badge as="span" variant={verdict.needed ? 'neutral' : 'warning'}>
        {verdict.needed ? strings.insightsVerdictNeeded : strings.insightsVerdictNotNeeded}
      </Badge>
      {verdict.summaryRight ? null : (
        <Text as="span" color="colorTextWeak" fontSize="fontSize20">
          {strings.insightsVerdictSummaryWrong}
        </Text>
      )}
    </Box>
  );
}
