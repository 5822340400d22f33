// The parts of the setup section: a check's finding, what one step of Apply, Undo or Uninstall did,
// and the checkbox of a choice made for one write.
import React from 'react';
import { Badge, type BadgeProps } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Checkbox } from '@twilio-paste/core/checkbox';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';
import { ErrorIcon } from '@twilio-paste/icons/esm/ErrorIcon';
import { NeutralIcon } from '@twilio-paste/icons/esm/NeutralIcon';
import { SuccessIcon } from '@twilio-paste/icons/esm/SuccessIcon';
import { WarningIcon } from '@twilio-paste/icons/esm/WarningIcon';

import type { CheckStatus, StepReport, StepStatus } from '../api/settingsClient';
import { changedSinceCheck } from '../domain/setup';
import { strings } from '../strings';

export type BadgeLook = [BadgeProps['variant'], typeof SuccessIcon, string];

const STEP_BADGES: Record<StepStatus, BadgeLook> = {
  applied: ['success', SuccessIcon, strings.setupStepApplied],
  unchanged: ['neutral', NeutralIcon, strings.setupStepUnchanged],
  skipped: ['warning', WarningIcon, strings.setupStepSkipped],
  failed: ['error', ErrorIcon, strings.setupStepFailed],
};

/** Ok, warning or problem for a check. */
export const checkBadge = (status: CheckStatus): BadgeLook =>
  status === 'ok'
    ? ['success', SuccessIcon, strings.setupStatusOk]
    : status === 'warning'
      ? ['warning', WarningIcon, strings.setupStatusWarning]
      : ['error', ErrorIcon, strings.setupStatusProblem];

interface SetupItemProps {
  badge: BadgeLook;
  title: string;
  detail: string;
  children?: React.ReactNode;
  'data-check'?: string;
  'data-step'?: string;
}

/** A list item: a status badge with the title, the detail, then anything further. */
export function SetupItem({
  badge: [variant, Icon, label],
  title,
  detail,
  children,
  ...data
}: SetupItemProps): JSX.Element {
  return (
    <Box
      as="li"
      paddingY="space40"
      borderTopStyle="solid"
      borderTopWidth="borderWidth10"
      borderTopColor="colorBorderWeaker"
      wordBreak="break-word"
      {...data}
    >
      <Box display="flex" alignItems="center" columnGap="space30" marginBottom="space20">
        <Badge as="span" variant={variant}>
          <Icon decorative size="sizeIcon10" />
          {label}
        </Badge>
        <Text as="p" margin="space0" fontWeight="fontWeightSemibold">
          {title}
        </Text>
      </Box>
      <Text as="p" margin="space0">
        {detail}
      </Text>
      {children}
    </Box>
  );
}

export function SetupList({ label, children }: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <Box as="ul" aria-label={label} margin="space0" padding="space0" listStyleType="none">
      {children}
    </Box>
  );
}

export interface StepListProps {
  label: string;
  steps: readonly StepReport[];
  /** Runs the check again, offered on a step refused because its resource changed since the check. */
  onCheckAgain(): void;
  checkDisabled: boolean;
}

/** Every step with its status, failed ones next to those that worked. */
export function StepList({ label, steps, onCheckAgain, checkDisabled }: StepListProps): JSX.Element | null {
  if (steps.length === 0) return null;
  return (
    <Box>
      <Text as="p" marginBottom="space30" fontWeight="fontWeightSemibold">
        {label}
      </Text>
      <SetupList label={label}>
        {steps.map((step, index) => (
          <SetupItem
            // biome-ignore lint/suspicious/noArrayIndexKey: a report may repeat a step id and is never reordered
            key={`${index}:${step.id}`}
            badge={STEP_BADGES[step.status]}
            title={step.title}
            detail={step.detail}
            data-step={step.id}
          >
            {changedSinceCheck(step) ? (
              <Box marginTop="space20">
                <Button variant="link" onClick={onCheckAgain} disabled={checkDisabled}>
                  {strings.setupCheckAgain}
                </Button>
              </Box>
            ) : null}
          </SetupItem>
        ))}
      </SetupList>
    </Box>
  );
}

export interface ConsentCheckboxProps {
  /** The form field it stands for. */
  name: string;
  checked: boolean;
  onChange(checked: boolean): void;
  label: string;
  help: string;
}

/** A choice that holds for one write (replace a URL, keep the Sync data), with its help text. */
export function ConsentCheckbox({ name, checked, onChange, label, help }: ConsentCheckboxProps): JSX.Element {
  const id = useUID();
  return (
    <Checkbox
      id={id}
      name={name}
      checked={checked}
      helpText={help}
      onChange={(event) => onChange(event.target.checked)}
    >
      {label}
    </Checkbox>
  );
}
