// One period's insights: the figures first, then the charts, then the handoffs behind them.
import React, { useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Callout } from '@twilio-paste/core/callout';
import { Card } from '@twilio-paste/core/card';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { Insights } from '../api/insightsClient';
import { barLength, capacityLevel, count, duration, percent, stillWithAi } from '../domain/insights';
import { format, strings } from '../strings';
import { DailyChart, ReasonsChart, SentimentChart } from './InsightsCharts';
import { HandoffsTable } from './HandoffsTable';

export function InsightsReport({ insights, locale }: { insights: Insights; locale?: string }): JSX.Element {
  const [reason, setReason] = useState<string | null>(null);
  const n = (value: number): string => count(value, locale);
  const finished = insights.contained + insights.handedOff;
  const { verdicts } = insights;

  return (
    <Box display="grid" rowGap="space70">
      <LiveCapacity live={insights.live} locale={locale} />
      {Date.parse(insights.coveredFrom) > Date.parse(insights.from) ? (
        <Callout variant="warning">
          <Text as="span">
            {format(strings.insightsPartial, {
              since: new Date(insights.coveredFrom).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }),
            })}
          </Text>
        </Callout>
      ) : null}
      {insights.engaged === 0 && insights.handedOff === 0 ? (
        <Text as="p" color="colorTextWeak">
          {strings.insightsNoneEngaged}
        </Text>
      ) : null}
      <Box
        as="dl"
        margin="space0"
        display="grid"
        gridTemplateColumns="repeat(auto-fill, minmax(13rem, 1fr))"
        columnGap="space40"
        rowGap="space40"
      >
        <Figure
          label={strings.insightsEngaged}
          value={n(insights.engaged)}
          detail={format(strings.insightsEngagedDetail, { open: n(stillWithAi(insights)) })}
        />
        <Figure
          label={strings.insightsContained}
          value={n(insights.contained)}
          detail={format(strings.insightsContainedDetail, {
            rate: percent(finished > 0 ? insights.contained / finished : null, locale),
          })}
        />
        <Figure
          label={strings.insightsHandedOff}
          value={n(insights.handedOff)}
          detail={format(strings.insightsHandedOffDetail, { rate: percent(insights.handoffRate, locale) })}
        />
        <Figure
          label={strings.insightsMedianWithAi}
          value={duration(insights.medianSecondsWithAiBeforeHandoff)}
          detail={strings.insightsMedianWithAiDetail}
        />
        <Figure
          label={strings.insightsAiUnavailable}
          value={n(insights.aiUnavailableHandoffs)}
          detail={strings.insightsAiUnavailableDetail}
        />
        <Figure
          label={strings.insightsHandbacks}
          value={n(insights.handbacks)}
          detail={strings.insightsHandbacksDetail}
        />
        <Figure
          label={strings.insightsNotNeeded}
          value={percent(insights.notNeededRate, locale)}
          detail={
            verdicts.total > 0
              ? format(strings.insightsNotNeededDetail, {
                  notNeeded: n(verdicts.notNeeded),
                  total: n(verdicts.total),
                  summaryWrong: n(verdicts.summaryWrong),
                })
              : strings.insightsNoVerdicts
          }
        />
      </Box>
      <Card padding="space60">
        <DailyChart daily={insights.daily} locale={locale} />
      </Card>
      {insights.handedOff > 0 ? (
        <>
          <Box
            display="grid"
            gridTemplateColumns="repeat(auto-fit, minmax(18rem, 1fr))"
            columnGap="space60"
            rowGap="space60"
          >
            <Card padding="space60">
              <ReasonsChart reasons={insights.topReasons} selected={reason} onSelect={setReason} locale={locale} />
            </Card>
            <Card padding="space60">
              <SentimentChart sentiment={insights.sentimentAtHandoff} locale={locale} />
            </Card>
          </Box>
          <HandoffsTable
            handoffs={insights.handoffs}
            total={insights.handoffCount}
            reasons={insights.topReasons.map((top) => top.reason)}
            reason={reason}
            reasonTotal={insights.topReasons.find((top) => top.reason === reason)?.count}
            onReason={setReason}
            locale={locale}
          />
        </>
      ) : (
        <Text as="p" color="colorTextWeak">
          {strings.insightsNoHandoffs}
        </Text>
      )}
    </Box>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail: string }): JSX.Element {
  return (
    <Card padding="space50">
      <Text as="dt" color="colorTextWeak" fontSize="fontSize20" fontWeight="fontWeightSemibold">
        {label}
      </Text>
      <Text as="dd" margin="space0" fontSize="fontSize60" lineHeight="lineHeight60" fontWeight="fontWeightBold">
        {value}
      </Text>
      <Text as="dd" margin="space0" color="colorTextWeak" fontSize="fontSize20">
        {detail}
      </Text>
    </Card>
  );
}

const METER_COLOURS = {
  ok: 'colorBackgroundPrimary',
  busy: 'colorBackgroundWarning',
  full: 'colorBackgroundError',
} as const;

/** AI conversations now against the pool's capacity, as a meter, and those of the retiring and paused workers. */
function LiveCapacity({ live, locale }: { live: Insights['live']; locale?: string }): JSX.Element {
  const labelId = useUID();
  const text =
    live.capacity > 0
      ? format(strings.insightsLiveValue, {
          count: count(live.aiConversations, locale),
          capacity: count(live.capacity, locale),
        })
      : format(strings.insightsLiveNoCapacity, { count: count(live.aiConversations, locale) });
  // The retiring and paused workers' conversations are told apart: the meter is the serving pool's slots only.
  const apart = (shown: string, held: number, one: string, many: string): string =>
    held > 0 ? format(held === 1 ? one : many, { live: shown, count: count(held, locale) }) : shown;
  const shown = apart(
    apart(text, live.draining, strings.insightsLiveDrainingOne, strings.insightsLiveDraining),
    live.paused,
    strings.insightsLivePausedOne,
    strings.insightsLivePaused,
  );
  return (
    <Card padding="space50">
      <Box display="flex" flexWrap="wrap" justifyContent="space-between" columnGap="space40" marginBottom="space30">
        <Text as="span" id={labelId} fontWeight="fontWeightSemibold">
          {strings.insightsLiveLabel}
        </Text>
        <Text as="span">{shown}</Text>
      </Box>
      <Box
        role="meter"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={live.capacity}
        aria-valuenow={Math.min(live.aiConversations, live.capacity)}
        aria-valuetext={text}
        backgroundColor="colorBackground"
        borderRadius="borderRadius20"
        height="sizeSquare40"
        overflow="hidden"
      >
        <Box
          height="100%"
          width={live.capacity > 0 ? barLength(live.aiConversations, live.capacity) : '100%'}
          backgroundColor={METER_COLOURS[capacityLevel(live)]}
        />
      </Box>
    </Card>
  );
}
