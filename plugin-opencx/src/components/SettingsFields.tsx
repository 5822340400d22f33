// The settings form's building blocks: each field with its label, help and own error.
import React from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Callout } from '@twilio-paste/core/callout';
import { HelpText } from '@twilio-paste/core/help-text';
import { Input } from '@twilio-paste/core/input';
import { Label } from '@twilio-paste/core/label';
import { Option, Select } from '@twilio-paste/core/select';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { OpencxSettings, WorkflowRouting } from '../api/settingsClient';
import { AI_WORKER_CHANNEL_CAPACITY } from '../config';
import { AI_PEAK_CONVERSATIONS, poolSizeFor } from '../domain/settingsForm';
import { format, strings } from '../strings';

export function ConnectionBadge({ settings }: { settings: OpencxSettings }): JSX.Element {
  if (!settings.configured) {
    return (
      <Badge as="span" variant="neutral">
        {strings.settingsNotConfigured}
      </Badge>
    );
  }
  return (
    <Badge as="span" variant="success">
      {settings.orgName ? format(strings.settingsConnectedTo, { org: settings.orgName }) : strings.settingsConnected}
    </Badge>
  );
}

interface FormFieldProps {
  id: string;
  label: string;
  help?: string;
  /** A second line of help, e.g. a character count. */
  counter?: string;
  error?: string;
  required?: boolean;
  /** Renders the control, given the ids that describe it. */
  children: (describedBy: string | undefined) => React.ReactNode;
}

/** Label, control, help text and the field's own error right under it. */
export function FormField({ id, label, help, counter, error, required, children }: FormFieldProps): JSX.Element {
  const helpId = `${id}-help`;
  const counterId = `${id}-counter`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : '', help ? helpId : '', counter ? counterId : ''].filter(Boolean).join(' ');
  return (
    <Box>
      <Label htmlFor={id} required={required}>
        {label}
      </Label>
      {children(describedBy || undefined)}
      {error ? (
        <HelpText id={errorId} variant="error">
          {error}
        </HelpText>
      ) : null}
      {help ? <HelpText id={helpId}>{help}</HelpText> : null}
      {counter ? <HelpText id={counterId}>{counter}</HelpText> : null}
    </Box>
  );
}

interface CodeFieldProps {
  id: string;
  name?: string;
  label: string;
  help?: string;
  error?: string;
  required?: boolean;
  value: string;
  placeholder: string;
  disabled?: boolean;
  onChange: React.ChangeEventHandler<HTMLInputElement>;
  onPaste?: React.ClipboardEventHandler<HTMLInputElement>;
}

function VerbatimField({
  type,
  id,
  label,
  help,
  error,
  required,
  ...input
}: CodeFieldProps & { type: 'text' | 'password' }): JSX.Element {
  return (
    <FormField id={id} label={label} required={required} help={help} error={error}>
      {(described) => (
        <Input
          {...input}
          id={id}
          type={type}
          // Browsers ignore "off" on a password input and offer the admin's saved sign-in there.
          autoComplete={type === 'password' ? 'new-password' : 'off'}
          spellCheck={false}
          hasError={Boolean(error)}
          aria-describedby={described}
        />
      )}
    </FormField>
  );
}

/** A one-line field for an identifier (a SID, a language tag): no autocomplete, no spellcheck. */
export const CodeField = (props: CodeFieldProps): JSX.Element => <VerbatimField {...props} type="text" />;

/**
 * A write-only secret: typed to replace the saved one, never shown back. `placeholder` stands in for the saved one.
 * React 17 copies a controlled input's value into its HTML `value` attribute, a password's too, where
 * whatever reads the page's markup (session replay, error reports' DOM snapshots) would find it: the
 * attribute is taken off after each render, and whenever React puts it back (it does so after each
 * keystroke, past the render, as it restores the controlled value).
 */
export function SecretField(props: CodeFieldProps): JSX.Element {
  const box = React.useRef<HTMLElement>(null);
  React.useLayoutEffect(() => {
    box.current?.querySelector('input')?.removeAttribute('value');
  });
  React.useLayoutEffect(() => {
    const input = box.current?.querySelector('input');
    if (!input) return undefined;
    const watcher = new MutationObserver(() => {
      if (input.hasAttribute('value')) input.removeAttribute('value');
    });
    watcher.observe(input, { attributes: true, attributeFilter: ['value'] });
    return () => watcher.disconnect();
  }, []);
  return (
    <Box ref={box}>
      <VerbatimField {...props} type="password" />
    </Box>
  );
}

/** A SID Flex supplies; shown so a server error about it has somewhere to appear. */
export function FlexResource({ label, sid, error }: { label: string; sid: string; error?: string }): JSX.Element {
  const labelId = useUID();
  return (
    <Box role="group" aria-labelledby={labelId}>
      <Text as="p" margin="space0" id={labelId} fontWeight="fontWeightSemibold">
        {label}
      </Text>
      <Text
        as="p"
        margin="space0"
        fontFamily={sid ? 'fontFamilyCode' : undefined}
        color={sid ? undefined : 'colorTextWeak'}
      >
        {sid || strings.settingsFlexResourceMissing}
      </Text>
      {error ? <HelpText variant="error">{error}</HelpText> : <HelpText>{strings.settingsFlexResourceHelp}</HelpText>}
    </Box>
  );
}

