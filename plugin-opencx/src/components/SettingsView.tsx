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

import { leftUnfinished } from '../api/functionsRequest';
import type {
  LiveChange,
  LoadResult,
  OpencxSettings,
  SaveResult,
  SettingsClient,
  SettingsField,
  WorkflowRouting,
} from '../api/settingsClient';
import {
  DEFAULT_AI_ANSWER_TIMEOUT_SECONDS,
  DEFAULT_AI_AUTHOR_NAME,
  DEFAULT_AI_IDLE_CLOSE_MINUTES,
  DEFAULT_AI_PEAK_CONVERSATIONS,
  DEFAULT_CUSTOMER_HANDBACK_NOTE,
  DEFAULT_CUSTOMER_HANDOFF_NOTE,
  DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
} from '../config';
import {
  type FormErrors,
  formFrom,
  hasErrors,
  NO_ERRORS,
  rebaseForm,
  saveInput,
  type SettingsFormValues,
  type TranslationRow,
  type TranslationsOf,
  validate,
} from '../domain/settingsForm';
import { format, strings } from '../strings';
import { addTranslationId, CustomerNoteField, translationControlId, TranslationsEditor } from './CustomerNoteFields';
import { OutcomeAlert } from './OutcomeAlert';
import { ExtraKeysField } from './ExtraKeysField';
import {
  CodeField,
  ConnectionBadge,
  FlexResource,
  FormField,
  NumberField,
  PeakField,
  SecretField,
  WorkflowField,
} from './SettingsFields';
import { ConsentCheckbox } from './SetupItems';
import { SetupSection } from './SetupSection';
import { useFocusAfterBusy } from './useFocusAfterBusy';
import { WebhookUrlField } from './WebhookUrlField';

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
  /** Shown under the introduction: where the view found the Functions. */
  notice?: React.ReactNode;
  /** Changes when the admin comes back to the view: the settings are read again, the setup checked again. */
  visit?: number;
}

type TextField = Exclude<keyof SettingsFormValues, TranslationsOf | 'keptExtraTokens'>;
/** `stale`: refused because the stored settings changed since the form was filled; offers to reload them. */
type Outcome = { kind: 'saved' | 'warning' | 'failed' | 'stale' | 'unrefreshed'; message: string };

/** The fields in the order they appear, for focusing the first error. */
const FOCUS_ORDER: readonly TextField[] = [
  'opencxToken',
  'opencxExtraTokens',
  'aiQueueSid',
  'aiAuthorName',
  'aiPeakConversations',
  'workflowSid',
  'opencxWebhookSecret',
  'aiAnswerTimeoutSeconds',
  'aiIdleCloseMinutes',
  'customerIdleCloseNote',
  'customerHandoffNote',
  'customerHandbackNote',
];

/** The customer's notes, in the order they appear: each note's field, its translations' rows and field. */
const CUSTOMER_NOTES = [
  {
    moment: 'handoff',
    note: 'customerHandoffNote',
    editor: 'translations',
    translations: 'customerHandoffNoteTranslations',
  },
  {
    moment: 'handback',
    note: 'customerHandbackNote',
    editor: 'handbackTranslations',
    translations: 'customerHandbackNoteTranslations',
  },
] as const;

/** Apply's human queue is never this form's. */
const isFormField = (field: SettingsField): boolean => field !== 'humanQueueSid';

/** A field the admin types or picks in (not one Flex supplies). */
const isEditable = (field: SettingsField): boolean =>
  (FOCUS_ORDER as readonly string[]).includes(field) || CUSTOMER_NOTES.some((n) => n.translations === field);

const networkFailure: LoadResult = {
  ok: false,
  error: { code: 'network_error', message: strings.settingsNetworkError },
};

const EMPTY_FORM: SettingsFormValues = {
  opencxToken: '',
  opencxExtraTokens: '',
  aiQueueSid: '',
  workflowSid: '',
  aiAuthorName: DEFAULT_AI_AUTHOR_NAME,
  opencxWebhookSecret: '',
  customerHandoffNote: DEFAULT_CUSTOMER_HANDOFF_NOTE,
  translations: [],
  customerHandbackNote: DEFAULT_CUSTOMER_HANDBACK_NOTE,
  handbackTranslations: [],
  aiAnswerTimeoutSeconds: String(DEFAULT_AI_ANSWER_TIMEOUT_SECONDS),
  aiIdleCloseMinutes: String(DEFAULT_AI_IDLE_CLOSE_MINUTES),
  customerIdleCloseNote: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
  aiPeakConversations: String(DEFAULT_AI_PEAK_CONVERSATIONS),
};

