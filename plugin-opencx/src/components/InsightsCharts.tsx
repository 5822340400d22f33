// The insights' bar charts, drawn with Paste Boxes and the theme's colour tokens: three simple bar
// shapes need no chart library. Each bar names its numbers for screen readers, and every colour
// has a legend entry, so no figure rests on colour alone.
import React from 'react';
import { Box, type BoxProps } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { DailyInsights, Insights, InsightsSentiment } from '../api/insightsClient';
import { barLength, count, dayLabel, percent, stillWithAi } from '../domain/insights';
import { format, strings } from '../strings';

type Colour = BoxProps['backgroundColor'];

export const SERIES_COLOURS: Readonly<Record<'contained' | 'handedOff' | 'stillWithAi', Colour>> = {
  contained: 'colorBackgroundSuccess',
  handedOff: 'colorBackgroundPrimary',
  stillWithAi: 'colorBackgroundStrong',
};

export const SENTIMENT_COLOURS: Readonly<Record<InsightsSentiment, Colour>> = {
  negative: 'colorBackgroundError',
  neutral: 'colorBackgroundStronger',
  positive: 'colorBackgroundSuccess',
};

/** A titled chart: a figure named by its heading. */
export function ChartFigure({ title, children }: { title: string; children: React.ReactNode }): JSX.Element {
  const titleId = useUID();
  return (
    <Box as="figure" margin="space0" aria-labelledby={titleId} minWidth="0">
      <Heading as="h3" variant="heading50" id={titleId}>
        {title}
      </Heading>
      {children}
    </Box>
  );
}

