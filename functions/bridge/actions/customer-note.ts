// Posting the customer's note at a handoff or a handback exactly once: claimed by its key in Sync
// (a retry or a second event finds it claimed), then posted as the AI author with a marker (a post
// whose answer was lost is looked for before it is tried again).
import { type NoteMoment, customerNote, noteKey } from '../customer-note';
import { HANDOFF_CLAIM_TTL_SECONDS, LEFT_NOTE_CLAIM_MS } from '../dedup';
import type { BridgeDeps } from '../deps';
import type { NoteOutcome } from '../handoff';
import { inConversation, postOnceOutcome } from './post';

export interface NoteOccasion {
  /** One note each: a handoff's AI engagement (`handoffEngagement`), a handback's time, a silence that closes. */
  id: string;
  /** The customer's language (BCP-47, `und` when unknown), to pick the translation. */
  language: string;
  sessionId?: string;
}

/**
 * Posts this moment's note once, after `before` (what the customer must read first). A note
 * certainly not posted gives its claim back, so a later attempt of the same moment posts it. One
 * that may have landed (`unsure`) keeps its claim: the next `attempt` claims afresh and looks for
 * it before posting. A claim that `mayBeLeft` (the occasion is older than any Function that claimed
 * it) is taken over once stale, and the note looked for first: its post may have failed unrecorded.
 */
export async function postCustomerNote(
  conversationSid: string,
  moment: NoteMoment,
  occasion: NoteOccasion,
  deps: BridgeDeps,
  /** What the customer must read first: a promise runs beside the claim, a function once the claim is won. */
  before: Promise<unknown> | (() => Promise<unknown>) = Promise.resolve(),
  attempt = 0,
  mayBeLeft = false,
): Promise<NoteOutcome> {
  const note = customerNote(deps.config, moment, occasion.language);
  if (!note) return 'none';
  const key = noteKey(moment, conversationSid, occasion.id);
  const claimKey = attempt ? `${key}~${attempt}` : key;
  const claiming = deps.state.claimOnce(claimKey, HANDOFF_CLAIM_TTL_SECONDS);
  const [claim, preceding] = await Promise.allSettled([
    claiming,
    typeof before === 'function' ? claiming.then((won) => (won || mayBeLeft ? before() : undefined)) : before,
  ]);
  if (claim.status === 'rejected') {
    deps.warn(`could not claim the ${moment} note`, { error: String(claim.reason) });
    return 'failed';
  }
  let lookFirst = attempt > 0;
  if (!claim.value) {
    if (!mayBeLeft) return 'already';
    const taken = await deps.state
      .takeOverStaleClaim(claimKey, LEFT_NOTE_CLAIM_MS, HANDOFF_CLAIM_TTL_SECONDS)
      .catch((error: unknown) => {
        deps.warn(`could not take over the ${moment} note's claim`, { error: String(error) });
        return undefined;
      });
    if (taken === undefined) return 'failed';
    if (!taken) return 'already';
    lookFirst = true;
  }
  if (preceding.status === 'rejected') {
    // What the customer must read first may not be in: the claim goes back, for a later attempt to post both.
    deps.warn(`the ${moment} note waits for what must come before it`, { error: String(preceding.reason) });
    await deps
      .lastStepState()
      .release(claimKey)
      .catch(() => undefined);
    return 'failed';
  }
  if (lookFirst) {
    const { conversations } = deps.twilio;
    const serviceSid = deps.config.conversationsServiceSid;
    const earlier = await inConversation(conversations, serviceSid, conversationSid, key).catch((error: unknown) => {
      deps.warn(`could not look for the ${moment} note an earlier attempt may have posted`, { error: String(error) });
      return undefined;
    });
    if (earlier) return 'posted';
    if (earlier === undefined) {
      await deps
        .lastStepState()
        .release(claimKey)
        .catch(() => undefined);
      return 'failed';
    }
  }
  const posted = await postOnceOutcome(
    conversationSid,
    note,
    { role: `${moment}-note`, key, sessionId: occasion.sessionId },
    deps,
  );
  if (posted === 'not-posted')
    await deps
      .lastStepState()
      .release(claimKey)
      .catch(() => undefined);
  return posted === 'posted' ? 'posted' : posted === 'unknown' ? 'unsure' : 'failed';
}
