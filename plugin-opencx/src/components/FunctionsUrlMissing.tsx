import React from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';

import { strings } from '../strings';

/** What a view that calls the Functions shows when the build was given no Functions URL. */
export function FunctionsUrlMissing(): JSX.Element {
  return (
    <Box padding="space80">
      <Alert variant="error">
        <Text as="span">{strings.settingsFunctionsUrlMissing}</Text>
      </Alert>
    </Box>
  );
}
