// A customer's message OpenCX refused for its rate limit, when the wait did not fit the handler:
// sent again by a timer task in our timer workspace (the message stays claimed meanwhile, so
// Twilio's retries of it change nothing), or handed to humans with the reason (rate-limit.ts).
import type { Decision } from '../decide';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import { afterRateLimit, rateLimitedHandoff } from '../rate-limit';
import { awaitAnswer } from './answer';
import { handOff } from './handoff';
import { answerCustomer } from './relay';

type Resend = Extract<Decision, { action: 'resend' }>;

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
    const timerSid = await deps.twilio.taskrouter.createTask(timerWorkspaceSid!, {
      workflowSid: timerWorkflowSid!,
      attributes: { opencxTimer: 'resend', conversationSid, sessionId, ...owed },
      timeoutSeconds: next.afterSeconds,
    });
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
 * sends nothing. When neither OpenCX nor humans could take the text, the claim is given back and
 * the handler's failure arms the timer again. Once OpenCX took the text, a failure arms a watchdog
 * instead, as does a timer armed again that finds the claim kept: it is answered, or humans get it.
 */
export async function resend(d: Resend, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const claim = `resend_${d.timerSid}`;
  if (!(await deps.state.claimOnce(claim))) {
    if (!d.rearmed) return { outcome: 'duplicate', sessionId: known.record.sessionId };
    const newest = d.messageSids[d.messageSids.length - 1];
    return awaitAnswer(d.conversationSid, known, newest, deps, { resendFailed: true }, { resent: true });
  }
  const progress: { reachedAi?: boolean } = {};
  try {
    return await answerCustomer(d.conversationSid, known, d.text, deps, d.messageSids, { since: d.since, progress });
  } catch (error) {
    // OpenCX has the text: its answer may be in or on its way. A watchdog looks for it (or humans get it).
    if (progress.reachedAi)
      return awaitAnswer(
        d.conversationSid,
        known,
        d.messageSids[d.messageSids.length - 1],
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
      await deps.state.release(claim).catch(() => undefined);
      throw handoffError;
    }
  }
}
