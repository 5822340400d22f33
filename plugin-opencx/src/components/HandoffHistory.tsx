import React from 'react';
import { Badge } from '@twilio-paste/core/badge';
import { Box } from '@twilio-paste/core/box';
import { Heading } from '@twilio-paste/core/heading';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type { HistoryEntry } from '../domain/history';
import { absoluteTime, relativeTime } from '../domain/time';
import { format, strings } from '../strings';
import { useNow } from './useNow';

/** A history longer than this scrolls in a box of its own, rather than pushing the chat out of the canvas. */
export const HISTORY_SHOWN_WHOLE = 4;

export interface HandoffHistoryProps {
  /** Oldest first. */
  entries: HistoryEntry[];
  now?: Date;
  locale?: string;
}

/** AI → agent → AI → …: who held the conversation from when, and why it changed hands. */
export function HandoffHistory({ entries, now, locale }: HandoffHistoryProps): JSX.Element | null {
  const titleId = useUID();
  const currentTime = useNow(now);
  if (entries.length === 0) return null;
  const long = entries.length > HISTORY_SHOWN_WHOLE;
  return (
    <Box as="section" aria-labelledby={titleId}>
      <Heading as="h3" variant="heading60" id={titleId}>
        {strings.historyTitle}
      </Heading>
      <Box
        maxHeight={long ? 'size20' : undefined}
        overflowY={long ? 'auto' : undefined}
        // A box that scrolls must be reachable by keyboard to be scrolled.
        {...(long ? { tabIndex: 0, role: 'group', 'aria-label': strings.historyTitle } : {})}
      >
        <Box
          as="ol"
          margin="space0"
          padding="space0"
          listStyleType="none"
          display="flex"
          flexDirection="column"
          rowGap="space30"
        >
          {entries.map((entry) => (
            <Box
              as="li"
              key={`${entry.holder}-${entry.since.toISOString()}`}
              display="flex"
              columnGap="space30"
              alignItems="flex-start"
            >
              <Badge as="span" variant={entry.holder === 'ai' ? 'decorative30' : 'decorative10'}>
                {entry.holder === 'ai' ? strings.historyAi : strings.historyHuman}
              </Badge>
              <Box>
                <Text as="time" dateTime={entry.since.toISOString()} fontWeight="fontWeightSemibold">
                  {relativeTime(entry.since, currentTime, locale)}
                </Text>{' '}
                <Text as="span" color="colorTextWeak">
                  ({absoluteTime(entry.since, locale)})
                </Text>
                {entry.by ? (
                  <Text as="p">{format(strings.historyHandedBackBy, { agent: entry.by })}</Text>
                ) : entry.reason ? (
                  <Text as="p">{entry.reason}</Text>
                ) : null}
                {entry.instruction ? (
                  <Text as="p" color="colorTextWeak" wordBreak="break-word">
                    {format(strings.historyInstruction, { instruction: entry.instruction })}
                  </Text>
                ) : null}
              </Box>
            </Box>
          ))}
        </Box>
      </Box>
    </Box>
  );
}