function savedMessage(result: Extract<SaveResult, { ok: true }>): string {
  const {
    settings,
    workerCreated,
    webhooksNotUpdated,
    aiWorkersAwaitApply,
    aiWorkersNotOpened,
    formerAiWorkers,
    opencxKeysUnchecked,
  } = result;
  return [
    strings.settingsSaved,
    settings.orgName ? `${format(strings.settingsConnectedTo, { org: settings.orgName })}.` : '',
    workerCreated ? strings.settingsSavedWorkerCreated : '',
    webhooksNotUpdated ? strings.settingsSavedWebhooksNotUpdated : '',
    aiWorkersAwaitApply ? strings.settingsSavedWorkersAwaitApply : '',
    aiWorkersNotOpened ? strings.settingsSavedWorkersNotOpened : '',
    formerAiWorkers ? formerWorkersMessage(formerAiWorkers) : '',
    keysUncheckedMessage(opencxKeysUnchecked ?? 0),
  ]
    .filter(Boolean)
    .join(' ');
}

/** Saved, but something the admin must act on was left undone: a warning, not a plain success. */
const savedWithProblems = (result: Extract<SaveResult, { ok: true }>): boolean =>
  Boolean(result.webhooksNotUpdated || result.aiWorkersNotOpened || result.formerAiWorkers?.unlisted);

function keysUncheckedMessage(count: number): string {
  if (count === 0) return '';
  return count === 1
    ? strings.settingsSavedKeyUnchecked
    : format(strings.settingsSavedKeysUnchecked, { count: count.toLocaleString() });
}

function formerWorkersMessage({ left, unlisted }: { left: number; unlisted: boolean }): string {
  if (left === 0) return unlisted ? strings.settingsSavedFormerWorkersUnlisted : '';
  return left === 1
    ? strings.settingsSavedFormerWorkerLeft
    : format(strings.settingsSavedFormerWorkersLeft, { count: left.toLocaleString() });
}

function SectionHeading({ children }: { children: string }): JSX.Element {
  return (
    <Heading as="h2" variant="heading40" marginBottom="space0">
      {children}
    </Heading>
  );
}

/** The admin's OpenCX settings form: loads the saved settings, then "Test & Save". */
/** The change a `change_not_confirmed` refusal asks about, by the field it names. */
const LIVE_CHANGE_OF_FIELD: Record<string, LiveChange> = {
  opencxToken: 'organisation',
  workspaceSid: 'workspace',
  conversationsServiceSid: 'service',
};

