// A customer's message OpenCX refused for its rate limit, when the wait did not fit the handler:
// sent again by a timer task in our timer workspace (the message stays claimed meanwhile, so
// Twilio's retries of it change nothing), or handed to humans with the reason (rate-limit.ts).
import { randomUUID } from 'node:crypto';
import type { ConversationMessage } from '../../common/twilio';
import { type Decision, textForAi } from '../decide';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import { afterRateLimit, RESEND_QUEUE_GRACE_MS, rateLimitedHandoff } from '../rate-limit';
import { awaitAnswer } from './answer';
import { handOff } from './handoff';
import { answerCustomer } from './relay';

type Resend = Extract<Decision, { action: 'resend' }>;

/** How far back, beyond the queued messages themselves, the resend looks for them (others written among them). */
const QUEUED_SCAN = 50;

/** The claimed customer text still owed to the AI, and since when (epoch ms). */
export interface OwedText {
  text: string;
  messageSids: string[];
  since: number;
}

export async function resendLater(
  conversationSid: string,
  known: KnownRecord,
  owed: OwedText,
  rateLimited: { retryAfterMs?: number; error: string },
  deps: BridgeDeps,
): Promise<Outcome> {
  const { timerWorkspaceSid, timerWorkflowSid, aiAnswerTimeoutSeconds } = deps.config;
  const sessionId = known.record.sessionId!;
  const next = afterRateLimit({
    retryAfterMs: rateLimited.retryAfterMs,
    waitedMs: deps.now().getTime() - owed.since,
    answerTimeoutSeconds: aiAnswerTimeoutSeconds,
    timers: Boolean(timerWorkspaceSid && timerWorkflowSid),
    spread: Math.random(),
  });
  if (next.next === 'handoff') return handOff(conversationSid, known, next.request, deps, { error: rateLimited.error });
  try {
    const [timerSid] = await Promise.all([
      deps.twilio.taskrouter.createTask(timerWorkspaceSid!, {
        workflowSid: timerWorkflowSid!,
        attributes: { opencxTimer: 'resend', conversationSid, sessionId, ...owed },
        timeoutSeconds: next.afterSeconds,
      }),
      // Without the queue a later message may reach the AI first: worse, but nothing is lost.
      deps.state
        .openResendQueue(
          conversationSid,
          sessionId,
          owed.messageSids[0],
          deps.now().getTime() + next.afterSeconds * 1000 + RESEND_QUEUE_GRACE_MS,
          deps.now().getTime(),
          known,
        )
        .catch((error: unknown) =>
          deps.warn('could not queue later messages behind the resend', { error: String(error) }),
        ),
    ]);
    return {
      outcome: 'resend-scheduled',
      sessionId,
      timerSid,
      afterSeconds: next.afterSeconds,
      error: rateLimited.error,
    };
  } catch (error) {
    deps.warn('could not schedule the resend of a rate-limited message; handing off', { error: String(error) });
    return handOff(conversationSid, known, rateLimitedHandoff(aiAnswerTimeoutSeconds), deps, {
      error: rateLimited.error,
    });
  }
}

/**
 * The resend timer fired: claimed by its (first) timer's SID, so a second delivery of its event
 * sends nothing. The customer's messages queued behind it go with it, after it. When neither OpenCX
 * nor humans could take the text, the claims are given back and the handler's failure arms the timer
 * again (queued messages taken and not sent are their watchdogs' to send). Once OpenCX took the
 * text, a failure arms a watchdog instead, as does a timer armed again that finds the claim kept: it
 * is answered, or humans get it.
 */
