// The supervisors' view of the AI: one period at a time (today, 7 or 30 days), loaded from the
// insights Function when chosen. The periods are a row of toggle buttons, as a segmented control:
// Paste 15 has none, and its Tabs bring the whole Reakit library (about 35 KB gzipped).
import React, { useEffect, useRef, useState } from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { Spinner } from '@twilio-paste/core/spinner';
import { Text } from '@twilio-paste/core/text';

import { INSIGHTS_PERIODS, type InsightsClient, type InsightsPeriod, type InsightsResult } from '../api/insightsClient';
import { format, strings } from '../strings';
import { InsightsReport } from './InsightsReport';
import { useFocusAfterBusy } from './useFocusAfterBusy';

export interface InsightsViewProps {
  client: InsightsClient;
  /** The signed-in supervisor's Flex token (`manager.user.token`). */
  token: string;
  /** BCP-47 locale for numbers and dates; the browser's by default. */
  locale?: string;
  /** Changes when the supervisor comes back to the view: the figures are read again. */
  visit?: number;
}

const PERIOD_LABELS: Readonly<Record<InsightsPeriod, string>> = {
  today: strings.insightsPeriodToday,
  '7d': strings.insightsPeriod7d,
  '30d': strings.insightsPeriod30d,
};

type Loaded = { period: InsightsPeriod; result?: InsightsResult };

export function InsightsView({ client, token, locale, visit = 0 }: InsightsViewProps): JSX.Element {
  const [period, setPeriod] = useState<InsightsPeriod>('7d');
  const [loaded, setLoaded] = useState<Loaded>({ period });
  const [reloads, setReloads] = useState(0);
  // The token renews while the view is open; a renewal alone is no reason to reload.
  const tokenRef = useRef(token);
  tokenRef.current = token;

  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads and visit change only to read the figures again
  useEffect(() => {
    let current = true;
    setLoaded({ period });
    void client.load(tokenRef.current, period).then((result) => {
      // An answer for a period the supervisor has already left is dropped.
      if (current) setLoaded({ period, result });
    });
    return () => {
      current = false;
    };
  }, [client, period, reloads, visit]);

  // Asked for by the supervisor (Refresh, Try again): their focus, lost to the disabled or removed
  // button, is given back to Refresh once the figures are in.
  const [asked, setAsked] = useState(false);
  const reload = (): void => {
    setAsked(true);
    setReloads((count) => count + 1);
  };
  const result = loaded.period === period ? loaded.result : undefined;
  const refreshButton = useFocusAfterBusy<HTMLButtonElement>(asked && !result);
  useEffect(() => {
    if (result) setAsked(false);
  }, [result]);

  return (
    <Box padding="space80" maxWidth="size100">
      <Box display="flex" justifyContent="space-between" alignItems="flex-start" columnGap="space50">
        <Box>
          <Heading as="h1" variant="heading20">
            {strings.insightsTitle}
          </Heading>
          <Text as="p" color="colorTextWeak" marginBottom="space60">
            {strings.insightsIntro}
          </Text>
        </Box>
        <Button ref={refreshButton} variant="secondary" size="small" onClick={reload} disabled={!result}>
          {strings.insightsRefresh}
        </Button>
      </Box>
      <PeriodPicker period={period} onPeriod={setPeriod} />
      <Box paddingTop="space60">
        <PeriodInsights result={result} onRetry={reload} locale={locale} />
      </Box>
    </Box>
  );
}

/** Today, 7 or 30 days: one pressed at a time. */
function PeriodPicker({
  period,
  onPeriod,
}: {
  period: InsightsPeriod;
  onPeriod: (period: InsightsPeriod) => void;
}): JSX.Element {
  return (
    <Box role="group" aria-label={strings.insightsPeriodsLabel} display="flex" columnGap="space20">
      {INSIGHTS_PERIODS.map((option) => (
        <Button
          key={option}
          variant={option === period ? 'primary' : 'secondary'}
          size="small"
          aria-pressed={option === period}
          onClick={() => onPeriod(option)}
        >
          {PERIOD_LABELS[option]}
        </Button>
      ))}
    </Box>
  );
}

function PeriodInsights({
  result,
  onRetry,
  locale,
}: {
  result?: InsightsResult;
  onRetry: () => void;
  locale?: string;
}): JSX.Element {
  if (!result) {
    return (
      <Box display="flex" alignItems="center" columnGap="space30" aria-busy="true">
        <Spinner decorative />
        <Text as="span">{strings.insightsLoading}</Text>
      </Box>
    );
  }
  if (!result.ok) {
    return (
      <Alert variant="error">
        <Text as="span">{format(strings.insightsLoadFailed, { message: result.error.message })}</Text>{' '}
        <Button variant="link" onClick={onRetry}>
          {strings.insightsRetry}
        </Button>
      </Alert>
    );
  }
  return <InsightsReport insights={result.insights} locale={locale} />;
}
