/**
 * OpenCX behaviours its docs leave open. Each is a switch so the bridge is tested under every
 * plausible reading.
 */
export const WEBHOOK_TIMINGS = ['after-response', 'before-response'] as const;
export type WebhookTiming = (typeof WEBHOOK_TIMINGS)[number];

/**
 * The payload of `conversation.ai_response`, which OpenCX has not published: the shape we decided on
 * (`data.message{id,content}`), `third_party_agent_response`'s (`data.response` + `data.message_id`),
 * or that one without an id (docs/opencx-api.md).
 */
export const AI_RESPONSE_SHAPES = ['message', 'response', 'response-without-id'] as const;
export type AiResponseShape = (typeof AI_RESPONSE_SHAPES)[number];

export interface OpenCxSwitches {
  /**
   * A `/send` whose client disconnects before the AI answer is ready is still processed: the answer
   * is recorded at its due time and its webhooks fire. When false the work is abandoned.
   */
  processesAfterDisconnect: boolean;
  /**
   * When an answer's webhooks fire relative to the HTTP answer of its `/send`. `before-response`
   * holds the HTTP answer until each webhook's first attempt has been answered.
   */
  webhookTiming: WebhookTiming;
  /** Every webhook is delivered twice, as two deliveries with their own ids, at the same time. */
  duplicateWebhooks: boolean;
  /** Webhook `data` is a one-element array, as one published version of OpenCX's payload types has it. */
  webhookDataAsArray: boolean;
  /** Waits (simulated ms) before each retry of a delivery answered non-2xx or not at all. */
  webhookRetryDelaysMs: number[];
  /** A delivery attempt not answered within this many simulated ms counts as failed. */
  webhookTimeoutMs: number;
  /** How `conversation.ai_response` carries the answer (AI_RESPONSE_SHAPES). */
  aiResponseShape: AiResponseShape;
  /**
   * A handoff's `/send` answer carries `resolveArgs` (the summary and sentiment). The contract makes
   * it optional: false leaves it out, and only the session (`handoff`) says them.
   */
  handoffResolveArgs: boolean;
}

export const DEFAULT_SWITCHES: OpenCxSwitches = {
  processesAfterDisconnect: true,
  webhookTiming: 'after-response',
  duplicateWebhooks: false,
  webhookDataAsArray: false,
  webhookRetryDelaysMs: [10_000, 30_000, 90_000],
  webhookTimeoutMs: 10_000,
  aiResponseShape: 'message',
  handoffResolveArgs: true,
};
