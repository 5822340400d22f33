import React from 'react';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Callout } from '@twilio-paste/core/callout';
import { Text } from '@twilio-paste/core/text';

/** The result of an admin action: an error or warning alert, or a success callout announced as a status. */
export function OutcomeAlert({ outcome }: { outcome?: { kind: string; message: string } }): JSX.Element {
  const problem = outcome?.kind === 'failed' || outcome?.kind === 'warning' ? outcome : undefined;
  const success = outcome && !problem ? outcome : undefined;
  return (
    <>
      {problem ? (
        <Alert variant={problem.kind === 'failed' ? 'error' : 'warning'}>
          <Text as="span">{problem.message}</Text>
        </Alert>
      ) : null}
      {/* Mounted before the outcome comes: a screen reader reads a live region's new content, not a new region. */}
      <Box role="status">
        {success ? (
          <Callout variant="success">
            <Text as="span">{success.message}</Text>
          </Callout>
        ) : null}
      </Box>
    </>
  );
}
