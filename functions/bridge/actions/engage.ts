// The AI takes a new conversation: one OpenCX session per conversation (a Sync claim), then the
// customer's messages the AI has not seen yet, newest first within a budget, and its answer. The AI
// resuming after a handback starts a new session the same way (actions/handback.ts).
import { OpenCxError } from '../../common/opencx-client';
import type { FlexTaskAttributes } from '../../common/task-attributes';
import { type ConversationMessage, undefinedIfNotFound } from '../../common/twilio';
import { Deadline } from '../../common/retry';
import {
  configToRecord,
  type ConversationRecord,
  type Handback,
  type Offer,
  ROUTED_TO_HUMANS,
  supersededOffer,
} from '../conversation-record';
import { flattenAttributes, flexSidsCustomData } from '../custom-data';
import {
  aiUnavailable,
  attachmentHandoff,
  DECLINE_SUMMARIES,
  type HandoffRequest,
  type Decision,
  isFromCustomer,
  isOurMessage,
  heldOnceAccepted,
  offerOutlived,
  textForAi,
} from '../decide';
import { handbackCustomData, handbackNote, resumingHandback } from '../handback';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import type { NoteOutcome } from '../handoff';
import { type InsightEvent, recordInsight, withdrawInsight } from '../insights';
import { rateLimitedHandoff } from '../rate-limit';
import { postCustomerNote } from './customer-note';
import { allFinished, handOff, taskHome } from './handoff';
import { armIdleTimer, oweIdleTimer } from './idle';
import { ourMarker } from './post';
import { closeSession, decline, end } from './lifecycle';
import { watchFailedFirstAnswer } from './answer';
import { answerCustomer } from './relay';

type Engage = Extract<Decision, { action: 'engage' }>;

/** How much history a first answer may carry: the newest customer messages that fit. */
export const ENGAGE_HISTORY = { messages: 10, characters: 4000, scanned: 50 } as const;
const SESSION_CREATE_MS = 3000;
/** Each of a resume's own OpenCX calls (the instruction, the previous session's close): the answer needs the rest. */
const HANDBACK_STEP_MS = 1500;
const handbackStepDeadline = (deps: BridgeDeps): Deadline =>
  new Deadline(Math.max(0, Math.min(HANDBACK_STEP_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs)));

/** OpenCX channel type for a Flex channelType. */
export function opencxChannel(channelType: unknown): string {
  const known: Record<string, string> = {
    sms: 'sms',
    whatsapp: 'whatsapp',
    web: 'web',
    chat: 'web',
    messenger: 'messenger',
    instagram: 'instagram',
    email: 'email',
  };
  return typeof channelType === 'string' ? (known[channelType.toLowerCase()] ?? 'api') : 'api';
}

const interactionOf = ({
  flexInteractionSid: sid,
  flexInteractionChannelSid: channelSid,
}: FlexTaskAttributes): Pick<ConversationRecord, 'interaction'> =>
  typeof sid === 'string' && typeof channelSid === 'string' ? { interaction: { sid, channelSid } } : {};

/** Where the offer's task lives: the settings' workspace, or the one a conversation begun before a save lives in. */
const offerWorkspace = (d: Pick<Engage, 'workspaceSid'>, deps: BridgeDeps): string =>
  d.workspaceSid ?? deps.config.workspaceSid;

export async function engage(d: Engage, deps: BridgeDeps): Promise<Outcome> {
  const record: ConversationRecord = {
    workspaceSid: offerWorkspace(d, deps),
    taskSid: d.taskSid,
    reservationSid: d.reservationSid,
    offeredAt: d.offeredAt,
    phase: 'ai',
    claimedAt: deps.now().getTime(),
    ...interactionOf(d.attributes),
    config: configToRecord(deps.config),
  };
  // Before the claim, which may take over another offer's (a hand-back's) stale claim.
  if (d.retried && !(await stillOffered(d, d.retried.workerSid, deps)))
    return { outcome: 'ignore', reason: `reservation ${d.reservationSid} ended before its offer was taken up again` };
  const takeOver = d.takeOver && { reservationSid: d.reservationSid, ...d.takeOver };
  const claim = await deps.state.claim(d.conversationSid, record, takeOver);
  if (!claim.claimed) return reengage(d, deps);
  return startSession(d, { record: claim.record ?? record, revision: '' }, deps);
}

