// OpenCX's webhooks: the AI's late answers (`conversation.ai_response`) and its handoffs
// (`conversation.handoff_to_human`). Public (OpenCX cannot sign as Twilio does), so every delivery
// must carry OpenCX's HMAC signature; unsigned, forged and stale deliveries change nothing. Every
// effect is idempotent (an answer is claimed by its id, a handoff moves the phase once), so a
// replayed or retried delivery changes nothing either.
import '@twilio-labs/serverless-runtime-types';
import { randomUUID } from 'node:crypto';
import { decide, isFromCustomer } from './bridge/decide';
import { answerKey } from './bridge/dedup';
import { answeredSinceCustomer, inConversation } from './bridge/actions/post';
import {
  classifyOpencxEvents,
  isLateAnswer,
  type OpencxClassification,
  type OpencxEvent,
} from './bridge/opencx-events';
import { perform } from './bridge/perform';
import {
  bridgeDeps,
  bridgeIo,
  flushUsage,
  overtimeIo,
  refusedApiUrls,
  reply,
  type WebhookHandler,
} from './bridge/runtime';
import { type BridgeConfig, NOTED_REFUSALS } from './common/config';
import type { ConversationMessage } from './common/twilio';
import { logEvent } from './common/log';
import { type SignatureRefusal, secretFingerprint, verifyOpencxSignature } from './common/opencx-signature';
import { Deadline } from './common/retry';

/** A Function is killed at 10 s; OpenCX retries what we do not finish. */
const BUDGET_MS = 8500;
/**
 * The setup check's notes of the last accepted and the last refused delivery are each written at
 * most this often per warm container: a flood of forged requests costs Sync one write a minute.
 */
const NOTE_EVERY_MS = 60_000;
/** At most this much of the budget goes to finding the id of an answer delivered without one. */
const ID_LOOKUP_MS = 3000;
/** No Function that asked OpenCX for an answer still runs this long after it came (Twilio stops them at 10 s). */
const FAST_PATH_OUTLIVED_MS = 15_000;
const lastNoted = { accepted: 0, refused: 0 };

export const handler: WebhookHandler = async (context, event, callback) => {
  const started = Date.now();
  const { request, ...body } = event;
  const headers = (request?.headers ?? {}) as Record<string, unknown>;
  const trace: { event: string; [field: string]: unknown } = {
    event: typeof body.event === 'string' ? body.event.slice(0, 80) : 'unknown',
    origin: 'opencx',
  };
  // Twilio Functions hand over the parsed JSON, not the raw bytes: OpenCX sends compact JSON,
  // which serialising the parsed object reproduces (docs/opencx-api.md).
  const rawBody = serialised(body);
  if (rawBody === undefined) {
    const reason = 'a body nested too deeply to read';
    logEvent({ ...trace, outcome: 'refused', reason }, 'warn');
    return reply(callback, 400, { outcome: 'refused', reason });
  }
  // The signature's secret is in Sync: no Twilio request may go out first. OpenCX redelivers after the 503.
  if (refusedApiUrls(context, trace, callback)) return;
  const deadline = new Deadline(BUDGET_MS);
  const io = bridgeIo(context, deadline);

  let config: BridgeConfig | undefined;
  let verifyingSecret = '';
  try {
    config = await io.state.loadConfig();
    let check = verifyOpencxSignature({ secret: config?.opencxWebhookSecret, headers, rawBody, nowMs: Date.now() });
    if (!check.ok && config && mayHaveNewSecret(check.refusal)) {
      // The admin may just have saved a new secret in another container.
      config = await io.state.loadConfig({ fresh: true });
      check = verifyOpencxSignature({ secret: config?.opencxWebhookSecret, headers, rawBody, nowMs: Date.now() });
    }
    if (!check.ok || !config) {
      const reason = check.ok ? 'OpenCX is not configured yet' : check.reason;
      logEvent({ ...trace, outcome: 'forbidden', reason }, 'warn');
      const secret = config?.opencxWebhookSecret;
      // What OpenCX's own deliveries look like when the saved secret is not the one it signs with:
      // an answer or a handoff, unsigned or signed otherwise. Anything else (a scanner) is not noted.
      // A stale or malformed timestamp is what a signing scheme other than the one this deployment
      // reads looks like (OpenCX retrying with its first timestamp, or another unit): noted too.
      const refusal = check.ok ? undefined : NOTED_REFUSALS.find((kind) => kind === check.refusal);
      if (secret && refusal && looksLikeOpencxDelivery(body)) {
        await noteForSetupCheck('refused', trace.event, (at) =>
          io.state.noteOpencxRefusal({
            lastRefusedAt: at.toISOString(),
            reason,
            secretFingerprint: secretFingerprint(secret),
            refusal,
          }),
        );
      }
      return reply(callback, 401, { outcome: 'forbidden', reason });
    }
    trace.deliveryId = check.deliveryId;
    verifyingSecret = config.opencxWebhookSecret ?? '';
  } catch (error) {
    logEvent({ ...trace, outcome: 'failed', error: String(error) }, 'error');
    return reply(callback, 503, { outcome: 'failed', reason: 'temporary failure' });
  }

  // One published version types `data` as a list: each element is an event of its own, handled in order.
  const results: Handled[] = [];
  for (const classified of classifyOpencxEvents(body))
    results.push(await handleEvent(classified, { context, io, config, deadline, started, verifyingSecret, trace }));
  if (results.length === 1) return reply(callback, results[0].status, results[0].body);
  // A retry of the whole delivery repeats nothing: every effect is claimed or moves a phase once.
  const failed = results.some((result) => result.status >= 500);
  return reply(callback, failed ? 503 : 200, {
    outcome: failed ? 'failed' : 'handled',
    results: results.map((result) => result.body),
  });
};

