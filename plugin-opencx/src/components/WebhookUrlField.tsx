// The URL the admin pastes into OpenCX's webhook settings, with a copy button.
import React, { useEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Input } from '@twilio-paste/core/input';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import { strings } from '../strings';
import { FormField } from './SettingsFields';

type CopyOutcome = 'copied' | 'unavailable';

/** False when the browser has no clipboard API here (plain http, an iframe without permission) or refuses. */
function copyToClipboard(text: string): Promise<boolean> {
  const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
  if (!clipboard?.writeText) return Promise.resolve(false);
  return clipboard.writeText(text).then(
    () => true,
    () => false,
  );
}

export function WebhookUrlField({ url }: { url: string | null }): JSX.Element {
  const id = useUID();
  const input = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  const [outcome, setOutcome] = useState<CopyOutcome>();

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const copy = async (text: string): Promise<void> => {
    const copied = await copyToClipboard(text);
    if (!mounted.current) return;
    setOutcome(copied ? 'copied' : 'unavailable');
    // Selected, the URL is one keystroke from the clipboard.
    if (!copied) input.current?.select();
  };

  return (
    <FormField id={id} label={strings.settingsWebhookUrlLabel} help={strings.settingsWebhookUrlHelp}>
      {(described) =>
        url ? (
          <>
            <Box display="flex" columnGap="space30">
              <Box flexGrow={1}>
                <Input
                  ref={input}
                  id={id}
                  name="opencxWebhookUrl"
                  type="text"
                  readOnly
                  value={url}
                  aria-describedby={described}
                  onFocus={(event) => event.target.select()}
                />
              </Box>
              <Button variant="secondary" aria-label={strings.settingsCopyLabel} onClick={() => void copy(url)}>
                {strings.settingsCopy}
              </Button>
            </Box>
            <Text
              as="p"
              role="status"
              margin="space0"
              color={outcome === 'unavailable' ? 'colorTextWarning' : 'colorTextSuccess'}
            >
              {outcome === 'copied'
                ? strings.settingsCopied
                : outcome === 'unavailable'
                  ? strings.settingsCopyUnavailable
                  : ''}
            </Text>
          </>
        ) : (
          <Text as="p" id={id} margin="space0" color="colorTextWeak">
            {strings.settingsWebhookUrlMissing}
          </Text>
        )
      }
    </FormField>
  );
}
