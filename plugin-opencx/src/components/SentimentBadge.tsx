import React from 'react';
import { Badge, type BadgeProps } from '@twilio-paste/core/badge';
import { NeutralIcon } from '@twilio-paste/icons/esm/NeutralIcon';
import { ThumbsDownIcon } from '@twilio-paste/icons/esm/ThumbsDownIcon';
import { ThumbsUpIcon } from '@twilio-paste/icons/esm/ThumbsUpIcon';

import type { Sentiment } from '../domain/handoff';
import { strings } from '../strings';

interface SentimentStyle {
  variant: BadgeProps['variant'];
  Icon: typeof NeutralIcon;
  label: string;
}

/** Colour, icon and word together, so the cue never rests on colour alone. */
export const SENTIMENT_STYLES: Readonly<Record<Sentiment, SentimentStyle>> = {
  positive: { variant: 'success', Icon: ThumbsUpIcon, label: strings.sentimentPositive },
  neutral: { variant: 'neutral', Icon: NeutralIcon, label: strings.sentimentNeutral },
  negative: { variant: 'error', Icon: ThumbsDownIcon, label: strings.sentimentNegative },
};

export function SentimentBadge({ sentiment }: { sentiment: Sentiment }): JSX.Element {
  const { variant, Icon, label } = SENTIMENT_STYLES[sentiment];
  return (
    <Badge as="span" variant={variant}>
      <Icon decorative />
      {label}
    </Badge>
  );
}