/**
 * The AI's OpenCX session for a conversation it has just claimed: the conversation is read, the
 * session made, and the customer's messages the AI has not seen sent. After a handback, the
 * session also carries the handback (custom_data and a first note), and only the customer's
 * messages since the handback are sent: the human answered the ones before.
 */
export async function startSession(
  d: Omit<Engage, 'action'>,
  claimed: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome> {
  const { record } = claimed;
  const handback = resumingHandback(record, d.taskSid);
  // Back to humans before the AI's new session holds the conversation: the session before the
  // hand-back is closed as the resume would have closed it (nothing else names it any more).
  const toHumans = async (known: KnownRecord, request: HandoffRequest, extra?: Record<string, unknown>) => {
    const previous = handback?.previousSessionId;
    // Both run to their end: a handoff failing first must not cut the close short.
    const [outcome] = await allFinished([
      handOff(d.conversationSid, known, request, deps, extra),
      previous ? closeSession(previous, 'closed_unresolved', deps) : undefined,
    ]);
    return outcome;
  };
  // The conversation is read before the session is made: one that does not exist gets no session.
  let candidates: ConversationMessage[];
  let attachmentOnly = false;
  let customer: string | undefined;
  const fromCustomer = (m: ConversationMessage) =>
    isFromCustomer(m, deps.config) && (customer === undefined || m.author === customer);
  try {
    const [newestFirst, taskStatus] = await Promise.all([
      undefinedIfNotFound(
        deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, d.conversationSid, {
          order: 'desc',
          limit: ENGAGE_HISTORY.scanned,
        }),
      ),
      // Read after the claim: an end that came before it found nothing to end, and shows here.
      taskStatusOf(offerWorkspace(d, deps), d.taskSid, d.attributes, deps),
      recordInsight(deps, engageInsight(d, record)),
    ]);
    // The engage counted beside the task read never happened: the AI leaves without a word.
    const neverEngaged = async (left: Promise<Outcome>) =>
      (await Promise.all([left, withdrawInsight(deps, engageInsight(d, record))]))[0];
    if (offerOutlived(taskStatus)) return neverEngaged(endedBeforeEngage(d, claimed, taskStatus, deps));
    if (taskStatus === 'handed-off') return neverEngaged(handedOffBeforeEngage(d, claimed, deps));
    if (heldOnceAccepted(taskStatus) && !handback && !(await acceptedByAi(d, deps)))
      return neverEngaged(takenByHuman(d, claimed, deps));
    if (!newestFirst) return neverEngaged(abandon(d, deps, handback?.previousSessionId));
    const unseen = handback ? newestFirst.filter((m) => m.index > handback.afterIndex) : newestFirst;
    customer = customerAuthor(d.attributes, unseen);
    // What came before an answer of ours was dealt with (a conversation Flex routes again). Not our
    // note that the AI is back: a resume tried again may find it after the messages it owes. Nor,
    // taking over this offer's failed engage, the note its handoff posted though the handoff failed.
    // Another author's message is left out but ends nothing: it may be a Studio bot's greeting.
    const answered = (m: ConversationMessage) => {
      const role = isOurMessage(m, deps.config) ? (ourMarker(m)?.role ?? 'ai') : undefined;
      return role !== undefined && role !== 'handback-note' && !(d.takeOver && role === 'handoff-note');
    };
    // Its webhook came before the AI held the conversation (a first message, or one during a handback).
    attachmentOnly = attachmentSinceOurs(unseen, fromCustomer, answered);
    candidates = newestCustomerMessages(unseen, fromCustomer, answered);
  } catch (error) {
    return toHumans(claimed, aiUnavailable(), { error: String(error) });
  }
  if (attachmentOnly) return toHumans(claimed, attachmentHandoff());

  let sessionId: string;
  try {
    sessionId = await deps.opencx.createSession(
      {
        channel: { type: opencxChannel(d.attributes.channelType) },
        custom_data: {
          ...flattenAttributes(d.attributes),
          ...flexSidsCustomData({
            taskSid: d.taskSid,
            reservationSid: d.reservationSid,
            conversationSid: d.conversationSid,
          }),
          ...(handback ? handbackCustomData(handback) : {}),
        },
      },
      new Deadline(Math.min(SESSION_CREATE_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs)),
    );
  } catch (error) {
    const request = error instanceof OpenCxError && error.status === 429 ? rateLimitedHandoff() : aiUnavailable();
    return toHumans(claimed, request, { error: String(error) });
  }
  let engaged: KnownRecord = { record: { ...record, sessionId }, revision: '' };
  let fresh: ConversationMessage[];
  // Customer messages no Function has sent to OpenCX yet (each claimed by its SID, all at once).
  const claiming = Promise.allSettled(candidates.map((m) => deps.state.claimMessage(m.sid)));
  // The agent's instruction reaches the AI before the record names the session: from then on a
  // customer's message is relayed straight to OpenCX, and would overtake it.
  if (handback) await tellAiOfHandback(sessionId, handback, deps);
  // Known as soon as it lands: a failure beside it must not close the session the record now names.
  const recording = deps.state
    .recordSession(d.conversationSid, sessionId, customer, record.claimedAt, !deps.config.aiIdleCloseMinutes)
    .then((recorded) => {
      if (recorded) engaged = recorded.known;
      return recorded;
    });
  try {
    const [recorded, , settled, , idleArmed] = await Promise.all([
      recording,
      deps.state.rememberSession(sessionId, d.conversationSid, d.taskSid),
      claiming,
      // The session of the human's part: a close OpenCX is slow to answer is tried again by a timer.
      handback?.previousSessionId
        ? closeSession(handback.previousSessionId, 'closed_unresolved', deps, handbackStepDeadline(deps))
        : undefined,
      armIdleTimer(d.conversationSid, sessionId, interactionOf(d.attributes).interaction, deps, d.offeredAt),
    ]);
    const claims = settled.map((claim) => {
      if (claim.status === 'rejected') throw claim.reason;
      return claim.value;
    });
    if (!recorded) return endedWhileEngaging(d.conversationSid, sessionId, deps);
    if (!idleArmed) engaged = await oweIdleTimer(d.conversationSid, engaged, deps);
    const { parked } = recorded;
    fresh = [
      ...candidates.filter((_, i) => claims[i]),
      ...(await claimParked(d.conversationSid, parked, candidates, fromCustomer, deps)),
    ].sort((a, b) => a.index - b.index);
  } catch (error) {
    // Without the session recorded or the messages claimed, the AI cannot answer: humans can. The
    // messages this engage claimed go back, so an engage tried again (the handoff failing too) sends them.
    deps.warn('engage failed after the OpenCX session was created; handing off', { error: String(error), sessionId });
    await recording.catch(() => undefined);
    const ours = (await claiming).flatMap((claim, i) => (claim.status === 'fulfilled' && claim.value ? [i] : []));
    await Promise.all(ours.map((i) => deps.state.releaseMessage(candidates[i].sid).catch(() => undefined)));
    try {
      return await toHumans(engaged, aiUnavailable(), { error: String(error) });
    } catch (handoffError) {
      // The record names the session and still says the AI holds it (the handoff's own write failed):
      // the offer's timer would do nothing. The watchdog of the customer's newest message hands off
      // unless the AI answers it (as after a resend: it sends nothing), so humans get what this engage
      // could not give the AI. A handoff recorded is the offer timer's to finish, sooner.
      const newest = candidates.at(-1);
      const now = await deps.state.conversation(d.conversationSid).catch(() => undefined);
      // A session write whose every answer was lost may have landed: the record names the session then.
      if (!engaged.revision && now?.record.sessionId === sessionId && now.record.claimedAt === record.claimedAt)
        engaged = now;
      if (!engaged.revision || !newest) throw handoffError;
      if (now && now.record.phase !== 'ai') throw handoffError;
      return watchFailedFirstAnswer(d.conversationSid, sessionId, newest.sid, handoffError, deps, { resent: true });
    } finally {
      // The record may not name the session (its write failed), and then no end would close it.
      if (!engaged.revision) await closeSession(sessionId, 'closed_unresolved', deps);
    }
  }
  if (!handback) return answerFirst(d.conversationSid, engaged, fresh, 'engaged', deps);
  // The AI holds the conversation again, in its new session: now (never before, so a resume that
  // goes back to humans says nothing) the customer is told, beside the AI's first answer and before it.
  const noted = tellCustomerOfHandback(d, handback, sessionId, deps);
  const [answered, note] = await allFinished([
    answerFirst(d.conversationSid, engaged, fresh, 'resumed', deps, noted),
    noted,
  ]);
  return { ...answered, noted: note };
}

