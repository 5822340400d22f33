/** The simulator's stand-in for OpenCX's AI: deterministic defaults plus a per-test script. */
import type { Sentiment, SimSession } from './opencx-types';

export interface AiContext {
  /** The session after the contact's message was appended to its history. */
  session: Readonly<SimSession>;
  /** The contact's message text. */
  text: string;
}

interface AiTiming {
  /** How long the AI takes to decide, in simulated ms; Infinity = it never answers. */
  latencyMs?: number;
}

export type AiDecision = AiTiming &
  (
    | { type: 'reply'; content: string; mightSolveUserIssue?: boolean; language?: string }
    | {
        type: 'handoff';
        summary: string;
        sentiment: Sentiment;
        language?: string;
        /** What the AI tells the contact while handing off; omit for no autopilotResponse. */
        content?: string;
      }
    /** The AI failed: `data.success: false` with `code`, and an autopilotResponse flagged `error: true`. */
    | { type: 'error'; code?: string; content?: string }
  );

export type AiResponder = (context: AiContext) => AiDecision | string;
export type HandoffPredicate = (context: AiContext) => boolean;
export type HandoffDetails = Partial<Omit<Extract<AiDecision, { type: 'handoff' }>, 'type'>>;

export const DEFAULT_HANDOFF_PATTERN = /\b(human|agent|person|representative)\b/i;
export const DEFAULT_HANDOFF_MESSAGE = "I'm connecting you with a human agent now.";
const ANGRY_PATTERN = /\b(angry|furious|terrible|awful|worst|ridiculous|useless|unacceptable)\b|!!/i;
const HAPPY_PATTERN = /\b(thanks|thank you|great|awesome|love|perfect)\b/i;

export function guessSentiment(text: string): Sentiment {
  if (ANGRY_PATTERN.test(text)) return 'angry';
  if (HAPPY_PATTERN.test(text)) return 'happy';
  return 'neutral';
}

function defaultResponder(context: AiContext): AiDecision {
  return { type: 'reply', content: `Thanks for your message. You said: "${context.text}"`, mightSolveUserIssue: true };
}

function defaultHandoffPredicate(context: AiContext): boolean {
  return DEFAULT_HANDOFF_PATTERN.test(context.text);
}

export class ScriptedAi {
  /** BCP-47 tag reported for sessions the AI handles, unless a decision names its own. */
  language = 'en';
  private queued: AiResponder[] = [];
  private fallback: AiResponder = defaultResponder;
  private handoffPredicate: HandoffPredicate = defaultHandoffPredicate;
  private handoffDetails: HandoffDetails = {};
  private defaultLatencyMs = 0;

  /** Queues the next reply; queued replies win over the handoff rule and the default, in order. */
  reply(next: string | AiDecision | AiResponder): this {
    this.queued.push(toResponder(next));
    return this;
  }

  /** Replaces the handoff rule (default: the text asks for a human/agent/person/representative). */
  handoffWhen(predicate: HandoffPredicate, details: HandoffDetails = {}): this {
    this.handoffPredicate = predicate;
    this.handoffDetails = details;
    return this;
  }

  /** Replaces the answer given when nothing is queued and the handoff rule does not fire. */
  setDefault(responder: string | AiDecision | AiResponder): this {
    this.fallback = toResponder(responder);
    return this;
  }

  /** Every following decision without its own `latencyMs` takes this long (simulated ms). */
  latency(ms: number): this {
    this.defaultLatencyMs = ms;
    return this;
  }

  /** Following decisions without their own `latencyMs` never come. */
  neverAnswer(): this {
    return this.latency(Infinity);
  }

  latencyOf(decision: AiDecision): number {
    return decision.latencyMs ?? this.defaultLatencyMs;
  }

  get pendingReplies(): number {
    return this.queued.length;
  }

  decide(context: AiContext): AiDecision {
    const scripted = this.queued.shift();
    if (scripted) return normalize(scripted(context));
    if (this.handoffPredicate(context)) return this.defaultHandoff(context);
    return normalize(this.fallback(context));
  }

  reset(): void {
    this.language = 'en';
    this.queued = [];
    this.fallback = defaultResponder;
    this.handoffPredicate = defaultHandoffPredicate;
    this.handoffDetails = {};
    this.defaultLatencyMs = 0;
  }

  private defaultHandoff(context: AiContext): AiDecision {
    return {
      type: 'handoff',
      summary: `The customer asked to talk to a human: "${context.text}"`,
      sentiment: guessSentiment(context.text),
      content: DEFAULT_HANDOFF_MESSAGE,
      ...this.handoffDetails,
    };
  }
}

function toResponder(next: string | AiDecision | AiResponder): AiResponder {
  if (typeof next === 'function') return next;
  return () => next;
}

function normalize(answer: AiDecision | string): AiDecision {
  return typeof answer === 'string' ? { type: 'reply', content: answer, mightSolveUserIssue: true } : answer;
}
