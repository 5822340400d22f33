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
  return (
    <Box as="section" aria-labelledby={titleId}>
      <Heading as="h3" variant="heading60" id={titleId}>
        {strings.historyTitle}
      </Heading>
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
  );
}