const engageInsight = (d: Omit<Engage, 'action'>, record: KnownRecord['record']): InsightEvent => ({
  type: 'engage',
  at: new Date(record.claimedAt).toISOString(),
  conversationSid: d.conversationSid,
  taskSid: d.taskSid,
});

/**
 * The task's status as the engage reads it after its claim; `handed-off` when it carries a handoff
 * the offer did not (an offer decided again by its timer after the task went to humans).
 */
function taskStatusOf(
  workspaceSid: string,
  taskSid: string,
  offered: Record<string, unknown>,
  deps: BridgeDeps,
): Promise<string> {
  return undefinedIfNotFound(deps.twilio.taskrouter.fetchTask(workspaceSid, taskSid)).then(
    (task) =>
      task?.attributes.handedOff === true && offered.handedOff !== true
        ? 'handed-off'
        : (task?.assignmentStatus ?? 'gone'),
    (error: unknown) => {
      deps.warn('could not read the task before engaging; engaging anyway', { error: String(error), taskSid });
      return 'unknown';
    },
  );
}

/**
 * The offer came after its task ended (a late or repeated reservation.created): the conversation
 * ends here as the task's end would have ended it, and no session is made.
 */
async function endedBeforeEngage(
  d: Omit<Engage, 'action'>,
  claimed: KnownRecord,
  taskStatus: string,
  deps: BridgeDeps,
): Promise<Outcome> {
  const reason = `the AI's offer of ${d.taskSid} came after the task ended (${taskStatus})`;
  // A resume's record names the session of the human part only in its handback: the end closes it.
  return end({ action: 'end', conversationSid: d.conversationSid, taskSid: d.taskSid, reason }, claimed, deps);
}