interface Handled {
  status: number;
  body: Record<string, unknown>;
}

const answer = (status: number, body: Record<string, unknown>): Handled => ({ status, body });

interface Delivery {
  context: Parameters<WebhookHandler>[0];
  io: ReturnType<typeof bridgeIo>;
  config: BridgeConfig;
  deadline: Deadline;
  started: number;
  /** The secret the delivery's signature was checked with (its fingerprint goes to the setup check). */
  verifyingSecret: string;
  trace: { event: string; [field: string]: unknown };
}

/** One event of a signed delivery: logged, with the status and body it answers. */
async function handleEvent(classified: OpencxClassification, delivery: Delivery): Promise<Handled> {
  const { context, io, config, deadline, started, verifyingSecret } = delivery;
  const trace = { ...delivery.trace };
  if (!classified.ok) {
    logEvent({ ...trace, outcome: 'ignored', reason: classified.reason }, 'warn');
    return answer(200, { outcome: 'ignored', reason: classified.reason });
  }
  let opencxEvent = classified.event;
  trace.sessionId = 'sessionId' in opencxEvent ? opencxEvent.sessionId : undefined;
  let claim: string | undefined;
  const claimedBy = randomUUID();
  let conversationSid: string | undefined;
  let lookedUp = false;
  const arrivedWithoutId = opencxEvent.kind === 'ai-answer' && opencxEvent.answerId === undefined;
  try {
    if (opencxEvent.kind === 'ai-answer') {
      // The webhook is the whole organisation's: an answer in another channel (the website, email)
      // is ignored before it costs a claim, a write to the maps every Flex message is claimed in.
      conversationSid = await io.state.conversationOfSession(opencxEvent.sessionId);
      lookedUp = true;
      // The fast path keys the answer by OpenCX's message id: a delivery without one takes it from the history.
      if (conversationSid && opencxEvent.answerId === undefined) {
        // The conversation's key, so its history reads go where its messages went.
        trace.conversationSid = conversationSid;
        const { opencx } = bridgeDeps(context, io, config, deadline, trace, started);
        const lookup = new Deadline(Math.min(ID_LOOKUP_MS, deadline.remaining() / 2));
        const { at } = opencxEvent;
        // Unread (OpenCX rate-limiting or failing), a fresh answer is refused: the fast path may be
        // posting it under its id right now. OpenCX's retry, or an answer older than any Function
        // runs, is keyed by its text (refused, every retry would fail the same way, and the customer
        // would get humans, not the answer), and the conversation tells whether it is in.
        const fresh = at !== undefined && Date.now() - at < FAST_PATH_OUTLIVED_MS;
        const answerId = await opencx
          .aiMessageIdOf(opencxEvent.sessionId, opencxEvent.text, lookup)
          .catch((error: unknown) => {
            if (fresh) throw error;
            logEvent({ ...trace, outcome: 'warning', reason: 'could not read the answer id', error: String(error) });
            return undefined;
          });
        opencxEvent = { ...opencxEvent, answerId };
      }
    }
    // Most AI answers were posted by the fast path already: the answer's claim settles that.
    claim = opencxEvent.kind === 'ai-answer' ? answerKey(opencxEvent.sessionId, opencxEvent) : undefined;
    const healthKey = claim ?? String(trace.deliveryId ?? trace.sessionId ?? '');
    const { type } = opencxEvent;
    const noteHealth = () =>
      noteForSetupCheck('accepted', type, (at) =>
        io.state.noteOpencxEvent(type, at, healthKey, secretFingerprint(verifyingSecret)),
      );
    // Not noted for the setup check: a webhook subscribed to other events only brings no answer here.
    if (opencxEvent.kind === 'not-handled') {
      logEvent({ ...trace, outcome: 'ignored', reason: `${opencxEvent.type} needs no action` });
      return answer(200, { outcome: 'ignored', reason: `${opencxEvent.type} needs no action` });
    }
    if (lookedUp && !conversationSid) {
      await noteHealth();
      const reason = `OpenCX session ${opencxEvent.sessionId} is not one the AI holds in Flex`;
      logEvent({ ...trace, outcome: 'ignored', reason });
      return answer(200, { outcome: 'ignored', reason });
    }
    // The health note rides alongside the claim: a setup check must see the webhook working even
    // when every answer took the fast path (the notes are sharded by the answer's key).
    const [claimed] = await Promise.all([claim ? io.state.claimOnce(claim, undefined, claimedBy) : true, noteHealth()]);
    if (!claimed) {
      logEvent({ ...trace, outcome: 'already-answered', reason: 'this AI answer is in the conversation already' });
      return answer(200, { outcome: 'already-answered' });
    }
    if (!lookedUp) conversationSid = await io.state.conversationOfSession(opencxEvent.sessionId);
    const known = conversationSid ? await io.state.conversation(conversationSid) : undefined;
    trace.conversationSid = conversationSid;
    const posted =
      claim && conversationSid && opencxEvent.kind === 'ai-answer'
        ? await postedBeforeItsClaim(opencxEvent, claim, conversationSid, config, io, arrivedWithoutId).catch(
            (error: unknown) => {
              // A failed look posts it (at worst twice) rather than lose it.
              logEvent({ ...trace, outcome: 'warning', reason: 'could not look for the answer', error: String(error) });
              return undefined;
            },
          )
        : undefined;
    if (posted) {
      logEvent({ ...trace, outcome: 'already-answered', reason: posted });
      return answer(200, { outcome: 'already-answered' });
    }
    const decision = decide(
      { surface: 'opencx', type: opencxEvent.kind, event: opencxEvent, conversationSid },
      { config, record: known?.record },
    );
    const result = await perform(decision, known, bridgeDeps(context, io, config, deadline, trace, started));
    if (claim && result.giveBackClaim === true)
      await io.state.releaseOwn(claim, claimedBy).catch((error: unknown) => {
        logEvent({
          ...trace,
          outcome: 'warning',
          reason: 'could not give back the answer claim',
          error: String(error),
        });
      });
    await flushUsage(io);
    logEvent({ ...trace, ...result, ms: Date.now() - started });
    return answer(200, result);
  } catch (error) {
    // Give the answer back so OpenCX's retry posts it (only if this delivery claimed it: the fast
    // path's claim of an answer it posted stays); every other action is safe to repeat. With a
    // budget of its own: the failure may have been this delivery's spent deadline.
    if (claim) await (overtimeIo(context, started) ?? io).state.releaseOwn(claim, claimedBy).catch(() => undefined);
    logEvent({ ...trace, outcome: 'failed', error: String(error), ms: Date.now() - started }, 'error');
    return answer(503, { outcome: 'failed', reason: 'temporary failure; OpenCX will retry' });
  }
}

