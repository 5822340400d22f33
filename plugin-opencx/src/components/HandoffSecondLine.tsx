import React from 'react';
import { Box } from '@twilio-paste/core/box';

import { HandoffTaskBadge } from './HandoffTaskBadge';

/** A task card's second line on a handed-off task: the "AI handoff" badge, then the usual line. */
export function HandoffSecondLine({
  attributes,
  children,
}: {
  attributes: unknown;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <Box display="inline-flex" alignItems="center" columnGap="space20" whiteSpace="nowrap">
      <HandoffTaskBadge attributes={attributes} />
      {children}
    </Box>
  );
}