export function Legend({ items }: { items: { label: string; colour: Colour }[] }): JSX.Element {
  return (
    <Box
      as="ul"
      display="flex"
      flexWrap="wrap"
      columnGap="space50"
      rowGap="space20"
      margin="space0"
      padding="space0"
      marginBottom="space40"
      listStyleType="none"
    >
      {items.map(({ label, colour }) => (
        <Box as="li" key={label} display="flex" alignItems="center" columnGap="space20">
          <Box
            as="span"
            display="inline-block"
            size="sizeSquare40"
            borderRadius="borderRadius10"
            backgroundColor={colour}
          />
          <Text as="span" fontSize="fontSize20" color="colorTextWeak">
            {label}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

/** One column per day: contained, handed off and still with the AI, stacked. */
export function DailyChart({ daily, locale }: { daily: readonly DailyInsights[]; locale?: string }): JSX.Element {
  const max = Math.max(1, ...daily.map((day) => Math.max(day.engaged, day.contained + day.handedOff)));
  const short = daily.length > 7;
  // About eight labels, whatever the period's length.
  const labelEvery = Math.ceil(daily.length / 8);
  return (
    <ChartFigure title={strings.insightsDailyTitle}>
      <Legend
        items={[
          { label: strings.insightsContained, colour: SERIES_COLOURS.contained },
          { label: strings.insightsHandedOff, colour: SERIES_COLOURS.handedOff },
          { label: strings.insightsDailyInProgress, colour: SERIES_COLOURS.stillWithAi },
        ]}
      />
      <Box
        as="ol"
        display="flex"
        columnGap={short ? 'space10' : 'space30'}
        margin="space0"
        padding="space0"
        listStyleType="none"
        aria-label={strings.insightsDailyTitle}
      >
        {daily.map((day, index) => {
          const label = dayLabel(day.date, locale, short);
          const segments: [number, Colour][] = [
            [day.contained, SERIES_COLOURS.contained],
            [day.handedOff, SERIES_COLOURS.handedOff],
            [stillWithAi(day), SERIES_COLOURS.stillWithAi],
          ];
          return (
            <Box
              as="li"
              key={day.date}
              flexGrow={1}
              flexBasis="0"
              minWidth="0"
              display="flex"
              flexDirection="column"
              alignItems="stretch"
            >
              <Text as="span" fontSize="fontSize10" color="colorTextWeak" textAlign="center" lineHeight="lineHeight10">
                {day.engaged > 0 ? count(day.engaged, locale) : '\u00a0'}
              </Text>
              <Box
                role="img"
                aria-label={format(strings.insightsDailyDay, {
                  day: dayLabel(day.date, locale),
                  engaged: count(day.engaged, locale),
                  contained: count(day.contained, locale),
                  handedOff: count(day.handedOff, locale),
                })}
                height="size20"
                display="flex"
                flexDirection="column-reverse"
                borderBottomStyle="solid"
                borderBottomWidth="borderWidth10"
                borderBottomColor="colorBorderWeak"
              >
                {segments.map(([value, colour], segment) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a day's three series, always in the same order
                  <Box key={segment} height={barLength(value, max)} backgroundColor={colour} />
                ))}
              </Box>
              <Text
                as="span"
                fontSize="fontSize10"
                color="colorTextWeak"
                textAlign="center"
                whiteSpace="nowrap"
                lineHeight="lineHeight20"
              >
                {index % labelEvery === 0 || index === daily.length - 1 ? label : '\u00a0'}
              </Text>
            </Box>
          );
        })}
      </Box>
    </ChartFigure>
  );
}

/** Horizontal bars, longest first; choosing a reason shows its handoffs. */
export function ReasonsChart({
  reasons,
  selected,
  onSelect,
  locale,
}: {
  reasons: Insights['topReasons'];
  selected: string | null;
  /** `null`: the chosen reason was pressed again, so every reason shows. */
  onSelect: (reason: string | null) => void;
  locale?: string;
}): JSX.Element {
  const max = Math.max(1, ...reasons.map((reason) => reason.count));
  return (
    <ChartFigure title={strings.insightsReasonsTitle}>
      <Box as="ol" margin="space0" padding="space0" listStyleType="none" display="grid" rowGap="space30">
        {reasons.map(({ reason, count: total }) => {
          const label = reason || strings.insightsNoReason;
          return (
            <Box as="li" key={reason}>
              <Box display="flex" justifyContent="space-between" columnGap="space30">
                <Button
                  variant="link"
                  size="reset"
                  onClick={() => onSelect(selected === reason ? null : reason)}
                  aria-pressed={selected === reason}
                  aria-label={format(strings.insightsReasonShow, { reason: label, count: count(total, locale) })}
                >
                  {label}
                </Button>
                <Text as="span" fontWeight="fontWeightSemibold">
                  {count(total, locale)}
                </Text>
              </Box>
              <Box
                backgroundColor="colorBackground"
                borderRadius="borderRadius10"
                marginTop="space10"
                aria-hidden="true"
              >
                <Box
                  height="sizeSquare30"
                  width={barLength(total, max)}
                  borderRadius="borderRadius10"
                  backgroundColor={
                    selected === null || selected === reason ? 'colorBackgroundPrimary' : 'colorBackgroundPrimaryWeak'
                  }
                />
              </Box>
            </Box>
          );
        })}
      </Box>
    </ChartFigure>
  );
}

const SENTIMENT_LABELS: Readonly<Record<InsightsSentiment, string>> = {
  negative: strings.sentimentNegative,
  neutral: strings.sentimentNeutral,
  positive: strings.sentimentPositive,
};

/** One bar split by sentiment, with each share in the legend. */
export function SentimentChart({
  sentiment,
  locale,
}: {
  sentiment: Insights['sentimentAtHandoff'];
  locale?: string;
}): JSX.Element {
  const order: InsightsSentiment[] = ['negative', 'neutral', 'positive'];
  const total = order.reduce((sum, key) => sum + sentiment[key], 0);
  const share = (key: InsightsSentiment): string => percent(total > 0 ? sentiment[key] / total : null, locale);
  return (
    <ChartFigure title={strings.insightsSentimentTitle}>
      <Legend
        items={order.map((key) => ({
          label: `${SENTIMENT_LABELS[key]}: ${count(sentiment[key], locale)} (${share(key)})`,
          colour: SENTIMENT_COLOURS[key],
        }))}
      />
      <Box
        display="flex"
        height="sizeSquare70"
        borderRadius="borderRadius20"
        overflow="hidden"
        backgroundColor="colorBackground"
        aria-hidden="true"
      >
        {order.map((key) => (
          <Box key={key} width={barLength(sentiment[key], total)} backgroundColor={SENTIMENT_COLOURS[key]} />
        ))}
      </Box>
    </ChartFigure>
  );
}
