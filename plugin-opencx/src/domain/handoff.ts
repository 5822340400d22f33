// Reading the handoff attributes the bridge writes onto a task (functions/bridge/handoff.ts).
// Task attributes are customer data: every field is checked, nothing is trusted to be present.

export type Sentiment = 'positive' | 'neutral' | 'negative';

export interface Handoff {
  reason?: string;
  summary?: string;
  sentiment: Sentiment;
  /** BCP-47; absent when missing or `und` (undetermined). */
  language?: string;
  handedOffAt?: Date;
  opencxSessionId?: string;
  /** The verdict already given (the `opencxVerdict` attribute), `by` the worker who gave it. */
  verdict?: { needed: boolean; summaryRight: boolean; comment?: string; by?: string };
  /** The AI declined the task without handling it (`opencxDeclined`): no handoff of its own to judge. */
  declined?: true;
}

type Attributes = Record<string, unknown>;

/** The attributes as an object: Flex gives an object, a raw TaskRouter payload a JSON string. */
export function asAttributes(attributes: unknown): Attributes | undefined {
  let value = attributes;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Attributes) : undefined;
}

export function isHandedOff(attributes: unknown): boolean {
  return asAttributes(attributes)?.handedOff === true;
}

/** The task names a Conversations conversation (`CH…`); a call the AI declined names none. */
export function namesConversation(attributes: unknown): boolean {
  const conversationSid = asAttributes(attributes)?.conversationSid;
  return typeof conversationSid === 'string' && conversationSid.startsWith('CH');
}

/**
 * The AI declined the task before it ever held the conversation (a chat routed to it by another
 * route, say): no OpenCX session, nothing to hand back. A decline while humans held a conversation
 * the AI had handed off names that session.
 */
export function declinedUnheld(attributes: unknown): boolean {
  const a = asAttributes(attributes);
  return a?.opencxDeclined === true && typeof a.opencxSessionId !== 'string';
}

/**
 * The task is a Flex conversation the AI can be invited back into: its conversation and its Flex
 * interaction are named. A task the AI declined (a call) is handed off but has neither.
 */
export function isRoutableConversation(attributes: unknown): boolean {
  const a = asAttributes(attributes);
  return (
    namesConversation(a) && typeof a?.flexInteractionSid === 'string' && typeof a.flexInteractionChannelSid === 'string'
  );
}

/** Unknown, missing and OpenCX's own vocabulary (happy/angry) all map onto the three values. */
export function toSentiment(value: unknown): Sentiment {
  switch (typeof value === 'string' ? value.trim().toLowerCase() : '') {
    case 'positive':
    case 'happy':
      return 'positive';
    case 'negative':
    case 'angry':
      return 'negative';
    default:
      return 'neutral';
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

function toDate(value: unknown): Date | undefined {
  const iso = text(value);
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toLanguage(value: unknown): string | undefined {
  const tag = text(value);
  return tag && tag.toLowerCase() !== 'und' ? tag : undefined;
}

/** The handoff on a task, or undefined when the task was not handed off by the AI. */
export function readHandoff(attributes: unknown): Handoff | undefined {
  const a = asAttributes(attributes);
  if (a?.handedOff !== true) return undefined;
  return {
    reason: text(a.handoffReason),
    summary: text(a.handoffSummary),
    sentiment: toSentiment(a.handoffSentiment),
    language: toLanguage(a.handoffLanguage),
    handedOffAt: toDate(a.handoffTimestamp),
    opencxSessionId: text(a.opencxSessionId),
    ...readVerdict(a.opencxVerdict),
    ...(a.opencxDeclined === true ? { declined: true as const } : {}),
  };
}

function readVerdict(value: unknown): Pick<Handoff, 'verdict'> {
  const v = asAttributes(value);
  return v && typeof v.needed === 'boolean' && typeof v.summaryRight === 'boolean'
    ? {
        verdict: {
          needed: v.needed,
          summaryRight: v.summaryRight,
          ...(typeof v.comment === 'string' && v.comment ? { comment: v.comment } : {}),
          ...(typeof v.by === 'string' && v.by ? { by: v.by } : {}),
        },
      }
    : {};
}

/**
 * The verdict the worker gave on the task. Flex copies a transferred task's attributes onto the new
 * task, the first agent's verdict with them: theirs, not the next agent's.
 */
export function verdictBy(handoff: Handoff, workerSid: string | undefined): Handoff['verdict'] {
  const { verdict } = handoff;
  return verdict?.by && workerSid && verdict.by !== workerSid ? undefined : verdict;
}
