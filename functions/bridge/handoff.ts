// What a handoff writes: the task attributes and the note the human inherits.
import type { HandoffAttributes, HandoffSentiment } from '../common/task-attributes';

export const AI_UNAVAILABLE = 'AI unavailable';

/** OpenCX says angry/happy/neutral; Flex tasks say negative/positive/neutral. */
export function toHandoffSentiment(sentiment: string | undefined | null): HandoffSentiment {
  switch (sentiment?.toLowerCase()) {
    case 'angry':
    case 'negative':
      return 'negative';
    case 'happy':
    case 'positive':
      return 'positive';
    default:
      return 'neutral';
  }
}

/** A BCP-47 tag, or `und` (undetermined) when OpenCX gave nothing usable. */
export function toLanguageTag(language: string | undefined | null): string {
  const candidate = (language ?? '').trim().replace(/_/g, '-');
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(candidate) ? candidate : 'und';
}

export interface HandoffFacts {
  reason: string;
  summary?: string;
  sentiment?: string | null;
  language?: string | null;
  sessionId?: string;
  at: Date;
}

export function handoffAttributes(facts: HandoffFacts): HandoffAttributes {
  return {
    handedOff: true,
    handoffReason: facts.reason,
    handoffSummary: facts.summary?.trim() || '',
    handoffSentiment: toHandoffSentiment(facts.sentiment),
    handoffLanguage: toLanguageTag(facts.language),
    handoffTimestamp: facts.at.toISOString(),
    ...(facts.sessionId ? { opencxSessionId: facts.sessionId } : {}),
  };
}


/** The short note posted into the conversation for the agent who picks it up. */
export function handoffNote(attributes: HandoffAttributes): string {
  const lines = [`Handed off to a human agent. Reason: ${attributes.handoffReason}.`];
  if (attributes.handoffSummary) lines.push(`Summary: ${attributes.handoffSummary}`);
  lines.push(`Customer sentiment: ${attributes.handoffSentiment}.`);
  return lines.join('\n').slice(0, 1600);
}
