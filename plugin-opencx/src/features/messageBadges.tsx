import React from 'react';
import { Box } from '@twilio-paste/core/box';

import { OpencxMessageBadge } from '../components/OpencxMessageBadge';
import { type OpencxMessageRole, opencxMessageRole } from '../domain/messages';
import type { FeatureSetup } from './types';

/** What Flex passes MessageBubble's children: `message.source` is the Conversations message. */
interface MessageProps {
  message?: { source?: { attributes?: unknown; participantSid?: string | null } };
}

/**
 * The bridge posts by REST under no participant. A participant's message is never badged, whatever
 * its attributes: a web chat customer can set them, and must not pass for the AI.
 */
export const messageRole = (props: MessageProps): OpencxMessageRole | undefined =>
  props.message?.source?.participantSid ? undefined : opencxMessageRole(props.message?.source?.attributes);

function MessageBadge(props: MessageProps): JSX.Element | null {
  const role = messageRole(props);
  return role ? (
    <Box marginTop="space20">
      <OpencxMessageBadge role={role} />
    </Box>
  ) : null;
}

/** "AI", "Handoff note", "Handback note" or "Closing note" on the messages the bridge posts. */
export const setupOpencxMessageBadges: FeatureSetup = (flex) => {
  flex.MessageBubble.Content.add(<MessageBadge key="opencx-message-badge" />, {
    if: (props: MessageProps) => messageRole(props) !== undefined,
  });
};
