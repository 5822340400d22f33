import React, { useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import { strings } from '../strings';

/** Summaries longer than this start collapsed. */
export const SUMMARY_PREVIEW_LENGTH = 280;

/** The first `SUMMARY_PREVIEW_LENGTH` characters, cut at a word boundary when one is near. */
export function summaryPreview(summary: string): string {
  const cut = summary.slice(0, SUMMARY_PREVIEW_LENGTH);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > SUMMARY_PREVIEW_LENGTH * 0.8 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

export function HandoffSummary({ summary }: { summary?: string }): JSX.Element {
  const [expanded, setExpanded] = useState(false);
  const id = useUID();

  if (!summary) {
    return (
      <Text as="p" margin="space0" color="colorTextWeak" fontStyle="italic">
        {strings.handoffSummaryMissing}
      </Text>
    );
  }

  const long = summary.length > SUMMARY_PREVIEW_LENGTH;
  return (
    <>
      {/* Expanded, the box scrolls rather than pushing the conversation out of the canvas. */}
      <Box
        id={id}
        maxHeight={long && expanded ? 'size20' : undefined}
        overflowY="auto"
        // A box that scrolls must be reachable by keyboard to be scrolled.
        {...(long && expanded ? { tabIndex: 0, role: 'region', 'aria-label': strings.handoffSummary } : {})}
      >
        <Text as="p" margin="space0" whiteSpace="pre-wrap" wordBreak="break-word">
          {long && !expanded ? summaryPreview(summary) : summary}
        </Text>
      </Box>
      {long ? (
        <Button
          variant="link"
          size="reset"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? strings.handoffShowLess : strings.handoffShowMore}
        </Button>
      ) : null}
    </>
  );
}
