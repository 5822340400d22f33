import React from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Text } from '@twilio-paste/core/text';

import { type FunctionsEndpoint, FUNCTIONS_URL_SETTINGS } from '../config';
import { format, strings } from '../strings';

/** Where the settings view found the OpenCX Functions, or what the admin sets when it found none. */
export function FunctionsEndpointNotice({ endpoint }: { endpoint: FunctionsEndpoint }): JSX.Element {
  if (endpoint.kind === 'missing') {
    return (
      <Alert variant="error">
        <Text as="span">{format(strings.settingsFunctionsUrlMissing, FUNCTIONS_URL_SETTINGS)}</Text>
      </Alert>
    );
  }
  const source = format(
    endpoint.source === 'build' ? strings.settingsFunctionsFromBuild : strings.settingsFunctionsFromConfig,
    FUNCTIONS_URL_SETTINGS,
  );
  return (
    <Text as="p" color="colorTextWeak" fontSize="fontSize20" marginBottom="space70">
      {format(strings.settingsFunctionsFound, { url: endpoint.url, source })}
    </Text>
  );
}