/**
 * A human accepted the task before this offer was handled (it was delivered late, or decided again
 * by its timer after the AI's reservation ended unseen): the conversation is the human's, and the AI
 * leaves it as if it had never been offered it.
 */
async function takenByHuman(d: Omit<Engage, 'action'>, claimed: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const ours = claimed.record;
  await deps.state.forgetIf(
    d.conversationSid,
    (current) =>
      current.phase === 'ai' &&
      current.taskSid === ours.taskSid &&
      current.claimedAt === ours.claimedAt &&
      !current.sessionId,
    claimed,
  );
  return { outcome: 'ignore', reason: `task ${d.taskSid} was accepted by a human before the AI's offer was handled` };
}

/** The AI worker's reservation is still offered (pending) or was accepted; unreadable, it is taken as offered. */
async function stillOffered(d: Omit<Engage, 'action'>, workerSid: string, deps: BridgeDeps): Promise<boolean> {
  try {
    const mine = await deps.twilio.taskrouter.reservationsOfWorker(offerWorkspace(d, deps), d.taskSid, workerSid);
    const status = mine.find((r) => r.sid === d.reservationSid)?.status;
    return status === 'pending' || status === 'accepted';
  } catch (error) {
    deps.warn("could not read the offer's reservation before engaging; engaging anyway", { error: String(error) });
    return true;
  }
}

/**
 * The assigned task's accepted reservation is this offer's or an AI worker's (the Interactions-invite
 * case), not a human's. A read that fails says so too: the engage goes on, as it did before asking.
 */
async function acceptedByAi(d: Omit<Engage, 'action'>, deps: BridgeDeps): Promise<boolean> {
  try {
    const workspaceSid = offerWorkspace(d, deps);
    const [accepted, home] = await Promise.all([
      deps.twilio.taskrouter.reservations(workspaceSid, d.taskSid, 'accepted'),
      taskHome(workspaceSid, deps),
    ]);
    return accepted.some((r) => r.sid === d.reservationSid || home.isAi(r.workerSid));
  } catch (error) {
    deps.warn('could not read who accepted the task before engaging; engaging anyway', {
      error: String(error),
      taskSid: d.taskSid,
    });
    return true;
  }
}

