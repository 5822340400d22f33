/**
 * OpenCX's outgoing webhooks (OpenCX → the project's Function): signed deliveries of conversation
 * events, retried with backoff on the simulator's clock, with switches for duplicates and faults.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { OpenCxClock } from './clock';
import type { Sentiment } from './opencx-types';
import type { Progress } from './progress';
import type { AiResponseShape, OpenCxSwitches } from './switches';

export const AI_RESPONSE_EVENT = 'conversation.ai_response';
export const HANDOFF_EVENT = 'conversation.handoff_to_human';

export const SIGNATURE_HEADER = 'x-opencx-signature';
export const TIMESTAMP_HEADER = 'x-opencx-timestamp';
export const DELIVERY_HEADER = 'x-opencx-delivery';

export interface OpencxWebhookConfig {
  url: string;
  secret: string;
  /** Event types to deliver; all when omitted. */
  events?: string[];
}

export interface OpencxWebhookEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface OpencxWebhookEnvelope {
  event: string;
  organization_id: string;
  data: Record<string, unknown> | Record<string, unknown>[];
}

/** The one place that knows OpenCX's signing scheme: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>`. */
export function signOpencxWebhook(secret: string, rawBody: string, timestampSeconds: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;
}

export function aiResponseEvent(
  sessionId: string,
  message: { id: string; content: string },
  time: number,
): OpencxWebhookEvent {
  return {
    event: AI_RESPONSE_EVENT,
    data: {
      conversation_id: sessionId,
      message: { id: message.id, content: message.content, type: 'text' },
      timestamp: new Date(time).toISOString(),
    },
  };
}

/** An answer's data in the shape the switch names: ours, or `third_party_agent_response`'s with or without its id. */
function aiResponseShaped(data: Record<string, unknown>, shape: AiResponseShape): Record<string, unknown> {
  if (shape === 'message') return data;
  const { message, ...rest } = data as { message: { id: string; content: string } };
  return { ...rest, response: message.content, ...(shape === 'response' ? { message_id: message.id } : {}) };
}

export interface HandoffFacts {
  sessionId: string;
  contactId: string | null;
  summary: string;
  sentiment: Sentiment;
  language: string | null;
  messageCount: number;
}

export function handoffEvent(facts: HandoffFacts, time: number): OpencxWebhookEvent {
  return {
    event: HANDOFF_EVENT,
    data: {
      conversation_id: facts.sessionId,
      timestamp: new Date(time).toISOString(),
      customer_id: facts.contactId,
      reason: 'ai_decided_to_handoff_the_conversation',
      summary: facts.summary,
      user_sentiment: facts.sentiment,
      language: facts.language,
      message_count: facts.messageCount,
    },
  };
}

/** Breaks the signing of matching delivery attempts, for forged, unsigned and stale deliveries. */
export interface WebhookFault {
  /** Only deliveries of this event type; any when omitted. */
  event?: string;
  /** `forged`: signed with the wrong secret; `missing`: no signature header. */
  signature?: 'forged' | 'missing';
  /** Timestamp this many seconds in the past, correctly signed. */
  staleBySeconds?: number;
  /** How many attempts the fault applies to; forever when omitted. */
  times?: number;
}

export interface WebhookFaultControls {
  add(fault: WebhookFault): void;
  clear(): void;
}

class WebhookFaults implements WebhookFaultControls {
  private rules: { fault: WebhookFault; remaining: number }[] = [];

