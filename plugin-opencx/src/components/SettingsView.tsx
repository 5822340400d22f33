import React, { useEffect, useRef, useState } from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { Input } from '@twilio-paste/core/input';
import { Spinner } from '@twilio-paste/core/spinner';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { OpencxSettings, SaveResult, SettingsClient, SettingsField } from '../api/settingsClient';
import { DEFAULT_AI_AUTHOR_NAME } from '../config';
import { QUEUE_SID } from '../domain/setup';
import { format, strings } from '../strings';
import { OutcomeAlert } from './OutcomeAlert';
import { ConnectionBadge, FlexResource, FormField } from './SettingsFields';
import { SetupSection } from './SetupSection';

/** The Flex account's own resources, from `manager.serviceConfiguration`. */
export interface FlexResources {
  workspaceSid: string;
  conversationsServiceSid: string;
}

export interface SettingsViewProps {
  client: SettingsClient;
  /** The signed-in admin's Flex token (`manager.user.token`). */
  token: string;
  flexResources: FlexResources;
}

type EditableField = 'opencxToken' | 'aiQueueSid' | 'aiAuthorName';
type SaveField = EditableField | 'workspaceSid' | 'conversationsServiceSid';
type FormValues = Record<EditableField, string>;
type FieldErrors = Partial<Record<SaveField, string>>;
type Outcome = { kind: 'saved'; message: string } | { kind: 'failed'; message: string };

const EDITABLE_FIELDS: readonly EditableField[] = ['opencxToken', 'aiQueueSid', 'aiAuthorName'];

const isSaveField = (field: SettingsField): field is SaveField => field !== 'workflowSid' && field !== 'humanQueueSid';

function validate(values: FormValues, settings: OpencxSettings | undefined): FieldErrors {
  const errors: FieldErrors = {};
  // Without a saved token there is nothing to keep. If loading failed, the server decides.
  if (!values.opencxToken.trim() && settings && !settings.opencxTokenMasked) errors.opencxToken = strings.settingsTokenRequired;
  const queueSid = values.aiQueueSid.trim();
  if (queueSid && !QUEUE_SID.test(queueSid)) errors.aiQueueSid = strings.settingsQueueInvalid;
  return errors;
}

function formFrom(settings: OpencxSettings): FormValues {
  return { opencxToken: '', aiQueueSid: settings.aiQueueSid ?? '', aiAuthorName: settings.aiAuthorName };
}

