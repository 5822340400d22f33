import React from 'react';
import { Anchor } from '@twilio-paste/core/anchor';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { SubmitVerdict } from '../api/agentClient';
import { opencxSessionUrl } from '../config';
import { type Handoff, readHandoff, verdictBy } from '../domain/handoff';
import { absoluteTime, languageName, relativeTime } from '../domain/time';
import { strings } from '../strings';
import { HandoffSummary } from './HandoffSummary';
import { HandoffVerdict, type HandoffVerdictProps } from './HandoffVerdict';
import { SentimentBadge } from './SentimentBadge';
import { useNow } from './useNow';

export interface HandoffPanelProps {
  /** The task's attributes, as Flex holds them; anything else renders nothing. */
  attributes: unknown;
  /** Pins "now" for relative times; without it they refresh every 30 s. */
  now?: Date;
  /** BCP-47 locale for dates and language names; the browser's by default. */
  locale?: string;
  /** Sends the agent's verdict; without it the panel asks for none (e.g. before the task is accepted). */
  submitVerdict?: SubmitVerdict;
  /** What the agent left of their verdict on this task (unsent, or being sent), and where to keep it. */
  verdictKept?: Pick<HandoffVerdictProps, 'draft' | 'onDraft' | 'lastSend' | 'onSend'>;
  /** The agent's worker: a verdict another agent gave before the task was transferred is not theirs. */
  workerSid?: string;
}

/** The OpenCX context of a task the AI handed off; nothing for any other task. */
export function HandoffPanel({ attributes, ...shown }: HandoffPanelProps): JSX.Element | null {
  const handoff = readHandoff(attributes);
  return handoff ? <HandoffDetails handoff={handoff} {...shown} /> : null;
}

function HandoffDetails({
  handoff,
  now,
  locale,
  submitVerdict,
  verdictKept,
  workerSid,
}: Omit<HandoffPanelProps, 'attributes'> & { handoff: Handoff }): JSX.Element {
  const titleId = useUID();
  const currentTime = useNow(now);
  const { reason, summary, sentiment, language, handedOffAt, opencxSessionId } = handoff;

  return (
    <Box
      as="section"
      aria-labelledby={titleId}
      flexShrink={0}
      paddingX="space50"
      paddingY="space40"
      backgroundColor="colorBackgroundBody"
      borderBottomStyle="solid"
      borderBottomWidth="borderWidth10"
      borderBottomColor="colorBorderWeak"
    >
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        columnGap="space40"
        rowGap="space20"
        marginBottom="space30"
      >
        <Heading as="h2" variant="heading50" marginBottom="space0" id={titleId}>
          {strings.handoffPanelTitle}
        </Heading>
        {opencxSessionId ? (
          <Anchor
            href={opencxSessionUrl(opencxSessionId)}
            showExternal
            i18nExternalLinkLabel={strings.externalLinkLabel}
          >
            {strings.handoffOpenInOpencx}
          </Anchor>
        ) : null}
      </Box>
      <Box
        as="dl"
        margin="space0"
        display="grid"
        gridTemplateColumns="max-content minmax(0, 1fr)"
        columnGap="space40"
        rowGap="space30"
      >
        {reason ? <Field term={strings.handoffReason}>{reason}</Field> : null}
        <Field term={strings.handoffSentiment}>
          <SentimentBadge sentiment={sentiment} />
        </Field>
        <Field term={strings.handoffSummary}>
          <HandoffSummary summary={summary} />
        </Field>
        {language ? <Field term={strings.handoffLanguage}>{languageName(language, locale)}</Field> : null}
        {handedOffAt ? (
          <Field term={strings.handoffTime}>
            <Text as="time" dateTime={handedOffAt.toISOString()} fontWeight="fontWeightSemibold">
              {relativeTime(handedOffAt, currentTime, locale)}
            </Text>{' '}
            <Text as="span" color="colorTextWeak">
              ({absoluteTime(handedOffAt, locale)})
            </Text>
          </Field>
        ) : null}
      </Box>
      {submitVerdict && !handoff.declined ? (
        <HandoffVerdict submit={submitVerdict} given={verdictBy(handoff, workerSid)} {...verdictKept} />
      ) : null}
    </Box>
  );
}

function Field({ term, children }: { term: string; children: React.ReactNode }): JSX.Element {
  return (
    <>
      <Text as="dt" color="colorTextWeak" fontWeight="fontWeightSemibold">
        {term}
      </Text>
      <Text as="dd" margin="space0" wordBreak="break-word">
        {children}
      </Text>
    </>
  );
}
