import React from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { ScreenReaderOnly } from '@twilio-paste/core/screen-reader-only';

import type { OpencxMessageRole } from '../domain/messages';
import { strings } from '../strings';

/** "AI" on the AI's replies, "Handoff note" on the message the customer got at the handoff. */
export function OpencxMessageBadge({ role }: { role: OpencxMessageRole }): JSX.Element {
  return role === 'ai' ? (
    <Badge as="span" variant="new">
      <span aria-hidden="true">{strings.aiMessageBadge}</span>
      <ScreenReaderOnly>{strings.aiMessageBadgeLabel}</ScreenReaderOnly>
    </Badge>
  ) : (
    <Badge as="span" variant="info">
      <span aria-hidden="true">{strings.handoffNoteBadge}</span>
      <ScreenReaderOnly>{strings.handoffNoteBadgeLabel}</ScreenReaderOnly>
    </Badge>
  );
}
