// The notes the customer sees when the conversation changes hands (at a handoff, and when the AI
// takes over again after a handback), each with its translations, and the one before a silent chat is closed.
import React, { useEffect, useRef } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { HelpText } from '@twilio-paste/core/help-text';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { TextArea } from '@twilio-paste/core/textarea';
import { PlusIcon } from '@twilio-paste/icons/esm/PlusIcon';

import {
  characterCount,
  type FormErrors,
  HANDOFF_NOTE_MAX_CHARACTERS,
  IDLE_CLOSE_NOTE_MAX_CHARACTERS,
  nextRowKey,
  type TranslationRow,
} from '../domain/settingsForm';
import { format, strings } from '../strings';
import { CodeField, FormField } from './SettingsFields';
import { singleClick } from './singleClick';

/** The DOM id of a translation row's control, so the view can focus the first error. */
export const translationControlId = (editorId: string, key: number, part: 'language' | 'note'): string =>
  `${editorId}-${key}-${part}`;
export const addTranslationId = (editorId: string): string => `${editorId}-add`;

interface NoteFieldProps {
  id: string;
  name?: string;
  label: string;
  help?: string;
  value: string;
  error?: string;
  disabled?: boolean;
  /** The most characters the note may have; the handoff note's by default. */
  max?: number;
  onChange: React.ChangeEventHandler<HTMLTextAreaElement>;
}

/** A message for the customer, with its length against the limit. */
function NoteField({
  id,
  name,
  label,
  help,
  value,
  error,
  disabled,
  max = HANDOFF_NOTE_MAX_CHARACTERS,
  onChange,
}: NoteFieldProps): JSX.Element {
  return (
    <FormField
      id={id}
      label={label}
      help={help}
      counter={format(strings.settingsNoteCount, { count: characterCount(value), max })}
      error={error}
    >
      {(described) => (
        <TextArea
          id={id}
          name={name}
          resize="vertical"
          value={value}
          hasError={Boolean(error)}
          aria-describedby={described}
          disabled={disabled}
          onChange={onChange}
        />
      )}
    </FormField>
  );
}

/** When the customer reads the note: at a handoff, or when the AI resumes after a handback. */
export type NoteMoment = 'handoff' | 'handback';

/** Each note's field name and texts; the handback's name itself in what assistive technology reads. */
const TEXTS = {
  handoff: {
    name: 'customerHandoffNote',
    label: strings.settingsNoteLabel,
    help: strings.settingsNoteHelp,
    translations: strings.settingsTranslationsLabel,
    translation: strings.settingsTranslationLabel,
    add: undefined,
    remove: strings.settingsTranslationRemoveLabel,
    noteEmpty: strings.settingsTranslationNoteEmpty,
  },
  handback: {
    name: 'customerHandbackNote',
    label: strings.settingsHandbackNoteLabel,
    help: strings.settingsHandbackNoteHelp,
    translations: strings.settingsHandbackTranslationsLabel,
    translation: strings.settingsHandbackTranslationLabel,
    add: strings.settingsHandbackTranslationAddLabel,
    remove: strings.settingsHandbackTranslationRemoveLabel,
    noteEmpty: strings.settingsHandbackTranslationNoteEmpty,
  },
} as const;

/** The note for a closed silent chat: one for every language, so no translations. */
const IDLE_CLOSE = {
  name: 'customerIdleCloseNote',
  label: strings.settingsIdleCloseNoteLabel,
  help: strings.settingsIdleCloseNoteHelp,
  max: IDLE_CLOSE_NOTE_MAX_CHARACTERS,
} as const;

export function CustomerNoteField({
  moment,
  ...props
}: Pick<NoteFieldProps, 'id' | 'value' | 'error' | 'disabled' | 'onChange'> & {
  moment: NoteMoment | 'idleClose';
}): JSX.Element {
  if (moment === 'idleClose') return <NoteField {...props} {...IDLE_CLOSE} />;
  const texts = TEXTS[moment];
  return <NoteField {...props} name={texts.name} label={texts.label} help={texts.help} />;
}

