// The organisation's further OpenCX API keys: the saved ones only by their masked hints, each
// removable, and a write-only field to paste more. OpenCX's rate limit is per key.
import React from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { HelpText } from '@twilio-paste/core/help-text';
import { Text } from '@twilio-paste/core/text';

import type { SavedKey } from '../api/settingsClient';
import { format, strings } from '../strings';
import { SecretField } from './SettingsFields';

interface ExtraKeysFieldProps {
  /** The add field's id. */
  id: string;
  saved: readonly SavedKey[];
  /** Ids of the saved keys not removed yet. */
  kept: readonly string[];
  value: string;
  error?: string;
  disabled?: boolean;
  onChange: React.ChangeEventHandler<HTMLInputElement>;
  onRemove: (id: string) => void;
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
          {shown.map((key) => (
            <Box as="li" key={key.id} display="flex" alignItems="center" columnGap="space40" paddingY="space20">
              <Text as="span" fontFamily="fontFamilyCode">
                {key.masked}
              </Text>
              <Button
                variant="secondary"
                size="small"
                aria-label={format(strings.settingsExtraTokenRemoveLabel, { masked: key.masked })}
                disabled={disabled}
                onClick={() => onRemove(key.id)}
              >
                {strings.settingsExtraTokenRemove}
              </Button>
            </Box>
          ))}
        </Box>
      ) : null}
      <Box marginTop="space40">
        <SecretField
          id={id}
          name="opencxExtraTokens"
          label={strings.settingsExtraTokensAddLabel}
          error={error}
          value={value}
          placeholder=""
          disabled={disabled}
          onChange={onChange}
        />
      </Box>
    </Box>
  );
}