/** The task went to humans since the offer: the AI stays silent, its claim now the handoff's. */
async function handedOffBeforeEngage(
  d: Omit<Engage, 'action'>,
  claimed: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome> {
  const routed = { reason: ROUTED_TO_HUMANS, at: deps.now().toISOString(), routed: true };
  await deps.state.beginHandoff(d.conversationSid, routed, claimed);
  // The write that handed it off need not have canceled this offer (an [open] TaskRouter behaviour):
  // left pending, it would hold the task until the reservation timed out. A failure here is the offer
  // timer's, which declines the offer on the record just written.
  const released = await deps.twilio.taskrouter.rejectReservation(offerWorkspace(d, deps), d.taskSid, d.reservationSid);
  return { outcome: 'ignore', reason: `task ${d.taskSid} went to humans after the AI's offer`, released };
}

/**
 * The task ended while the session was being made: the end found no session to close and took our
 * claim away. The session is closed here, and nothing is sent to it.
 */
async function endedWhileEngaging(conversationSid: string, sessionId: string, deps: BridgeDeps): Promise<Outcome> {
  await closeSession(sessionId, 'closed_resolved', deps);
  return {
    outcome: 'ignore',
    sessionId,
    reason:
      `conversation ${conversationSid} ended or left the AI while its OpenCX session was being made; ` +
      'the session is closed',
  };
}

/** The AI answers the customer's messages it has not seen: `outcome` + what became of them. */
async function answerFirst(
  conversationSid: string,
  engaged: KnownRecord,
  fresh: ConversationMessage[],
  outcome: 'engaged' | 'resumed',
  deps: BridgeDeps,
  after?: Promise<unknown>,
): Promise<Outcome> {
  const sessionId = engaged.record.sessionId;
  if (fresh.length === 0) return { outcome, sessionId, sent: 0 };
  const text = fresh.map(textForAi).join('\n');
  const result = await answerCustomer(
    conversationSid,
    engaged,
    text,
    deps,
    fresh.map((m) => m.sid),
    { after },
  ).catch((error: unknown) => watchFailedFirstAnswer(conversationSid, sessionId!, fresh.at(-1)!.sid, error, deps));
  return { ...result, outcome: `${outcome}+${result.outcome}`, sent: fresh.length };
}

/**
 * The customer's note that the AI is back (SMS and WhatsApp show no authors), in the language the
 * handoff found, once per handback. A note that cannot be posted is logged: the resume goes on.
 */
function tellCustomerOfHandback(
  d: Omit<Engage, 'action'>,
  handback: Handback,
  sessionId: string,
  deps: BridgeDeps,
): Promise<NoteOutcome> {
  const language = typeof d.attributes.handoffLanguage === 'string' ? d.attributes.handoffLanguage : 'und';
  return postCustomerNote(d.conversationSid, 'handback', { id: handback.at, language, sessionId }, deps).catch(
    (error: unknown) => {
      deps.warn('could not post the handback note', { error: String(error), sessionId });
      return 'failed' as const;
    },
  );
}

/**
 * The new session's first message says a human took part and what they asked (best effort: the
 * custom_data says it too). The engage waits for it before the record names the session.
 */
async function tellAiOfHandback(sessionId: string, handback: Handback, deps: BridgeDeps): Promise<void> {
  // A slow OpenCX leaves the AI without the note (or it lands late), not the engage without time.
  await deps.opencx
    .sendAgentNote(sessionId, handbackNote(handback), undefined, handbackStepDeadline(deps))
    .catch((error: unknown) => deps.warn('could not tell the AI of the handback', { error: String(error), sessionId }));
}

/**
 * The messages relays left to this engage (`pendingMessages`) that its read of the conversation
 * came too early to see, claimed: they are in the conversation now.
 */
export async function claimParked(
  conversationSid: string,
  parked: string[],
  listed: ConversationMessage[],
  fromCustomer: (m: ConversationMessage) => boolean,
  deps: BridgeDeps,
): Promise<ConversationMessage[]> {
  const unlisted = parked.filter((sid) => !listed.some((m) => m.sid === sid));
  if (unlisted.length === 0) return [];
  const newestFirst = await deps.twilio.conversations.listMessages(
    deps.config.conversationsServiceSid,
    conversationSid,
    { order: 'desc', limit: ENGAGE_HISTORY.scanned },
  );
  // Parked before the record named the customer: another author's message (a bot's) is not theirs.
  const found = newestFirst.filter((m) => unlisted.includes(m.sid) && fromCustomer(m) && m.body.trim());
  const claims = await Promise.all(found.map((m) => deps.state.claimMessage(m.sid)));
  return found.filter((_, i) => claims[i]);
}

/**
 * The customer's author name in the conversation: the task's customer address (SMS and WhatsApp
 * authors are the address) when a message has it. Undefined when none does (a web chat identity
 * Flex does not put on the task): every author but us and the system then counts as the customer.
 */
export function customerAuthor(
  attributes: FlexTaskAttributes,
  newestFirst: readonly ConversationMessage[],
): string | undefined {
  const addresses = [attributes.customerAddress, attributes.from].filter((a): a is string => typeof a === 'string');
  return addresses.find((address) => newestFirst.some((m) => m.author === address));
}

/**
 * A customer message with only a photo or a file came after the newest answer (ours, an agent's):
 * one before it was dealt with in an earlier part of the conversation.
 */
export function attachmentSinceOurs(
  newestFirst: ConversationMessage[],
  isCustomer: (m: ConversationMessage) => boolean,
  answered: (m: ConversationMessage) => boolean,
): boolean {
  for (const message of newestFirst) {
    if (answered(message)) return false;
    if (isCustomer(message) && message.hasMedia && !message.body.trim()) return true;
  }
  return false;
}

/**
 * The customer messages to send first: pure, the newest that fit and that no answer (ours, an
 * agent's) followed, in the order they were written; the newest one always, whatever its length.
 */
export function newestCustomerMessages(
  newestFirst: ConversationMessage[],
  isCustomer: (m: ConversationMessage) => boolean,
  answered: (m: ConversationMessage) => boolean = () => false,
): ConversationMessage[] {
  const picked: ConversationMessage[] = [];
  let characters = 0;
  for (const message of newestFirst) {
    if (answered(message)) break;
    if (!isCustomer(message) || !message.body.trim()) continue;
    // The budget bounds the earlier messages only: the newest, however long, is what the AI must answer.
    const full =
      picked.length >= ENGAGE_HISTORY.messages || characters + message.body.length > ENGAGE_HISTORY.characters;
    if (picked.length > 0 && full) break;
    picked.push(message);
    characters += message.body.length;
  }
  return picked.reverse();
}

/**
 * The task names a conversation that does not exist (a permanent
 * 404): no session, our claim goes, the task goes to humans.
 */
async function abandon(d: Omit<Engage, 'action'>, deps: BridgeDeps, previousSessionId?: string): Promise<Outcome> {
  await deps.state.forget(d.conversationSid);
  // A resume's session of the conversation before the hand-back: nothing names it any more.
  if (previousSessionId) await closeSession(previousSessionId, 'closed_unresolved', deps);
  return decline(
    {
      action: 'decline',
      taskSid: d.taskSid,
      reservationSid: d.reservationSid,
      attributes: d.attributes,
      reason: `conversation ${d.conversationSid} does not exist`,
      summary: DECLINE_SUMMARIES.conversationGone,
    },
    undefined,
    deps,
  );
}

/** The AI got a new reservation for a conversation it already holds (e.g. after a timeout). */
export async function reengage(
  d: Offer & { conversationSid: string; taskSid: string; workspaceSid?: string },
  deps: BridgeDeps,
): Promise<Outcome> {
  let superseded: string | undefined;
  const known = await deps.state.update(d.conversationSid, (r) => {
    superseded = undefined;
    if (r.phase !== 'ai') return undefined;
    // A concurrent duplicate of the engaging offer, or an older offer delivered late.
    if (supersededOffer(r, d)) {
      superseded = r.reservationSid;
      return undefined;
    }
    // The offer's task may live in another workspace than the one before (a save moved the settings).
    return {
      ...r,
      workspaceSid: offerWorkspace(d, deps),
      taskSid: d.taskSid,
      reservationSid: d.reservationSid,
      offeredAt: d.offeredAt,
    };
  });
  if (superseded !== undefined)
    return { outcome: 'ignore', reason: `a late or repeated delivery of an AI offer; the AI holds ${superseded}` };
  if (!known) {
    // A handoff moved the conversation on since this offer was decided: humans get this task too.
    const current = await deps.state.conversation(d.conversationSid);
    if (!current) return { outcome: 'ignore', reason: 'the conversation record is gone' };
    return decline(
      {
        action: 'decline',
        ...d,
        attributes: {},
        reason: `conversation is already with humans (${current.record.phase})`,
        summary: DECLINE_SUMMARIES.withHumans,
      },
      current,
      deps,
    );
  }
  // OpenCX learns of the new reservation with the customer's next message (its custom_data): a note
  // here would cost a request against OpenCX's per-key limit on every re-offer of every conversation.
  return { outcome: 'reengaged', sessionId: known.record.sessionId };
}
