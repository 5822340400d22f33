// "Twilio setup": the setup doctor's checks, and "Apply fixes" for those the Functions can fix.
import React, { useEffect, useRef, useState } from 'react';
import { Badge, type BadgeProps } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Checkbox } from '@twilio-paste/core/checkbox';
import { Heading } from '@twilio-paste/core/heading';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';
import { ErrorIcon } from '@twilio-paste/icons/esm/ErrorIcon';
import { SuccessIcon } from '@twilio-paste/icons/esm/SuccessIcon';
import { WarningIcon } from '@twilio-paste/icons/esm/WarningIcon';

import type { ApplySetupResult, CheckSetupResult, CheckStatus, Failure, SettingsClient, SetupCheck } from '../api/settingsClient';
import { isAutoFixable, needsHumanQueue, needsReplaceConfirmation, QUEUE_SID } from '../domain/setup';
import { format, strings } from '../strings';
import { OutcomeAlert } from './OutcomeAlert';
import { CodeField } from './SettingsFields';

export interface SetupSectionProps {
  client: SettingsClient;
  /** The signed-in admin's Flex token. */
  token: string;
  /** Each increase runs the check once (0: not yet). */
  checkRequest: number;
}

type Busy = 'check' | 'apply';
type Outcome = { kind: 'applied' | 'failed'; message: string };

const networkFailure = (): Failure => ({ ok: false, error: { code: 'network_error', message: strings.settingsNetworkError } });

function StatusBadge({ status }: { status: CheckStatus }): JSX.Element {
  const [variant, Icon, label]: [BadgeProps['variant'], typeof SuccessIcon, string] =
    status === 'ok'
      ? ['success', SuccessIcon, strings.setupStatusOk]
      : status === 'warning'
        ? ['warning', WarningIcon, strings.setupStatusWarning]
        : ['error', ErrorIcon, strings.setupStatusProblem];
  return (
    <Badge as="span" variant={variant}>
      <Icon decorative size="sizeIcon10" />
      {label}
    </Badge>
  );
}

function CheckItem({ check }: { check: SetupCheck }): JSX.Element {
  return (
    <Box as="li" paddingY="space40" borderTopStyle="solid" borderTopWidth="borderWidth10" borderTopColor="colorBorderWeaker" wordBreak="break-word" data-check={check.id}>
      <Box display="flex" alignItems="center" columnGap="space30" marginBottom="space20">
        <StatusBadge status={check.status} />
        <Text as="p" margin="space0" fontWeight="fontWeightSemibold">
          {check.title}
        </Text>
      </Box>
      <Text as="p" margin="space0">
        {check.detail}
      </Text>
      {check.status !== 'ok' && check.fix ? (
        <Text as="p" margin="space0" marginTop="space20">
          <Text as="span" fontWeight="fontWeightSemibold">
            {strings.setupFixLabel}
          </Text>{' '}
          {check.fix}
        </Text>
      ) : null}
    </Box>
  );
}

function appliedMessage(applied: readonly string[], checks: readonly SetupCheck[]): string {
  if (applied.length === 0) return strings.setupAppliedNothing;
  const titles = applied.map((id) => checks.find((check) => check.id === id)?.title ?? id);
  return format(strings.setupApplied, { list: titles.join(', ') });
}