export interface TranslationsEditorProps {
  id: string;
  moment: NoteMoment;
  rows: TranslationRow[];
  errors: FormErrors['translations'];
  /** The server's error about the translations as a whole. */
  error?: string;
  disabled?: boolean;
  onChange: (rows: TranslationRow[]) => void;
}

export function TranslationsEditor({
  id,
  moment,
  rows,
  errors,
  error,
  disabled,
  onChange,
}: TranslationsEditorProps): JSX.Element {
  const texts = TEXTS[moment];
  const labelId = `${id}-label`;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  // After adding a row its language field gets the focus; after removing one, the add button.
  const focusNext = useRef<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a row is added or removed, to move the focus
  useEffect(() => {
    if (focusNext.current) document.getElementById(focusNext.current)?.focus();
    focusNext.current = undefined;
  }, [rows.length]);

  const add = (): void => {
    const key = nextRowKey(rows);
    focusNext.current = translationControlId(id, key, 'language');
    onChange([...rows, { key, language: '', note: '' }]);
  };
  const remove = (key: number): void => {
    focusNext.current = addTranslationId(id);
    onChange(rows.filter((row) => row.key !== key));
  };
  const edit = (key: number, part: 'language' | 'note', value: string): void =>
    onChange(rows.map((row) => (row.key === key ? { ...row, [part]: value } : row)));

  return (
    <Box role="group" aria-labelledby={labelId} aria-describedby={error ? `${errorId} ${helpId}` : helpId}>
      <Text as="p" id={labelId} margin="space0" fontWeight="fontWeightSemibold">
        {texts.translations}
      </Text>
      <HelpText id={helpId}>{strings.settingsTranslationsHelp}</HelpText>
      {error ? (
        <HelpText id={errorId} variant="error">
          {error}
        </HelpText>
      ) : null}
      <Box marginTop="space40">
        <Stack orientation="vertical" spacing="space40">
          {rows.map((row, index) => {
            const number = index + 1;
            const rowErrors = errors[row.key] ?? {};
            return (
              <Box
                key={row.key}
                role="group"
                aria-label={format(texts.translation, { number })}
                display="flex"
                columnGap="space40"
                alignItems="flex-start"
              >
                <Box width="size20" flexShrink={0}>
                  <CodeField
                    id={translationControlId(id, row.key, 'language')}
                    label={strings.settingsTranslationLanguageLabel}
                    error={rowErrors.language}
                    placeholder="es-MX"
                    value={row.language}
                    disabled={disabled}
                    onChange={(event) => edit(row.key, 'language', event.target.value)}
                  />
                </Box>
                <Box flexGrow={1}>
                  <NoteField
                    id={translationControlId(id, row.key, 'note')}
                    label={strings.settingsTranslationNoteLabel}
                    help={
                      row.language.trim() && !row.note.trim()
                        ? format(texts.noteEmpty, { language: row.language.trim() })
                        : undefined
                    }
                    value={row.note}
                    error={rowErrors.note}
                    disabled={disabled}
                    onChange={(event) => edit(row.key, 'note', event.target.value)}
                  />
                </Box>
                <Box paddingTop="space70" flexShrink={0}>
                  <Button
                    variant="secondary"
                    size="small"
                    aria-label={format(texts.remove, { number })}
                    disabled={disabled}
                    onClick={singleClick(() => remove(row.key))}
                  >
                    {strings.settingsTranslationRemove}
                  </Button>
                </Box>
              </Box>
            );
          })}
          <Box>
            <Button
              id={addTranslationId(id)}
              variant="secondary"
              size="small"
              aria-label={texts.add}
              disabled={disabled}
              onClick={add}
            >
              <PlusIcon decorative />
              {strings.settingsTranslationAdd}
            </Button>
          </Box>
        </Stack>
      </Box>
    </Box>
  );
}