interface NumberFieldProps {
  id: string;
  name: string;
  label: string;
  help: string;
  /** A second line of help that follows what is typed. */
  counter?: string;
  /** What the number counts, shown after it. */
  unit: string;
  value: string;
  error?: string;
  disabled?: boolean;
  onChange: React.ChangeEventHandler<HTMLInputElement>;
}

/** A whole number typed with its unit after it; the form checks it (`settingsForm.ts`). */
export function NumberField({
  id,
  name,
  unit,
  value,
  error,
  disabled,
  onChange,
  ...field
}: NumberFieldProps): JSX.Element {
  return (
    <FormField id={id} error={error} {...field}>
      {(described) => (
        <Box maxWidth="size30">
          <Input
            id={id}
            name={name}
            type="number"
            inputMode="numeric"
            value={value}
            insertAfter={<Text as="span">{unit}</Text>}
            hasError={Boolean(error)}
            aria-describedby={described}
            disabled={disabled}
            onChange={onChange}
          />
        </Box>
      )}
    </FormField>
  );
}

type PeakFieldProps = Pick<NumberFieldProps, 'id' | 'value' | 'error' | 'disabled' | 'onChange'>;

/** The expected peak of concurrent AI conversations, with the pool of AI workers it implies. */
export function PeakField(props: PeakFieldProps): JSX.Element {
  const workers = poolSizeFor(props.value);
  const capacity = AI_WORKER_CHANNEL_CAPACITY;
  return (
    <NumberField
      {...props}
      name="aiPeakConversations"
      label={strings.settingsPeakLabel}
      help={format(strings.settingsPeakHelp, { ...AI_PEAK_CONVERSATIONS, capacity })}
      counter={
        workers === undefined
          ? undefined
          : format(workers === 1 ? strings.settingsPeakPoolOne : strings.settingsPeakPool, {
              workers,
              capacity,
              slots: workers * capacity,
            })
      }
      unit={strings.settingsPeakUnit}
    />
  );
}

interface WorkflowFieldProps {
  id: string;
  /** Null: not saved yet, so there is nothing to choose from. */
  routing: WorkflowRouting | null;
  /** The saved choice; null: the discovered workflow. */
  saved: string | null;
  /** The chosen SID; empty: the discovered workflow. */
  value: string;
  error?: string;
  disabled?: boolean;
  onChange: React.ChangeEventHandler<HTMLSelectElement>;
}

/**
 * The workflow the setup uses and why, and the admin's choice of another, stored by Test & Save. In use
 * and discovered: the account's configuration names it and the admin chose none. A conflict already
 * told as why none is in use (that reason ends with it) is not told twice.
 */
export function WorkflowField({
  id,
  routing,
  saved,
  value,
  error,
  disabled,
  onChange,
}: WorkflowFieldProps): JSX.Element {
  if (!routing) {
    return (
      <Box>
        <Text as="p" margin="space0" fontWeight="fontWeightSemibold">
          {strings.settingsWorkflowLabel}
        </Text>
        <HelpText variant={error ? 'error' : 'default'}>{error ?? strings.settingsWorkflowUnsaved}</HelpText>
      </Box>
    );
  }
  const { workflows, inUse, unclear, conflict } = routing;
  const discovered = !saved && inUse && inUse.sid === routing.discoveredSid;
  const inUseText = inUse
    ? format(discovered ? strings.settingsWorkflowInUseDiscovered : strings.settingsWorkflowInUse, {
        name: inUse.friendlyName,
        sid: inUse.sid,
        why: inUse.why,
      })
    : undefined;
  const notes = [
    unclear ? format(strings.settingsWorkflowUnclear, unclear) : '',
    conflict && !unclear?.reason.includes(conflict)
      ? format(strings.settingsWorkflowConflict, { reason: conflict })
      : '',
  ].filter(Boolean);
  // A saved choice no longer in the workspace stays selected, so saving does not drop it unseen.
  const gone = saved && !workflows.some((workflow) => workflow.sid === saved) ? saved : undefined;
  return (
    <Box>
      <FormField
        id={id}
        label={strings.settingsWorkflowLabel}
        help={inUseText}
        counter={strings.settingsWorkflowHelp}
        error={error}
      >
        {(described) => (
          <Select
            id={id}
            name="workflowSid"
            value={value}
            hasError={Boolean(error)}
            aria-describedby={described}
            disabled={disabled}
            onChange={onChange}
          >
            <Option value="">{strings.settingsWorkflowDiscoveredOption}</Option>
            {workflows.map((workflow) => (
              <Option key={workflow.sid} value={workflow.sid}>
                {`${workflow.friendlyName} (${workflow.sid})`}
              </Option>
            ))}
            {gone ? <Option value={gone}>{format(strings.settingsWorkflowMissingOption, { sid: gone })}</Option> : null}
          </Select>
        )}
      </FormField>
      {notes.map((note) => (
        <Callout key={note} variant="warning" marginY="space30">
          <Text as="p">{note}</Text>
        </Callout>
      ))}
    </Box>
  );
}
