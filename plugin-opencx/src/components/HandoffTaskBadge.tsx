import React from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { ScreenReaderOnly } from '@twilio-paste/core/screen-reader-only';

import { readHandoff } from '../domain/handoff';
import { format, strings } from '../strings';
import { SENTIMENT_STYLES } from './SentimentBadge';

/** The task list's compact marker: "AI handoff" in the customer's sentiment colour. */
export function HandoffTaskBadge({ attributes }: { attributes: unknown }): JSX.Element | null {
  const handoff = readHandoff(attributes);
  if (!handoff) return null;
  const { variant, Icon, label } = SENTIMENT_STYLES[handoff.sentiment];
  return (
    <Badge as="span" variant={variant}>
      <Icon decorative />
      <Box as="span" aria-hidden="true">
        {strings.taskListBadge}
      </Box>
      <ScreenReaderOnly>{format(strings.taskListBadgeLabel, { sentiment: label.toLowerCase() })}</ScreenReaderOnly>
    </Badge>
  );
}