/**
 * Why an answer whose claim this delivery just won is in the conversation already; undefined when it
 * is not. An answer older than its claim lasts (OpenCX retrying for an hour, a replay) may have been
 * posted under the same key. One without an id, and none found in OpenCX's history, was keyed by its
 * text here, but by its id on the fast path: its session's answer of the same text since the
 * customer's newest message is that post. One that came without an id and was found in the history
 * may have been posted by an earlier delivery of it, keyed by its text while the history was unread.
 */
async function postedBeforeItsClaim(
  answer: Extract<OpencxEvent, { kind: 'ai-answer' }>,
  claim: string,
  conversationSid: string,
  config: BridgeConfig,
  io: ReturnType<typeof bridgeIo>,
  arrivedWithoutId: boolean,
): Promise<string | undefined> {
  const { conversations } = io.twilio;
  const serviceSid = config.conversationsServiceSid;
  // Without an id, the fast path's key is its text alone (no delivery time).
  const claims = answer.answerId === undefined ? [claim, answerKey(answer.sessionId, { text: answer.text })] : claim;
  if (isLateAnswer(answer, Date.now()) && (await inConversation(conversations, serviceSid, conversationSid, claims)))
    return 'posted before its claim expired';
  const isCustomer = (message: ConversationMessage) => isFromCustomer(message, config);
  if (answer.answerId !== undefined) {
    // Only since the customer's newest message: an earlier answer of the same text was another turn's.
    // Keyed with the time OpenCX sent it, or, by a delivery that named none, without.
    const byText = [
      answerKey(answer.sessionId, { text: answer.text, at: answer.at }),
      answerKey(answer.sessionId, { text: answer.text }),
    ];
    return arrivedWithoutId &&
      (await answeredSinceCustomer(conversations, serviceSid, conversationSid, answer, isCustomer, byText))
      ? 'posted by an earlier delivery of it, keyed by its text'
      : undefined;
  }
  return (await answeredSinceCustomer(conversations, serviceSid, conversationSid, answer, isCustomer))
    ? 'posted by the fast path, under its id'
    : undefined;
}