/** The setup doctor: "Check setup" lists what is wrong, "Apply fixes" fixes what the Functions can. */
export function SetupSection({ client, token, checkRequest }: SetupSectionProps): JSX.Element {
  const [checks, setChecks] = useState<SetupCheck[]>();
  const [busy, setBusy] = useState<Busy>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [humanQueueSid, setHumanQueueSid] = useState('');
  const [humanQueueError, setHumanQueueError] = useState<string>();
  const [replaceConfirmed, setReplaceConfirmed] = useState(false);
  const mounted = useRef(true);
  // Only the newest request's answer is shown.
  const latest = useRef(0);
  const humanQueueId = useUID();
  const replaceId = useUID();
  const headingId = useUID();

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function run<T extends CheckSetupResult | ApplySetupResult>(kind: Busy, call: () => Promise<T>): Promise<T | Failure | undefined> {
    const id = ++latest.current;
    setBusy(kind);
    setOutcome(undefined);
    setHumanQueueError(undefined);
    const result = await call().catch(networkFailure);
    if (!mounted.current || id !== latest.current) return undefined;
    setBusy(undefined);
    if (result.ok) setChecks(result.checks);
    return result;
  }

  const check = async (): Promise<void> => {
    const result = await run('check', () => client.checkSetup(token));
    if (result && !result.ok) setOutcome({ kind: 'failed', message: format(strings.setupCheckFailed, { message: result.error.message }) });
  };

  useEffect(() => {
    if (checkRequest > 0) void check();
    // Runs per request only: a refreshed token must not re-run the check.
  }, [checkRequest]);

  const askHumanQueue = checks?.some(needsHumanQueue) === true;
  const askReplace = checks?.some(needsReplaceConfirmation) === true;
  const fixable = checks?.some(isAutoFixable) === true;

  const apply = async (): Promise<void> => {
    const queueSid = askHumanQueue ? humanQueueSid.trim() : '';
    if (queueSid && !QUEUE_SID.test(queueSid)) {
      setHumanQueueError(strings.setupHumanQueueInvalid);
      setOutcome({ kind: 'failed', message: strings.setupApplyFailedField });
      document.getElementById(humanQueueId)?.focus();
      return;
    }
    const result = await run('apply', () =>
      client.applySetup(token, {
        ...(queueSid ? { humanQueueSid: queueSid } : {}),
        ...(askReplace && replaceConfirmed ? { replaceCallbackUrl: true } : {}),
      }),
    );
    if (!result) return;
    if (result.ok) {
      setReplaceConfirmed(false); // a confirmation is for one apply
      setOutcome({ kind: 'applied', message: appliedMessage(result.applied, result.checks) });
      return;
    }
    const { field, message } = result.error;
    if (field === 'humanQueueSid') {
      setHumanQueueError(message);
      document.getElementById(humanQueueId)?.focus();
    }
    setOutcome({ kind: 'failed', message: field === 'humanQueueSid' ? strings.setupApplyFailedField : format(strings.setupApplyFailed, { message }) });
  };

  const passed = checks?.filter((c) => c.status === 'ok').length ?? 0;

  return (
    <Box as="section" aria-labelledby={headingId} marginTop="space120" paddingTop="space80" borderTopStyle="solid" borderTopWidth="borderWidth10" borderTopColor="colorBorderWeak">
      <Heading as="h2" variant="heading30" id={headingId}>
        {strings.setupTitle}
      </Heading>
      <Text as="p" marginBottom="space60">
        {strings.setupIntro}
      </Text>

      <Stack orientation="vertical" spacing="space60">
        {checks ? (
          <Box>
            <Text as="p" marginBottom="space30" fontWeight="fontWeightSemibold">
              {passed === checks.length
                ? format(strings.setupAllOk, { count: checks.length })
                : format(strings.setupNeedsAttention, { count: checks.length - passed, total: checks.length })}
            </Text>
            <Box as="ul" aria-label={strings.setupChecksLabel} margin="space0" padding="space0" listStyleType="none">
              {checks.map((item) => (
                <CheckItem key={item.id} check={item} />
              ))}
            </Box>
          </Box>
        ) : null}

        {askHumanQueue || humanQueueError ? (
          <CodeField
            id={humanQueueId}
            name="humanQueueSid"
            label={strings.setupHumanQueueLabel}
            help={strings.setupHumanQueueHelp}
            error={humanQueueError}
            placeholder="WQ…"
            value={humanQueueSid}
            onChange={(event) => setHumanQueueSid(event.target.value)}
          />
        ) : null}

        {askReplace ? (
          <Checkbox
            id={replaceId}
            name="replaceCallbackUrl"
            checked={replaceConfirmed}
            helpText={strings.setupReplaceUrlHelp}
            onChange={(event) => setReplaceConfirmed(event.target.checked)}
          >
            {strings.setupReplaceUrl}
          </Checkbox>
        ) : null}

        <OutcomeAlert outcome={outcome} />

        <Box display="flex" alignItems="center" columnGap="space40">
          <Button variant="secondary" onClick={() => void check()} loading={busy === 'check'} disabled={busy === 'apply'}>
            {strings.setupCheck}
          </Button>
          <Button variant="primary" onClick={() => void apply()} loading={busy === 'apply'} disabled={busy === 'check' || !fixable}>
            {strings.setupApply}
          </Button>
          {busy ? (
            <Text as="span" role="status" color="colorTextWeak">
              {busy === 'check' ? strings.setupChecking : strings.setupApplying}
            </Text>
          ) : null}
        </Box>
      </Stack>
    </Box>
  );
}
