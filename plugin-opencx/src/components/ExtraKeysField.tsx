// The organisation's further OpenCX API keys: the saved ones only by their masked hints, each
// removable, and a write-only field to paste more. OpenCX's rate limit is per key.
import React, { useEffect, useRef } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { HelpText } from '@twilio-paste/core/help-text';
import { Text } from '@twilio-paste/core/text';

import type { SavedKey } from '../api/settingsClient';
import { format, strings } from '../strings';
import { SecretField } from './SettingsFields';
import { singleClick } from './singleClick';

interface ExtraKeysFieldProps {
  /** The add field's id. */
  id: string;
  saved: readonly SavedKey[];
  /** Ids of the saved keys not removed yet. */
  kept: readonly string[];
  value: string;
  error?: string;
  disabled?: boolean;
  /** What the add field holds now. */
  onChange: (value: string) => void;
  onRemove: (id: string) => void;
}

/**
 * Keys pasted one per line, as a list copied from elsewhere has them, joined with commas: a password
 * field drops line breaks, which would run the keys together into one that OpenCX refuses.
 */
function pasteKeys(event: React.ClipboardEvent<HTMLInputElement>, onChange: (value: string) => void): void {
  const pasted = event.clipboardData.getData('text');
  if (!/[\r\n]/.test(pasted)) return;
  event.preventDefault();
  const input = event.currentTarget;
  const keys = pasted
    .split(/[\r\n]+/)
    .map((key) => key.trim())
    .filter(Boolean)
    .join(', ');
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const after = input.value.slice(input.selectionEnd ?? input.value.length);
  // Kept apart from a key typed beside them, too.
  const lead = before.trim() && !/[,\s]$/.test(before) ? ', ' : '';
  const tail = after.trim() && !/^[,\s]/.test(after) ? ', ' : '';
  onChange(before + lead + keys + tail + after);
}

export function ExtraKeysField({
  id,
  saved,
  kept,
  value,
  error,
  disabled,
  onChange,
  onRemove,
}: ExtraKeysFieldProps): JSX.Element {
  const labelId = `${id}-group-label`;
  const helpId = `${id}-group-help`;
  const shown = saved.filter((key) => kept.includes(key.id));
  const removeButtons = useRef(new Map<string, HTMLButtonElement>());
  // The control the focus goes to once a removed key's row, and its focused button, are gone: the next
  // row's Remove, else the previous row's, else the add field (null).
  const focusAfterRemove = useRef<string | null>();
  useEffect(() => {
    const target = focusAfterRemove.current;
    if (target === undefined) return;
    focusAfterRemove.current = undefined;
    (target === null ? document.getElementById(id) : removeButtons.current.get(target))?.focus();
  });
  const remove = (index: number): void => {
    focusAfterRemove.current = (shown[index + 1] ?? shown[index - 1])?.id ?? null;
    onRemove(shown[index].id);
  };
  return (
    <Box role="group" aria-labelledby={labelId} aria-describedby={helpId}>
      <Text as="p" id={labelId} margin="space0" fontWeight="fontWeightSemibold">
        {strings.settingsExtraTokensLabel}
      </Text>
      <HelpText id={helpId}>{strings.settingsExtraTokensHelp}</HelpText>
      {shown.length > 0 ? (
        <Box
          as="ul"
          aria-label={strings.settingsExtraTokensSaved}
          margin="space0"
          marginTop="space40"
          padding="space0"
          listStyleType="none"
        >
          {shown.map((key, index) => (
            <Box as="li" key={key.id} display="flex" alignItems="center" columnGap="space40" paddingY="space20">
              <Text as="span" fontFamily="fontFamilyCode">
                {key.masked}
              </Text>
              <Button
                ref={(button: HTMLButtonElement | null) => {
                  if (button) removeButtons.current.set(key.id, button);
                  else removeButtons.current.delete(key.id);
                }}
                variant="secondary"
                size="small"
                aria-label={format(strings.settingsExtraTokenRemoveLabel, { masked: key.masked })}
                disabled={disabled}
                onClick={singleClick(() => remove(index))}
              >
                {strings.settingsExtraTokenRemove}
              </Button>
            </Box>
          ))}
        </Box>
      ) : null}
      {/* Mounted before a removal, so the note is announced. */}
      <Box role="status">
        {shown.length < saved.length ? <HelpText>{strings.settingsExtraTokensRemovedUntilSaved}</HelpText> : null}
      </Box>
      <Box marginTop="space40">
        <SecretField
          id={id}
          name="opencxExtraTokens"
          label={strings.settingsExtraTokensAddLabel}
          error={error}
          value={value}
          placeholder=""
          disabled={disabled}
          onChange={(event) => onChange(event.target.value)}
          onPaste={(event) => pasteKeys(event, onChange)}
        />
      </Box>
    </Box>
  );
}