/** How often a container reads the settings again for a refused signature: the endpoint is public. */
const SECRET_REREAD_MS = 5000;
let secretRereadAt = 0;

/**
 * A delivery signed with another secret (or any, before one was saved) may be OpenCX's after an
 * admin saved a new secret: read the settings again, at most once per `SECRET_REREAD_MS`. Unsigned,
 * malformed and stale requests never pass with any secret, and junk must not multiply Sync reads.
 */
function mayHaveNewSecret(refusal: SignatureRefusal): boolean {
  if (refusal !== 'forged' && refusal !== 'no-secret') return false;
  const now = Date.now();
  if (now - secretRereadAt < SECRET_REREAD_MS) return false;
  secretRereadAt = now;
  return true;
}

async function noteForSetupCheck(
  delivery: keyof typeof lastNoted,
  event: string,
  write: (at: Date) => Promise<void>,
): Promise<void> {
  const now = Date.now();
  if (now - lastNoted[delivery] < NOTE_EVERY_MS) return;
  lastNoted[delivery] = now;
  await write(new Date(now)).catch((error: unknown) =>
    logEvent(
      {
        event,
        outcome: 'warning',
        reason: `could not note the ${delivery} OpenCX delivery for the setup check`,
        error: String(error),
      },
      'warn',
    ),
  );
}

/** A body OpenCX would send about a conversation (an AI answer or a handoff), whoever sent it. */
function looksLikeOpencxDelivery(body: unknown): boolean {
  return classifyOpencxEvents(body).some((classified) => classified.ok && classified.event.kind !== 'not-handled');
}

/** The body as JSON; undefined when it cannot be serialised (nested past the stack, as no OpenCX delivery is). */
function serialised(body: object): string | undefined {
  try {
    return JSON.stringify(body);
  } catch {
    return undefined;
  }
}
