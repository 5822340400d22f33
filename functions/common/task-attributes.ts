// Typed task attributes: what Flex puts on a conversation task and what the handoff adds.

export type HandoffSentiment = 'positive' | 'neutral' | 'negative';

export interface HandoffAttributes {
  handedOff: true;
  handoffReason: string;
  handoffSummary: string;
  handoffSentiment: HandoffSentiment;
  /** BCP-47 language tag. */
  handoffLanguage: string;
  /** ISO 8601. */
  handoffTimestamp: string;
  /** The OpenCX session, so agents can open it from Flex. */
  opencxSessionId?: string;
  /** The AI declined the task without handling it (`DECLINED_ATTRIBUTE`). */
  opencxDeclined?: true;
}

/** An agent's verdict on a handoff; it belongs to the task it was given on. */
export const VERDICT_ATTRIBUTE = 'opencxVerdict';
/**
 * `true` on a task the AI declined without ever handling it (misrouted, its conversation with an agent
 * or closed): its handoff attributes explain why, and there is no handoff of the AI's to judge.
 */
export const DECLINED_ATTRIBUTE = 'opencxDeclined' satisfies keyof HandoffAttributes;

export interface FlexTaskAttributes extends Partial<Omit<HandoffAttributes, 'handedOff'>> {
  /** False on the task a handback invites to the AI. */
  handedOff?: boolean;
  conversationSid?: string;
  flexInteractionSid?: string;
  flexInteractionChannelSid?: string;
  channelType?: string;
  name?: string;
  from?: string;
  [attribute: string]: unknown;
}

/**
 * A Conversations SID. A task's `conversationSid` is the agent's to edit (Flex lets a worker write its
 * task's attributes): anything else names no conversation, and must not reach a Twilio path.
 */
export const isConversationSid = (value: unknown): value is string =>
  typeof value === 'string' && /^CH[0-9a-f]{32}$/.test(value);

/** Parses a TaskAttributes JSON string; anything but a JSON object is refused. */
export function parseTaskAttributes(json: string | undefined): FlexTaskAttributes | undefined {
  if (json === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as FlexTaskAttributes) : undefined;
  } catch {
    return undefined;
  }
}