function savedMessage(settings: OpencxSettings, workerCreated: boolean): string {
  return [
    strings.settingsSaved,
    settings.orgName ? `${format(strings.settingsConnectedTo, { org: settings.orgName })}.` : '',
    workerCreated ? strings.settingsSavedWorkerCreated : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The admin's OpenCX settings form: loads the saved settings, then "Test & Save". */
export function SettingsView({ client, token, flexResources }: SettingsViewProps): JSX.Element {
  const [settings, setSettings] = useState<OpencxSettings>();
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string>();
  const [values, setValues] = useState<FormValues>({ opencxToken: '', aiQueueSid: '', aiAuthorName: DEFAULT_AI_AUTHOR_NAME });
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  // Each increase runs the setup check once: after a configured load and after each save.
  const [checkRequest, setCheckRequest] = useState(0);
  const mounted = useRef(true);
  const ids: Record<EditableField, string> = { opencxToken: useUID(), aiQueueSid: useUID(), aiAuthorName: useUID() };

  useEffect(() => {
    mounted.current = true;
    client.load(token).then(
      (result) => {
        if (!mounted.current) return;
        setLoading(false);
        if (result.ok) {
          setSettings(result.settings);
          setValues(formFrom(result.settings));
          if (result.settings.configured) setCheckRequest((n) => n + 1);
        } else {
          setLoadError(result.error.message);
        }
      },
      () => {
        if (!mounted.current) return;
        setLoading(false);
        setLoadError(strings.settingsNetworkError);
      },
    );
    return () => {
      mounted.current = false;
    };
    // Loads once per client: a refreshed Flex token must not reload and wipe what the admin typed.
  }, [client]);

  const focusFirstError = (errors: FieldErrors): void => {
    const field = EDITABLE_FIELDS.find((name) => errors[name]);
    if (field) document.getElementById(ids[field])?.focus();
  };

  const handleSubmit = async (event: React.FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (saving) return;
    const errors = validate(values, settings);
    setFieldErrors(errors);
    setOutcome(undefined);
    if (Object.keys(errors).length > 0) {
      focusFirstError(errors);
      return;
    }

    setSaving(true);
    const result: SaveResult = await client
      .save(token, { ...values, ...flexResources })
      .catch(() => ({ ok: false, error: { code: 'network_error', message: strings.settingsNetworkError } }));
    if (!mounted.current) return;
    setSaving(false);

    if (result.ok) {
      setSettings(result.settings);
      setValues(formFrom(result.settings)); // clears the token field: the secret is never shown back
      setOutcome({ kind: 'saved', message: savedMessage(result.settings, result.workerCreated) });
      setCheckRequest((n) => n + 1);
      return;
    }
    const { field, message } = result.error;
    if (field && isSaveField(field)) {
      const errors = { [field]: message };
      setFieldErrors(errors);
      focusFirstError(errors);
    }
    setOutcome({ kind: 'failed', message: field && isSaveField(field) ? strings.settingsSaveFailedField : format(strings.settingsSaveFailed, { message }) });
  };

  const change = (field: EditableField) => (event: React.ChangeEvent<HTMLInputElement>) => {
    const { value } = event.target;
    setValues((current) => ({ ...current, [field]: value }));
  };

  return (
    <Box height="100%" overflowY="auto" padding="space80">
      <Box maxWidth="size70">
        <Box display="flex" alignItems="center" columnGap="space40" marginBottom="space40">
          <Heading as="h1" variant="heading20" marginBottom="space0">
            {strings.settingsTitle}
          </Heading>
          {settings ? <ConnectionBadge settings={settings} /> : null}
        </Box>
        <Text as="p" marginTop="space0" marginBottom="space70">
          {strings.settingsIntro}
        </Text>

        {loading ? (
          <Box display="flex" alignItems="center" columnGap="space30" role="status">
            <Spinner decorative />
            <Text as="span">{strings.settingsLoading}</Text>
          </Box>
        ) : (
          <form onSubmit={handleSubmit} noValidate>
            <Stack orientation="vertical" spacing="space80">
              {loadError ? (
                <Alert variant="error">
                  <Text as="span">{format(strings.settingsLoadFailed, { message: loadError })}</Text>
                </Alert>
              ) : null}

              <FormField
                id={ids.opencxToken}
                label={strings.settingsTokenLabel}
                required={!settings?.opencxTokenMasked}
                help={
                  settings?.opencxTokenMasked
                    ? format(strings.settingsTokenHelpSaved, { masked: settings.opencxTokenMasked })
                    : strings.settingsTokenHelpNew
                }
                error={fieldErrors.opencxToken}
              >
                {(described) => (
                  <Input
                    id={ids.opencxToken}
                    name="opencxToken"
                    type="password"
                    autoComplete="off"
                    spellCheck={false}
                    value={values.opencxToken}
                    placeholder={settings?.opencxTokenMasked ?? ''}
                    hasError={Boolean(fieldErrors.opencxToken)}
                    aria-describedby={described}
                    onChange={change('opencxToken')}
                  />
                )}
              </FormField>

              <FormField id={ids.aiQueueSid} label={strings.settingsQueueLabel} help={strings.settingsQueueHelp} error={fieldErrors.aiQueueSid}>
                {(described) => (
                  <Input
                    id={ids.aiQueueSid}
                    name="aiQueueSid"
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    placeholder="WQ…"
                    value={values.aiQueueSid}
                    hasError={Boolean(fieldErrors.aiQueueSid)}
                    aria-describedby={described}
                    onChange={change('aiQueueSid')}
                  />
                )}
              </FormField>

              <FormField id={ids.aiAuthorName} label={strings.settingsAuthorLabel} help={strings.settingsAuthorHelp} error={fieldErrors.aiAuthorName}>
                {(described) => (
                  <Input
                    id={ids.aiAuthorName}
                    name="aiAuthorName"
                    type="text"
                    placeholder={DEFAULT_AI_AUTHOR_NAME}
                    value={values.aiAuthorName}
                    hasError={Boolean(fieldErrors.aiAuthorName)}
                    aria-describedby={described}
                    onChange={change('aiAuthorName')}
                  />
                )}
              </FormField>

              <FlexResource label={strings.settingsWorkspaceLabel} sid={flexResources.workspaceSid} error={fieldErrors.workspaceSid} />
              <FlexResource
                label={strings.settingsConversationsServiceLabel}
                sid={flexResources.conversationsServiceSid}
                error={fieldErrors.conversationsServiceSid}
              />

              <OutcomeAlert outcome={outcome} />

              <Box display="flex" alignItems="center" columnGap="space40">
                <Button type="submit" variant="primary" loading={saving}>
                  {strings.settingsSave}
                </Button>
                {saving ? (
                  <Text as="span" role="status" color="colorTextWeak">
                    {strings.settingsSaving}
                  </Text>
                ) : null}
              </Box>
            </Stack>
          </form>
        )}
        {loading ? null : <SetupSection client={client} token={token} checkRequest={checkRequest} />}
      </Box>
    </Box>
  );
}