  add(fault: WebhookFault): void {
    this.rules.push({ fault, remaining: fault.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first live fault for this event, consuming one of its `times`. */
  take(event: string): WebhookFault | undefined {
    const active = this.rules.find((rule) => rule.remaining > 0 && (rule.fault.event ?? event) === event);
    if (!active) return undefined;
    active.remaining -= 1;
    return active.fault;
  }
}

export interface WebhookAttempt {
  /** Simulated time the attempt was sent (epoch ms). */
  time: number;
  headers: Record<string, string>;
  /** The receiver's HTTP status; null when it did not answer (network error, timeout). */
  status: number | null;
  /** The receiver's answer, when it gave one. */
  responseBody?: string;
  responseHeaders?: Record<string, string>;
  error?: string;
}

export interface WebhookDelivery {
  /** Sent as X-OpenCX-Delivery; the same on every attempt of this delivery. */
  id: string;
  event: string;
  body: OpencxWebhookEnvelope;
  rawBody: string;
  url: string;
  /** `delivered` after a 2xx, `failed` once the retries are used up. */
  status: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
  /** Simulated time of the scheduled retry, while one is scheduled. */
  nextAttemptAt?: number;
}

interface WebhookSenderDeps {
  clock: OpenCxClock;
  signingTime: () => number;
  progress: Progress;
  switches: OpenCxSwitches;
  orgId: string;
}

export class WebhookSender {
  config: OpencxWebhookConfig | undefined;
  readonly deliveries: WebhookDelivery[] = [];
  readonly faults = new WebhookFaults();
  private readonly secrets = new Map<WebhookDelivery, string>();
  private readonly retryTimers = new Set<number>();
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly deps: WebhookSenderDeps) {}

  /** Delivers the events in order; resolves once each one's first attempt has been answered or failed. */
  async emit(events: OpencxWebhookEvent[]): Promise<void> {
    const config = this.config;
    if (!config || events.length === 0) return;
    const end = this.deps.progress.begin();
    try {
      for (const event of events) {
        if (config.events && !config.events.includes(event.event)) continue;
        const copies = this.deps.switches.duplicateWebhooks ? 2 : 1;
        await Promise.all(Array.from({ length: copies }, () => this.attempt(this.createDelivery(config, event))));
      }
    } finally {
      end();
    }
  }

  /** Sends the delivery's last attempt again, byte for byte (a replay, not recorded as an attempt); no retries. */
  async replay(delivery: WebhookDelivery): Promise<number | null> {
    const last = delivery.attempts[delivery.attempts.length - 1];
    if (!last) throw new Error(`Delivery ${delivery.id} was never sent`);
    const replayed: WebhookAttempt = { time: this.deps.clock.now(), headers: last.headers, status: null };
    await this.post(delivery, replayed);
    return replayed.status;
  }

  /** Cancels scheduled retries and aborts attempts in flight; the records stay. */
  halt(): void {
    this.secrets.clear();
    for (const id of this.retryTimers) this.deps.clock.cancel(id);
    this.retryTimers.clear();
    for (const controller of this.inFlight) controller.abort(new Error('simulator stopped'));
  }

  /** Halts and forgets the records and faults. */
  reset(): void {
    this.halt();
    this.deliveries.length = 0;
    this.faults.clear();
  }

  private createDelivery(config: OpencxWebhookConfig, event: OpencxWebhookEvent): WebhookDelivery {
    const shaped =
      event.event === AI_RESPONSE_EVENT ? aiResponseShaped(event.data, this.deps.switches.aiResponseShape) : event.data;
    const data = this.deps.switches.webhookDataAsArray ? [shaped] : shaped;
    const body: OpencxWebhookEnvelope = { event: event.event, organization_id: this.deps.orgId, data };
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      event: event.event,
      body,
      rawBody: JSON.stringify(body),
      url: config.url,
      status: 'pending',
      attempts: [],
    };
    this.deliveries.push(delivery);
    this.secrets.set(delivery, config.secret);
    return delivery;
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const end = this.deps.progress.begin();
    delivery.nextAttemptAt = undefined;
    const attempt: WebhookAttempt = {
      time: this.deps.clock.now(),
      headers: this.signedHeaders(delivery),
      status: null,
    };
    delivery.attempts.push(attempt);
    await this.post(delivery, attempt);
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) delivery.status = 'delivered';
    else this.retryLater(delivery);
    end();
  }

  /** POSTs the delivery with the attempt's headers and records the outcome on the attempt. */
  private async post(delivery: WebhookDelivery, attempt: WebhookAttempt): Promise<void> {
    const { clock, switches, progress } = this.deps;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = clock.schedule(switches.webhookTimeoutMs, () => controller.abort(new Error('timed out')));
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: attempt.headers,
        body: delivery.rawBody,
        signal: controller.signal,
      });
      attempt.responseBody = await response.text();
      attempt.responseHeaders = Object.fromEntries(response.headers);
      attempt.status = response.status;
    } catch (error) {
      attempt.error = controller.signal.aborted
        ? String(controller.signal.reason)
        : error instanceof Error
          ? error.message
          : String(error);
    } finally {
      clock.cancel(timeout);
      this.inFlight.delete(controller);
    }
    progress.changed();
  }

  private retryLater(delivery: WebhookDelivery): void {
    const delayMs = this.deps.switches.webhookRetryDelaysMs[delivery.attempts.length - 1];
    if (delayMs === undefined || !this.secrets.has(delivery)) {
      delivery.status = 'failed';
      return;
    }
    delivery.nextAttemptAt = this.deps.clock.now() + delayMs;
    const id = this.deps.clock.schedule(delayMs, () => {
      this.retryTimers.delete(id);
      void this.attempt(delivery);
    });
    this.retryTimers.add(id);
  }

  private signedHeaders(delivery: WebhookDelivery): Record<string, string> {
    const secret = this.secrets.get(delivery) ?? '';
    const fault = this.faults.take(delivery.event);
    const timestamp = Math.floor(this.deps.signingTime() / 1000) - (fault?.staleBySeconds ?? 0);
    const signingSecret = fault?.signature === 'forged' ? `${secret}-forged` : secret;
    return {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(timestamp),
      [DELIVERY_HEADER]: delivery.id,
      ...(fault?.signature !== 'missing' && {
        [SIGNATURE_HEADER]: signOpencxWebhook(signingSecret, delivery.rawBody, timestamp),
      }),
    };
  }
}
