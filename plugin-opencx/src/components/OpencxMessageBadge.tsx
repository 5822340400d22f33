import React from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { ScreenReaderOnly } from '@twilio-paste/core/screen-reader-only';

import type { OpencxMessageRole } from '../domain/messages';
import { strings } from '../strings';

const TEXT: Record<OpencxMessageRole, [badge: string, label: string]> = {
  ai: [strings.aiMessageBadge, strings.aiMessageBadgeLabel],
  'handoff-note': [strings.handoffNoteBadge, strings.handoffNoteBadgeLabel],
  'handback-note': [strings.handbackNoteBadge, strings.handbackNoteBadgeLabel],
  'idle-close-note': [strings.idleCloseNoteBadge, strings.idleCloseNoteBadgeLabel],
};

/** "AI" on the AI's replies; the notes the customer got when the conversation changed hands say which. */
export function OpencxMessageBadge({ role }: { role: OpencxMessageRole }): JSX.Element {
  const [badge, label] = TEXT[role];
  return (
    <Badge as="span" variant={role === 'ai' ? 'new' : 'info'}>
      <Box as="span" aria-hidden="true">
        {badge}
      </Box>
      <ScreenReaderOnly>{label}</ScreenReaderOnly>
    </Badge>
  );
}