export function SettingsView({ client, token, flexResources, notice, visit = 0 }: SettingsViewProps): JSX.Element {
  const [settings, setSettings] = useState<OpencxSettings>();
  const [routing, setRouting] = useState<WorkflowRouting | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string>();
  const [values, setValues] = useState<SettingsFormValues>(EMPTY_FORM);
  // The form as last rendered, for a read that answers after the admin typed more.
  const typed = useRef(values);
  typed.current = values;
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  // While Test & Save runs the form is disabled: its success fills the form with what was saved, which
  // would drop an edit made meanwhile without a word.
  const [saving, setSaving] = useState(false);
  const [reloading, setReloading] = useState(false);
  // Focus the buttons' own loading state took, given back; the reload's button goes with its alert.
  const saveButton = useFocusAfterBusy<HTMLButtonElement>(saving);
  const reloadButton = useFocusAfterBusy<HTMLButtonElement>(reloading, saveButton);
  const [outcome, setOutcome] = useState<Outcome>();
  // A stale form disables Test & Save: the keyboard goes to the alert's Reload rather than stay on it.
  useEffect(() => {
    if (outcome?.kind !== 'stale') return;
    const active = document.activeElement;
    if (!active || active === document.body || active === saveButton.current) reloadButton.current?.focus();
  }, [outcome, saveButton, reloadButton]);
  // A change the last save was refused for until the admin confirms it, and those confirmed for the next save.
  const [unconfirmed, setUnconfirmed] = useState<LiveChange>();
  const [confirmed, setConfirmed] = useState<LiveChange[]>([]);
  // A confirmation is for the key the refusal named: another key pasted asks again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the key typed changes, only
  useEffect(() => {
    setConfirmed([]);
    setUnconfirmed(undefined);
  }, [values.opencxToken]);
  // Each increase runs the setup check once: after a configured load and after each save.
  const [checkRequest, setCheckRequest] = useState(0);
  // Each increase loads the settings again (the admin's "Try again" after a failed load).
  const [loadAttempt, setLoadAttempt] = useState(0);
  const mounted = useRef(true);
  // The settings the form was last filled or rebased from, to tell the admin's edits from what was loaded.
  const shown = useRef<OpencxSettings>();
  // Only the newest read of the settings counts: an earlier one answering last would show older settings.
  const reads = useRef(0);
  // An Apply, Undo or Uninstall ran since the settings shown were read: the next read, whatever asks for it (its
  // own read may fail, or lose to a return's newer one), takes what it wrote as this admin's, not another's.
  const setupWrote = useRef(false);
  // What it said before the Apply, Undo or Uninstall under way: put back when that one is refused.
  const setupWroteBefore = useRef(false);
  const ids: Record<TextField, string> = {
    opencxToken: useUID(),
    opencxExtraTokens: useUID(),
    aiQueueSid: useUID(),
    aiAuthorName: useUID(),
    aiPeakConversations: useUID(),
    workflowSid: useUID(),
    opencxWebhookSecret: useUID(),
    aiAnswerTimeoutSeconds: useUID(),
    aiIdleCloseMinutes: useUID(),
    customerIdleCloseNote: useUID(),
    customerHandoffNote: useUID(),
    customerHandbackNote: useUID(),
  };
  const translationsIds: Record<TranslationsOf, string> = { translations: useUID(), handbackTranslations: useUID() };

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once per client: a new token must not wipe the form
  useEffect(() => {
    mounted.current = true;
    client.load(token).then(
      (result) => {
        if (!mounted.current) return;
        setLoading(false);
        if (result.ok) {
          show(result.settings);
          setRouting(result.routing);
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
  }, [client, loadAttempt]);

  const show = (loaded: OpencxSettings): void => {
    shown.current = loaded;
    setupWrote.current = false;
    setSettings(loaded);
  };

  const loadAgain = (): void => {
    setLoading(true);
    setLoadError(undefined);
    setLoadAttempt((n) => n + 1);
  };

  /** The stored settings read again, the form left on screen; undefined when unmounted or a newer read started. */
  const readAgain = async (): Promise<LoadResult | undefined> => {
    const read = ++reads.current;
    const loaded = await client.load(token).catch(() => networkFailure);
    return mounted.current && read === reads.current ? loaded : undefined;
  };

  /**
   * The stored settings read again after an Apply, Undo or Uninstall (`setup`), which may change them, or as the
   * admin comes back to the view (`return`): shown, the admin's edits kept on top, so the next save sends neither
   * a stale value nor a stale revision. When someone else changed a field the admin edited too, nothing is taken:
   * the form keeps its revision, so a save is refused as stale rather than putting their change back, and the
   * admin is offered the reload a stale save offers. Only a `setup` read shows that it runs, and that it failed;
   * which writes are this admin's own does not depend on why: `setupWrote` says.
   */
  const refresh = async (why: 'setup' | 'return' | 'unfinished' = 'setup'): Promise<void> => {
    const reported = why === 'setup';
    if (why !== 'return') setReloading(true);
    const loaded = await readAgain();
    if (!mounted.current) return;
    if (why !== 'return') setReloading(false);
    if (!loaded) return;
    // Saved over stale settings, the form would be refused (or put back what the setup change wrote). On a
    // return nothing changed here: the form stays as it was, its revision still guarding the save.
    if (!loaded.ok) {
      if (reported)
        setOutcome({
          kind: 'unrefreshed',
          message: format(strings.settingsRefreshFailed, { message: loaded.error.message }),
        });
      return;
    }
    const before = shown.current;
    const rebased = before
      ? rebaseForm(typed.current, before, loaded.settings, setupWrote.current, false, why === 'unfinished')
      : { values: formFrom(loaded.settings), theirs: false, conflict: false, unseen: false };
    if (rebased.conflict) {
      setOutcome({ kind: 'stale', message: strings.settingsChangedUnderEdits });
      return;
    }
    // Nothing to show, and their revision not taken: a save is refused as stale, and offers the reload.
    if (rebased.unseen) return;
    show(loaded.settings);
    setRouting(loaded.routing);
    setValues(rebased.values);
    // After a save that may have landed, what changed is taken to be it: its own alert stays.
    setOutcome((shownOutcome) =>
      why === 'unfinished'
        ? shownOutcome
        : rebased.theirs
          ? { kind: 'warning', message: strings.settingsTheirChangesShown }
          : shownOutcome?.kind === 'unrefreshed'
            ? { kind: 'saved', message: strings.settingsRefreshed }
            : shownOutcome,
    );
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each return to the view only
  useEffect(() => {
    if (visit === 0 || loading || saving) return;
    if (loadError) loadAgain();
    else void refresh('return');
  }, [visit]);

  const noteSetupWrite = (): void => {
    setupWrote.current = true;
  };
  const noteSetupStart = (): void => {
    setupWroteBefore.current = setupWrote.current;
    setupWrote.current = true;
  };
  const noteSetupRefused = (): void => {
    setupWrote.current = setupWroteBefore.current;
  };

  /**
   * After a save refused as stale: the form filled again from the stored settings, the admin's edits of
   * fields nobody else changed kept on top (theirs win where both changed), and always the keys and the
   * secret pasted: OpenCX shows a key once, and no one can read them back.
   */
  const reload = async (): Promise<void> => {
    setReloading(true);
    const loaded = await readAgain();
    if (!mounted.current) return;
    setReloading(false);
    if (!loaded) return;
    if (!loaded.ok) {
      setOutcome({ kind: 'stale', message: format(strings.settingsLoadFailed, { message: loaded.error.message }) });
      return;
    }
    const before = shown.current;
    show(loaded.settings);
    setRouting(loaded.routing);
    setValues((current) => ({
      ...(before ? rebaseForm(current, before, loaded.settings, false, true).values : formFrom(loaded.settings)),
      opencxToken: current.opencxToken,
      opencxExtraTokens: current.opencxExtraTokens,
      opencxWebhookSecret: current.opencxWebhookSecret,
    }));
    setErrors(NO_ERRORS);
    setOutcome({ kind: 'saved', message: strings.settingsReloaded });
  };

  /** The first control with an error in one translations editor, or its add button for an error on them all. */
  const translationsError = (found: FormErrors, editor: TranslationsOf, field: SettingsField): string | undefined => {
    const row = values[editor].find((candidate) => found[editor][candidate.key]);
    if (row)
      return translationControlId(
        translationsIds[editor],
        row.key,
        found[editor][row.key].language ? 'language' : 'note',
      );
    return found.fields[field] ? addTranslationId(translationsIds[editor]) : undefined;
  };

  /** In the page's order: a note's translations come right after the note. */
  const focusFirstError = (found: FormErrors): void => {
    const target = FOCUS_ORDER.flatMap((name) => {
      const note = CUSTOMER_NOTES.find((n) => n.note === name);
      return [
        found.fields[name] ? ids[name] : undefined,
        note && translationsError(found, note.editor, note.translations),
      ];
    }).find(Boolean);
    if (target) document.getElementById(target)?.focus();
  };

  const handleSubmit = async (event: React.FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (saving || reloading) return;
    // Not the admin's to type: the Functions would refuse it asking for a SID the form cannot take.
    if (!flexResources.workspaceSid) {
      setOutcome({ kind: 'failed', message: strings.settingsWorkspaceMissing });
      return;
    }
    const found = validate(values, settings);
    setErrors(found);
    setOutcome(undefined);
    if (hasErrors(found)) {
      focusFirstError(found);
      return;
    }

    setSaving(true);
    const result: SaveResult = await client
      // No workflows to choose from (the saved workspace is gone): a workflow saved there is not sent.
      .save(token, {
        ...saveInput(routing ? values : { ...values, workflowSid: '' }, flexResources, settings?.revision ?? null),
        ...(confirmed.length > 0 ? { confirmChange: confirmed } : {}),
      })
      .catch(() => ({ ok: false, error: { code: 'network_error', message: strings.functionsUnreachableWrite } }));
    if (!mounted.current) return;
    setSaving(false);
    const refusedChange =
      !result.ok && result.error.code === 'change_not_confirmed'
        ? LIVE_CHANGE_OF_FIELD[result.error.field ?? '']
        : undefined;
    setUnconfirmed(refusedChange);
    // Confirmations hold until a save ends otherwise: one save may ask for two, one after the other.
    if (!refusedChange) setConfirmed([]);

    if (result.ok) {
      show(result.settings);
      setValues(formFrom(result.settings)); // clears every secret: what was typed is not kept, nor shown back
      setOutcome({
        kind: savedWithProblems(result) ? 'warning' : 'saved',
        message: savedMessage(result),
      });
      setCheckRequest((n) => n + 1);
      // The workflow in use after the save: its answer does not say, the settings' load does.
      void readAgain().then((loaded) => loaded?.ok && setRouting(loaded.routing));
      return;
    }
    const { field, message } = result.error;
    if (result.error.code === 'change_not_confirmed') {
      setOutcome({ kind: 'failed', message: format(strings.settingsSaveFailed, { message }) });
      return;
    }
    if (result.error.code === 'settings_changed') {
      setOutcome({ kind: 'stale', message: strings.settingsChangedSinceLoaded });
      return;
    }
    if (leftUnfinished(result.error)) {
      // What it wrote, if anything, shows in the check (and in the settings once read again).
      setOutcome({ kind: 'failed', message: format(strings.settingsSaveUnfinished, { message }) });
      setCheckRequest((n) => n + 1);
      // Landed, it changed the settings' revision: the form takes it, or the next save is refused as stale.
      noteSetupWrite();
      void refresh('unfinished');
      return;
    }
    const onForm = field !== undefined && isFormField(field);
    if (onForm) {
      const serverErrors: FormErrors = { ...NO_ERRORS, fields: { [field]: message } };
      setErrors(serverErrors);
      focusFirstError(serverErrors);
    }
    // Flex's workspace and service, or a workflow with no list to choose from, show the error but take no
    // focus and no edit: the alert says it itself.
    const editable = onForm && (field !== 'workflowSid' || routing !== null) && isEditable(field);
    setOutcome({
      kind: 'failed',
      message: editable ? strings.settingsSaveFailedField : format(strings.settingsSaveFailed, { message }),
    });
  };

  const change =
    (field: TextField) => (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => {
      const { value } = event.target;
      setValues((current) => ({ ...current, [field]: value }));
    };

  const changeTranslations =
    (editor: TranslationsOf) =>
    (rows: TranslationRow[]): void => {
      setValues((current) => ({ ...current, [editor]: rows }));
      // A removed row takes its errors with it.
      setErrors((current) => ({
        ...current,
        [editor]: Object.fromEntries(
          Object.entries(current[editor]).filter(([key]) => rows.some((row) => String(row.key) === key)),
        ),
      }));
    };

  const { fields: fieldErrors } = errors;

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
        {notice}

        {loading ? (
          <Box display="flex" alignItems="center" columnGap="space30" role="status">
            <Spinner decorative />
            <Text as="span">{strings.settingsLoading}</Text>
          </Box>
        ) : loadError ? (
          // No form: saved over settings it could not read, it would put the defaults in their place.
          <Stack orientation="vertical" spacing="space60">
            <Alert variant="error">
              <Text as="span">{format(strings.settingsLoadFailed, { message: loadError })}</Text>
            </Alert>
            <Box>
              <Button variant="secondary" onClick={loadAgain}>
                {strings.settingsLoadRetry}
              </Button>
            </Box>
          </Stack>
        ) : (
          <form onSubmit={handleSubmit} noValidate>
            <Stack orientation="vertical" spacing="space80">
              <SecretField
                id={ids.opencxToken}
                name="opencxToken"
                label={strings.settingsTokenLabel}
                required={!settings?.opencxTokenMasked}
                help={
                  settings?.opencxTokenMasked
                    ? format(strings.settingsTokenHelpSaved, { masked: settings.opencxTokenMasked })
                    : strings.settingsTokenHelpNew
                }
                error={fieldErrors.opencxToken}
                value={values.opencxToken}
                placeholder={settings?.opencxTokenMasked ?? ''}
                disabled={saving}
                onChange={change('opencxToken')}
              />

              <ExtraKeysField
                id={ids.opencxExtraTokens}
                saved={settings?.opencxExtraTokens ?? []}
                kept={values.keptExtraTokens ?? []}
                value={values.opencxExtraTokens}
                error={fieldErrors.opencxExtraTokens}
                disabled={saving}
                onChange={(opencxExtraTokens) => setValues((current) => ({ ...current, opencxExtraTokens }))}
                onRemove={(id) =>
                  setValues((current) => ({
                    ...current,
                    keptExtraTokens: current.keptExtraTokens?.filter((kept) => kept !== id),
                  }))
                }
              />

              <CodeField
                id={ids.aiQueueSid}
                name="aiQueueSid"
                label={strings.settingsQueueLabel}
                help={strings.settingsQueueHelp}
                error={fieldErrors.aiQueueSid}
                placeholder="WQ…"
                value={values.aiQueueSid}
                disabled={saving}
                onChange={change('aiQueueSid')}
              />

              <FormField
                id={ids.aiAuthorName}
                label={strings.settingsAuthorLabel}
                help={strings.settingsAuthorHelp}
                error={fieldErrors.aiAuthorName}
              >
                {(described) => (
                  <Input
                    id={ids.aiAuthorName}
                    name="aiAuthorName"
                    type="text"
                    placeholder={DEFAULT_AI_AUTHOR_NAME}
                    value={values.aiAuthorName}
                    hasError={Boolean(fieldErrors.aiAuthorName)}
                    aria-describedby={described}
                    disabled={saving}
                    onChange={change('aiAuthorName')}
                  />
                )}
              </FormField>

              <PeakField
                id={ids.aiPeakConversations}
                value={values.aiPeakConversations}
                error={fieldErrors.aiPeakConversations}
                disabled={saving}
                onChange={change('aiPeakConversations')}
              />

              <FlexResource
                label={strings.settingsWorkspaceLabel}
                sid={flexResources.workspaceSid}
                error={fieldErrors.workspaceSid}
              />
              <FlexResource
                label={strings.settingsConversationsServiceLabel}
                sid={flexResources.conversationsServiceSid}
                error={fieldErrors.conversationsServiceSid}
              />
              <WorkflowField
                id={ids.workflowSid}
                routing={routing}
                saved={settings?.workflowSid ?? null}
                value={values.workflowSid}
                error={fieldErrors.workflowSid}
                disabled={saving}
                onChange={change('workflowSid')}
              />

              <SectionHeading>{strings.settingsWebhookHeading}</SectionHeading>
              <SecretField
                id={ids.opencxWebhookSecret}
                name="opencxWebhookSecret"
                label={strings.settingsWebhookSecretLabel}
                help={
                  settings?.opencxWebhookSecretSet
                    ? strings.settingsWebhookSecretHelpSaved
                    : strings.settingsWebhookSecretHelpNew
                }
                error={fieldErrors.opencxWebhookSecret}
                value={values.opencxWebhookSecret}
                placeholder={settings?.opencxWebhookSecretSet ? strings.settingsWebhookSecretSavedPlaceholder : ''}
                disabled={saving}
                onChange={change('opencxWebhookSecret')}
              />
              <WebhookUrlField url={settings?.opencxWebhookUrl ?? null} />

              <SectionHeading>{strings.settingsHandoffHeading}</SectionHeading>
              <NumberField
                id={ids.aiAnswerTimeoutSeconds}
                name="aiAnswerTimeoutSeconds"
                label={strings.settingsAnswerTimeoutLabel}
                help={strings.settingsAnswerTimeoutHelp}
                unit={strings.settingsAnswerTimeoutUnit}
                value={values.aiAnswerTimeoutSeconds}
                error={fieldErrors.aiAnswerTimeoutSeconds}
                disabled={saving}
                onChange={change('aiAnswerTimeoutSeconds')}
              />
              <NumberField
                id={ids.aiIdleCloseMinutes}
                name="aiIdleCloseMinutes"
                label={strings.settingsIdleCloseLabel}
                help={strings.settingsIdleCloseHelp}
                unit={strings.settingsIdleCloseUnit}
                value={values.aiIdleCloseMinutes}
                error={fieldErrors.aiIdleCloseMinutes}
                disabled={saving}
                onChange={change('aiIdleCloseMinutes')}
              />
              {/* Editable whatever the minutes say: a note set before the close is turned on is kept. */}
              <CustomerNoteField
                moment="idleClose"
                id={ids.customerIdleCloseNote}
                value={values.customerIdleCloseNote}
                error={fieldErrors.customerIdleCloseNote}
                disabled={saving}
                onChange={change('customerIdleCloseNote')}
              />
              {CUSTOMER_NOTES.map(({ moment, note, editor, translations }) => (
                <React.Fragment key={moment}>
                  <CustomerNoteField
                    moment={moment}
                    id={ids[note]}
                    value={values[note]}
                    error={fieldErrors[note]}
                    disabled={saving}
                    onChange={change(note)}
                  />
                  <TranslationsEditor
                    id={translationsIds[editor]}
                    moment={moment}
                    rows={values[editor]}
                    errors={errors[editor]}
                    error={fieldErrors[translations]}
                    disabled={saving}
                    onChange={changeTranslations(editor)}
                  />
                </React.Fragment>
              ))}

              {/* One child of the Stack, so the status region below stays mounted as the alert comes and goes. */}
              <Box>
                {outcome?.kind === 'stale' || outcome?.kind === 'unrefreshed' ? (
                  <Alert variant="error">
                    <Stack orientation="vertical" spacing="space30">
                      <Text as="span">{outcome.message}</Text>
                      <Box>
                        <Button
                          ref={reloadButton}
                          variant="secondary"
                          size="small"
                          loading={reloading}
                          onClick={() => void (outcome.kind === 'stale' ? reload() : refresh())}
                        >
                          {outcome.kind === 'stale' ? strings.settingsReload : strings.settingsRefreshAgain}
                        </Button>
                      </Box>
                    </Stack>
                  </Alert>
                ) : null}
                {/* Always mounted, so the outcome after a reload is announced. */}
                <OutcomeAlert
                  outcome={outcome?.kind === 'stale' || outcome?.kind === 'unrefreshed' ? undefined : outcome}
                />
              </Box>

              <Box>
                {unconfirmed && outcome?.kind === 'failed' ? (
                  <ConsentCheckbox
                    name="confirmChange"
                    checked={confirmed.includes(unconfirmed)}
                    onChange={(checked) =>
                      setConfirmed((current) => [
                        ...current.filter((change) => change !== unconfirmed),
                        ...(checked ? [unconfirmed] : []),
                      ])
                    }
                    label={strings.settingsConfirmChange}
                    help={strings.settingsConfirmChangeHelp}
                  />
                ) : null}
              </Box>

              <Box display="flex" alignItems="center" columnGap="space40">
                {/* Not while the settings are read again, nor before a stale form is: its revision is refused. */}
                <Button
                  ref={saveButton}
                  type="submit"
                  variant="primary"
                  loading={saving}
                  disabled={reloading || outcome?.kind === 'stale'}
                >
                  {strings.settingsSave}
                </Button>
                {/* Always there, so that "Saving…" is announced when it comes. */}
                <Box as="span" role="status">
                  {saving ? (
                    <Text as="span" color="colorTextWeak">
                      {strings.settingsSaving}
                    </Text>
                  ) : null}
                </Box>
              </Box>
            </Stack>
          </form>
        )}
        {loading || loadError ? null : (
          <SetupSection
            client={client}
            token={token}
            checkRequest={checkRequest}
            visit={visit}
            onSettingsChanging={noteSetupStart}
            onSettingsUnchanged={noteSetupRefused}
            onSettingsChanged={() => {
              noteSetupWrite();
              void refresh();
            }}
          />
        )}
      </Box>
    </Box>
  );
}
