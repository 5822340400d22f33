// Turns an OpenCX webhook payload into a typed bridge event, or says exactly why it cannot.
// Payload shapes: docs/opencx-api.md ("Webhooks").
import { DEDUP_TTL_SECONDS } from './dedup';

export const AI_REQUESTED_HANDOFF = 'AI requested human handoff';

export type OpencxEvent =
  | {
      kind: 'ai-answer';
      type: string;
      sessionId: string;
      answerId?: string;
      text: string;
      /** When OpenCX says the AI answered (epoch ms, `data.timestamp`); absent when it does not say. */
      at?: number;
    }
  | {
      kind: 'ai-handoff';
      type: string;
      sessionId: string;
      reason: string;
      summary?: string;
      sentiment?: string;
      language?: string;
      /** When OpenCX handed off (epoch ms, `data.timestamp`); absent when it does not say. */
      at?: number;
    }
  | { kind: 'not-handled'; type: string };

export type OpencxClassification = { ok: true; event: OpencxEvent } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined);

/**
 * OpenCX's ids are UUIDs. They become Sync keys and URL path segments, so anything that is not a
 * plain token (a `/`, control characters, thousands of characters) is a malformed event, not a retry.
 */
export const isOpencxId = (id: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id);

/** OpenCX's handoff reasons, in words for the agent's panel. */
const HANDOFF_REASONS: Record<string, string> = {
  ai_decided_to_handoff_the_conversation: AI_REQUESTED_HANDOFF,
  ai_is_forbidden_from_handling_this_topic: 'Topic the AI may not handle',
  human_agent_decided_to_take_over: 'An agent took over in OpenCX',
  ai_decided_to_handoff_because_the_user_left: 'The customer left the AI conversation',
};

export function handoffReasonText(reason: unknown): string {
  // Own keys only: `constructor` or `__proto__` would give an object's inherited member, not text.
  return (
    (typeof reason === 'string' && Object.hasOwn(HANDOFF_REASONS, reason) && HANDOFF_REASONS[reason]) ||
    AI_REQUESTED_HANDOFF
  );
}

/** The events a payload carries: one, or one per element when `data` is a list. */
export function classifyOpencxEvents(body: unknown): OpencxClassification[] {
  if (!isObject(body)) return [{ ok: false, reason: 'payload is not a JSON object' }];
  const type = text(body.event);
  if (!type) return [{ ok: false, reason: 'payload has no event type' }];
  if (type !== 'conversation.ai_response' && type !== 'conversation.handoff_to_human')
    return [{ ok: true, event: { kind: 'not-handled', type } }];
  // One published version types `data` as a list (of one, in every example).
  const items = Array.isArray(body.data) ? body.data : [body.data];
  if (items.length === 0) return [{ ok: false, reason: `${type} with an empty data list` }];
  return items.map((data) => classifyData(type, data));
}

function classifyData(type: string, data: unknown): OpencxClassification {
  if (!isObject(data)) return { ok: false, reason: `${type} without a data object` };
  const sessionId = text(data.conversation_id);
  if (!sessionId) return { ok: false, reason: `${type} without data.conversation_id` };
  if (!isOpencxId(sessionId))
    return { ok: false, reason: `${type} whose data.conversation_id is not an OpenCX session id` };

  const at = typeof data.timestamp === 'string' ? Date.parse(data.timestamp) : Number.NaN;
  if (type === 'conversation.handoff_to_human') {
    return {
      ok: true,
      event: {
        kind: 'ai-handoff',
        type,
        sessionId,
        reason: handoffReasonText(data.reason),
        summary: text(data.summary),
        sentiment: text(data.user_sentiment),
        language: text(data.language),
        ...(Number.isFinite(at) && { at }),
      },
    };
  }
  const message = isObject(data.message) ? data.message : {};
  const answer =
    text(message.content) ?? text(message.text) ?? text(data.response) ?? text(data.content) ?? text(data.message);
  if (!answer) return { ok: false, reason: `${type} for ${sessionId} carries no answer text` };
  const id = message.id ?? data.message_id;
  // Only a key: an id of another form (see answerKey) still names the answer, which is never dropped for it.
  const answerId = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  return {
    ok: true,
    event: { kind: 'ai-answer', type, sessionId, answerId, text: answer, ...(Number.isFinite(at) && { at }) },
  };
}

/**
 * An answer's claim lasts `DEDUP_TTL_SECONDS`: a delivery of an older answer (OpenCX retrying for
 * an hour, a replay from its dashboard) may find the claim gone, so it looks for the answer in the
 * conversation before posting. Ten minutes short of the claim's life, for clocks that disagree.
 */
export const LATE_ANSWER_MS = (DEDUP_TTL_SECONDS - 600) * 1000;

export function isLateAnswer(event: OpencxEvent, now: number): boolean {
  return event.kind === 'ai-answer' && event.at !== undefined && now - event.at > LATE_ANSWER_MS;
}
