import React from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Callout } from '@twilio-paste/core/callout';
import { Text } from '@twilio-paste/core/text';

/** The result of an admin action: an error or warning alert, or a success callout announced as a status. */
export function OutcomeAlert({ outcome }: { outcome?: { kind: string; message: string } }): JSX.Element | null {
  if (!outcome) return null;
  if (outcome.kind === 'failed' || outcome.kind === 'warning') {
    return (
      <Alert variant={outcome.kind === 'failed' ? 'error' : 'warning'}>
        <Text as="span">{outcome.message}</Text>
      </Alert>
    );
  }
  return (
    <Box role="status">
      <Callout variant="success">
        <Text as="span">{outcome.message}</Text>
      </Callout>
    </Box>
  );
}