export async function resend(d: Resend, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const claim = `resend_${d.timerSid}`;
  const sessionId = known.record.sessionId!;
  const owner = d.messageSids[0];
  if (!(await deps.state.claimOnce(claim))) {
    if (!d.rearmed) return { outcome: 'duplicate', sessionId };
    // The queue's messages were not sent: closed, it is their watchdogs' to send, each on its own.
    await deps.state
      .takeResendQueue(d.conversationSid, sessionId, known, owner)
      .catch((error: unknown) => deps.warn('could not close the resend queue', { error: String(error) }));
    const newest = d.messageSids[d.messageSids.length - 1];
    return awaitAnswer(d.conversationSid, known, newest, deps, { resendFailed: true }, { resent: true });
  }
  const progress: { reachedAi?: boolean } = {};
  let queued: ConversationMessage[] = [];
  try {
    // Not taken or not read: the text goes alone, and the queued messages' watchdogs send them.
    queued = await claimQueued(d.conversationSid, known, deps, owner).catch((error: unknown) => {
      if (error instanceof UnknownClaim) throw error.failure;
      deps.warn('could not take the messages queued behind the resend; their watchdogs send them', {
        error: String(error),
      });
      return [];
    });
    const text = [d.text, ...queued.map(textForAi)].join('\n');
    const claimed = [...d.messageSids, ...queued.map((m) => m.sid)];
    return await answerCustomer(d.conversationSid, known, text, deps, claimed, { since: d.since, progress });
  } catch (error) {
    // OpenCX has the text: its answer may be in or on its way. A watchdog looks for it (or humans get it).
    if (progress.reachedAi)
      return awaitAnswer(
        d.conversationSid,
        known,
        [...d.messageSids, ...queued.map((m) => m.sid)].at(-1)!,
        deps,
        { resendFailed: true, error: String(error) },
        { resent: true },
        deps.lastStep(),
      );
    try {
      // Humans take the message rather than nobody.
      return await handOff(d.conversationSid, known, rateLimitedHandoff(deps.config.aiAnswerTimeoutSeconds), deps, {
        error: String(error),
      });
    } catch (handoffError) {
      await Promise.all(
        [deps.state.release(claim), ...queued.map((m) => deps.state.releaseMessage(m.sid))].map((released) =>
          released.catch(() => undefined),
        ),
      );
      throw handoffError;
    }
  }
}

/**
 * An overdue resend queue (its resend never came): the watchdog of a message in it takes the whole
 * queue and sends what nobody else claimed, in the order it was written. Undefined when another
 * took the queue first: the watchdog then sees to its own message. A failure fails the watchdog,
 * whose timer is armed again: then its message is no longer queued, and it sees to it alone.
 */
export async function sendOverdueQueue(
  conversationSid: string,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome | undefined> {
  const sessionId = known.record.sessionId!;
  // That queue only, still overdue: one opened since, or its resend's again, is live.
  const owner = known.record.resendQueue!.owner;
  const queued = await claimQueued(conversationSid, known, deps, owner, deps.now().getTime()).catch(
    (error: unknown) => {
      throw error instanceof UnknownClaim ? error.failure : error;
    },
  );
  if (queued.length === 0) return undefined;
  deps.warn("the resend the customer's messages waited for is overdue; sending them", { sessionId });
  const first = queued[0].sentAt || undefined;
  return answerCustomer(
    conversationSid,
    known,
    queued.map(textForAi).join('\n'),
    deps,
    queued.map((m) => m.sid),
    {
      // The answer timeout counts from when the customer wrote the first of them.
      ...(first !== undefined && { since: first }),
      writtenAt: first,
    },
  );
}

/** A queued message's claim failed: it may have landed. The claims this take made are given back. */
class UnknownClaim extends Error {
  constructor(readonly failure: unknown) {
    super(String(failure));
  }
}

/**
 * The messages queued behind a resend (its `owner`'s queue; any, for an overdue one), taken from the
 * record and claimed in the order they were written: a watchdog (or a retried webhook) may have sent
 * one meanwhile. A claim that fails gives back every claim this take made, that one too if it
 * landed (a watchdog would take it for someone else's), and throws `UnknownClaim`.
 */
async function claimQueued(
  conversationSid: string,
  known: KnownRecord,
  deps: BridgeDeps,
  owner?: string,
  overdueAt?: number,
): Promise<ConversationMessage[]> {
  const sids = await deps.state.takeResendQueue(conversationSid, known.record.sessionId!, known, owner, overdueAt);
  if (sids.length === 0) return [];
  const newestFirst = await deps.twilio.conversations.listMessages(
    deps.config.conversationsServiceSid,
    conversationSid,
    {
      order: 'desc',
      // A flood of them must not push the first out of reach: taken from the queue, they would reach nobody.
      limit: QUEUED_SCAN + sids.length,
    },
  );
  const found = newestFirst.filter((m) => sids.includes(m.sid)).sort((a, b) => a.index - b.index);
  const by = randomUUID();
  const claims = await Promise.allSettled(found.map((m) => deps.state.claimMessage(m.sid, by)));
  const failed = claims.find((c) => c.status === 'rejected');
  if (failed) {
    await Promise.all(found.map((m) => deps.state.releaseOwnMessage(m.sid, by).catch(() => undefined)));
    throw new UnknownClaim(failed.reason);
  }
  return found.filter((_, i) => (claims[i] as PromiseFulfilledResult<boolean>).value);
}
