// Handing the conversation to humans, in at most three sequential Twilio round trips after the
// AI's answer: (1) the Sync phase change, the task read and its pending reservations, (2) the
// attribute write and the customer's note, (3) rejecting the AI's reservations. A handoff cut
// short is finished by the next event (`finishHandoff`).
import type { FlexTaskAttributes, HandoffAttributes } from '../../common/task-attributes';
import type { ReservationSummary, TaskSnapshot } from '../../common/twilio';
import { Deadline } from '../../common/retry';
import { type AiWorkerTest, aiWorkersIn } from '../ai-worker';
import { type ConversationRecord, NO_LAST_WORDS, type PendingHandoff, ROUTED_TO_HUMANS } from '../conversation-record';
import { aiAnswersSinceCustomer, type Decision, type HandoffRequest } from '../decide';
import { answerKey, HANDOFF_CLAIM_TTL_SECONDS, LEFT_NOTE_CLAIM_MS } from '../dedup';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import {
  aiReservationsToReject,
  carriedHandoff,
  clipped,
  finishedHandoff,
  HANDOFF_TEXT_MAX,
  handoffAttributes,
  handoffEngagement,
  handoffTime,
  noteLanded,
  noteStillOwed,
  recordedEngagementClaim,
  recordedHandoffOccasion,
  withHandoff,
} from '../handoff';
import { handoffInsight, recordInsight } from '../insights';
import { type NoteOccasion, postCustomerNote } from './customer-note';
import { customerAnswered, lastWordsIn } from './post';

const SESSION_LOOKUP_MS = 800;
/** Routings the next event must finish. */
const UNFINISHED_ROUTINGS: readonly Routing[] = ['stuck-assigned', 'invited, AI task still open', 'invite pending'];

/** Where the task went: for the outcome and the log. */
export type Routing =
  | 'rejected'
  | 'rerouted'
  | 'invited'
  /** Invited, but the AI's reservation of the old task could not be completed: the next event tries again. */
  | 'invited, AI task still open'
  /** Another Function is making the invite, which does not exist yet: it completes the AI's task. */
  | 'invite pending'
  | 'already-with-a-human'
  | 'stuck-assigned'
  | `left ${string}`;

export async function handOff(
  conversationSid: string,
  known: KnownRecord,
  request: HandoffRequest,
  deps: BridgeDeps,
  extra: Record<string, unknown> = {},
  /** What the customer's note must follow (the AI's last words): a function runs once the note is claimed. */
  before: Promise<unknown> | (() => Promise<unknown>) = Promise.resolve(),
  /** A watchdog's: the handoff does not begin while this holds for the record it writes over. */
  standDown?: (record: ConversationRecord) => boolean,
): Promise<Outcome> {
  const { record } = known;
  let stoodDown = false as boolean;
  const standsDown =
    standDown &&
    ((r: ConversationRecord) => {
      stoodDown = standDown(r);
      return stoodDown;
    });
  const pending: PendingHandoff = {
    reason: clipped(request.reason, HANDOFF_TEXT_MAX.reason),
    summary: clipped(request.summary, HANDOFF_TEXT_MAX.summary),
    sentiment: request.sentiment,
    language: request.language,
    at: deps.now().toISOString(),
    ...(request.byAi && { byAi: true }),
    ...(request.aiAt !== undefined && { aiAt: new Date(request.aiAt).toISOString() }),
    ...(request.reply && record.sessionId
      ? { farewell: answerKey(record.sessionId, { answerId: request.answerId, text: request.reply }) }
      : request.inAnswer && { farewell: NO_LAST_WORDS }),
  };
  let unsure = false as boolean;
  // Round trip 1, all at once: the AI goes silent (only the caller that moves the phase hands off),
  // the task is read for its ETag with its pending reservations, and OpenCX is asked for what the
  // handoff lacks (the language; the AI's summary and sentiment).
  const [won, [task, reserved, home], found] = await Promise.all([
    deps.state.beginHandoff(conversationSid, pending, known, standsDown).catch((error: unknown) => {
      // Humans get the task anyway; the AI is silenced when a human is offered it.
      deps.warn('could not record the handoff in Sync; routing to humans anyway', { error: String(error) });
      unsure = true;
      return { ...record, phase: 'handoff' as const, handoff: pending };
    }),
    readHeldTask(record, deps),
    lookUpSession(pending, record, deps),
  ]);
  if (!won)
    return {
      outcome: 'handoff-skipped',
      sessionId: record.sessionId,
      reason: stoodDown ? 'an AI answer is being posted' : 'the conversation is already with humans',
      ...(stoodDown && { stoodDown }),
      ...extra,
    };
  const handoff = filled(pending, found);
  let attributes = attributesOn(task, record, handoff);
  // With the reservation as the phase write found it: TaskRouter may have offered the AI the task again meanwhile.
  const rejected = aiReservationsToReject(reserved, won.reservationSid, home.isAi);
  // Round trips 2 and 3. Of concurrent handoffs, the first to write the task keeps its time and
  // reason: another's write (its 412) takes them. The note is one per engagement, whichever claims it.
  let landed = () => {};
  const onTask = new Promise<boolean>((resolve) => (landed = () => resolve(true)));
  const routed = routeToHumans(
    home,
    task,
    rejected,
    (current) => (attributes = attributesOn(current, record, handoff)),
    deps,
    { claimedAt: record.claimedAt, landed },
  );
  const onTheTask = Promise.race([onTask, routed.then(() => true).catch(() => false)]);
  // Not knowing whether it won, the note waits for the task to carry a handoff, whatever becomes of
  // the rest (a reservation TaskRouter would not reject): a task never written tells no one of humans.
  const carried = unsure ? onTheTask : Promise.resolve(true);
  // The insight is of the handoff the task got (another's time and reason, when its write came first):
  // insights are keyed by time, and another handoff of this engagement records its own.
  const recorded = unsure ? carried : onTheTask.then(() => true);
  const [routing, noted] = await allFinished([
    routed,
    carried.then((written) =>
      written
        ? postCustomerNote(
            conversationSid,
            'handoff',
            noteOccasion(handoffEngagement(record), attributes),
            deps,
            before,
          )
        : ('failed' as const),
    ),
    recorded.then((written) =>
      written ? recordInsight(deps, handoffInsight(conversationSid, record, attributes)) : undefined,
    ),
  ]);
  if (noted === 'failed' || noted === 'unsure') await leaveNoteOwed(conversationSid, deps, 1);
  return {
    outcome: 'handed-off',
    sessionId: record.sessionId,
    reason: attributes.handoffReason,
    released: routing,
    noted,
    ...extra,
  };
}

/** At most this long goes to finding the answers a handoff's note may have to follow. */
const HELD_ANSWER_LOOKUP_MS = 1500;

/**
 * OpenCX's own handoff event moved the conversation while the answer carrying the handoff may be on its
 * way (the relay that got it has not recorded the handoff yet). The note waits only for answers someone
 * holds: the AI's answers in OpenCX's history since the customer's last message there that are claimed
 * (the relay that got one, or OpenCX's delivery of it, is posting it) and not in yet. One nobody has
 * claimed by then is not waited for: OpenCX may hold it until this event is answered. Never fails: at
 * worst the note goes, as it did before it looked.
 */
export async function heldAnswersIn(
  conversationSid: string,
  record: ConversationRecord,
  deps: BridgeDeps,
): Promise<void> {
  const { sessionId } = record;
  if (!sessionId) return;
  try {
    if (await customerAnswered(conversationSid, deps).catch(() => false)) return;
    const budget = Math.min(HELD_ANSWER_LOOKUP_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs);
    const history = await deps.opencx.historyOf(sessionId, new Deadline(budget), 3).catch(() => undefined);
    // As the relay keys an answer (by its id), or as one OpenCX gave without an id (by its text).
    const keys = aiAnswersSinceCustomer(history ?? []).flatMap((answer) => [
      answerKey(sessionId, answer),
      answerKey(sessionId, { text: answer.text }),
    ]);
    const held = await Promise.all(keys.map((key) => deps.state.isClaimed(key).catch(() => false)));
    await Promise.all(keys.filter((_, i) => held[i]).map((key) => lastWordsIn(conversationSid, key, deps)));
  } catch (error) {
    deps.warn('could not look for the answer the handoff note may follow; it goes all the same', {
      error: String(error),
    });
  }
}

/** A handoff recorded in Sync whose routing may not have finished: finish it, then remember that it did. */
export async function finishHandoff(conversationSid: string, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const { record } = known;
  const pending = record.handoff ?? { reason: 'AI requested human handoff', at: deps.now().toISOString() };
  // What the first attempt looked up in OpenCX was not recorded: look again, beside the task's read.
  const [[task, reserved, home], found] = await Promise.all([
    readHeldTask(record, deps),
    lookUpSession(pending, record, deps),
  ]);
  const handoff = filled(pending, found);
  const attributes = attributesOn(task, record, handoff);
  const attempt = pending.noteAttempt ?? 0;
  // Long after the handoff, a claimed note may be one whose post failed with its failure unrecorded (Sync down).
  const since = Math.min(Date.parse(attributes.handoffTimestamp), Date.parse(pending.at));
  const mayBeLeft = deps.now().getTime() - since > LEFT_NOTE_CLAIM_MS;
  // Last words the handoff recorded may still be on their way (another Function posts them): the note
  // follows them. Long after the handoff they are in, or never will be.
  const { farewell } = pending;
  const lastWords =
    farewell !== undefined && farewell !== NO_LAST_WORDS && !mayBeLeft
      ? () => lastWordsIn(conversationSid, farewell, deps)
      : undefined;
  const [routing, noted] = await allFinished([
    routeToHumans(
      home,
      task,
      aiReservationsToReject(reserved, record.reservationSid, home.isAi),
      (current) => attributesOn(current, record, handoff),
      deps,
      { claimedAt: recordedEngagementClaim(record) },
    ),
    pending.noteIn
      ? ('posted' as const)
      : postCustomerNote(
          conversationSid,
          'handoff',
          noteOccasion(recordedHandoffOccasion(record, attributes.handoffTimestamp), attributes),
          deps,
          lastWords,
          attempt,
          mayBeLeft,
        ),
  ]);
  // Until the note is in, the next event finishes the handoff again (and posts it). Written over the
  // record as this event read it: a note failure recorded since is seen (`finishedHandoff`).
  if (noted === 'failed' || noted === 'unsure') await leaveNoteOwed(conversationSid, deps, attempt + 1);
  else if (!UNFINISHED_ROUTINGS.includes(routing))
    await deps.state.update(conversationSid, (r) => finishedHandoff(r, noted), known);
  // The note is in, the routing not yet: the finish that completes it must not wait for a note.
  else if (noted !== 'already' && !pending.noteIn)
    await deps.state
      .update(conversationSid, noteLanded, known)
      .catch((error: unknown) => deps.warn('could not record that the handoff note is in', { error: String(error) }));
  return { outcome: 'handoff-finished', sessionId: record.sessionId, released: routing, noted };
}

/**
 * The note did not get in. A concurrent finish (OpenCX's handoff event) may have found it claimed
 * and be about to mark the handoff done: recorded as owed, the customer's next message posts it.
 */
async function leaveNoteOwed(conversationSid: string, deps: BridgeDeps, attempt: number): Promise<void> {
  await deps
    .lastStepState()
    .update(conversationSid, (r) => noteStillOwed(r, attempt))
    .catch((error: unknown) =>
      deps.warn('could not leave the handoff note to the next event', { error: String(error) }),
    );
}

/** Humans were offered the conversation although our record still said the AI held it. */
export async function silenceAi(
  d: Extract<Decision, { action: 'silence-ai' }>,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome> {
  const moved = await recordRoutedToHumans(d.conversationSid, known, deps);
  return { outcome: moved ? 'ai-silenced' : 'already-silent', sessionId: known.record.sessionId, reason: d.reason };
}

/**
 * Records that humans have the conversation its record says the AI holds (the handoff's Sync write
 * failed, its routing did not): the AI goes silent. False when the record no longer said the AI held it.
 */
export async function recordRoutedToHumans(
  conversationSid: string,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<boolean> {
  const pending: PendingHandoff = { reason: ROUTED_TO_HUMANS, at: deps.now().toISOString(), routed: true };
  return (await deps.state.beginHandoff(conversationSid, pending, known)) !== undefined;
}

/**
 * Where a conversation's task lives, and who the AI is there: the workspace the conversation began in,
 * whatever workspace the settings name now (a save may have moved them since).
 */
export interface TaskHome {
  workspaceSid: string;
  isAi: AiWorkerTest;
}

/** The task's home in `workspaceSid`: no call in the settings' workspace, one listing in another. */
export async function taskHome(workspaceSid: string, deps: BridgeDeps): Promise<TaskHome> {
  return { workspaceSid, isAi: await aiWorkersIn(deps.twilio.taskrouter, deps.config, workspaceSid, deps.warn) };
}

/** The task and its pending reservations in the workspace the record names, read at once, with who the AI is there. */
function readHeldTask(
  record: ConversationRecord,
  deps: BridgeDeps,
): Promise<[TaskSnapshot, ReservationSummary[], TaskHome]> {
  const { taskrouter } = deps.twilio;
  return Promise.all([
    taskrouter.fetchTask(record.workspaceSid, record.taskSid),
    taskrouter.reservations(record.workspaceSid, record.taskSid, 'pending'),
    taskHome(record.workspaceSid, deps),
  ]);
}

/**
 * The handoff's attributes for the task as read (first, and again after a concurrent write): a handoff
 * of this engagement the task carries already (`handoffTime`) keeps its time and reason, so nothing new
 * is written.
 */
function attributesOn(task: TaskSnapshot, record: ConversationRecord, handoff: PendingHandoff): HandoffAttributes {
  const at = handoffTime(task.attributes, record.claimedAt, handoff.at);
  const carried = task.attributes.handoffReason;
  return handoffAttributes({
    ...handoff,
    ...(at !== handoff.at && typeof carried === 'string' && { reason: carried }),
    sessionId: record.sessionId,
    at: new Date(at),
  });
}

/** The customer's note at this handoff: in the handoff's language, once per `id` (its engagement). */
const noteOccasion = (id: string, attributes: HandoffAttributes): NoteOccasion => ({
  id,
  language: attributes.handoffLanguage,
  sessionId: attributes.opencxSessionId,
});

/** What OpenCX's session says of a handoff, to fill what the handoff's own facts lack. */
type SessionFacts = Pick<PendingHandoff, 'language' | 'summary' | 'sentiment'>;

/**
 * The language, and for a handoff the AI decided its summary and sentiment, from OpenCX's session
 * when the handoff lacks them: `resolveArgs` is optional in OpenCX's answer, and when the fast path
 * hands off first, OpenCX's own handoff event adds nothing. Nothing, when the read fails or is late.
 */
async function lookUpSession(
  handoff: PendingHandoff,
  record: ConversationRecord,
  deps: BridgeDeps,
): Promise<SessionFacts> {
  const lacksAiFacts = handoff.byAi === true && (!handoff.summary || !handoff.sentiment);
  if (!record.sessionId || (handoff.language && !lacksAiFacts)) return {};
  const budget = Math.min(SESSION_LOOKUP_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs);
  if (budget <= 0) return {};
  const words = (value: unknown, max: (typeof HANDOFF_TEXT_MAX)[keyof typeof HANDOFF_TEXT_MAX]) =>
    typeof value === 'string' ? clipped(value, max) : undefined;
  return deps.opencx.getSession(record.sessionId, new Deadline(budget)).then(
    ({ language, handoff: decided }) => ({
      language: words(language, HANDOFF_TEXT_MAX.reason),
      ...(handoff.byAi && {
        summary: words(decided?.summary, HANDOFF_TEXT_MAX.summary),
        sentiment: words(decided?.sentiment, HANDOFF_TEXT_MAX.reason),
      }),
    }),
    () => ({}),
  );
}

/**
 * A recorded handoff with what OpenCX's session adds, for a Function that writes it to a task other
 * than the one that recorded it (whose lookup was not recorded): the first write of a handoff's time wins.
 */
export const withSessionFacts = async (
  pending: PendingHandoff,
  record: ConversationRecord,
  deps: BridgeDeps,
): Promise<PendingHandoff> => filled(pending, await lookUpSession(pending, record, deps));

/** What the handoff says wins over what OpenCX's session says. */
const filled = (pending: PendingHandoff, found: SessionFacts): PendingHandoff => ({
  ...pending,
  language: pending.language || found.language,
  summary: pending.summary || found.summary,
  sentiment: pending.sentiment || found.sentiment,
});

/**
 * Like Promise.all, but waits for every one before failing: a routing that fails must not end the
 * Function while the customer's note, claimed, is still being posted.
 */
export async function allFinished<T extends readonly unknown[] | []>(
  work: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(work);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}

/**
 * Writes the handoff attributes (If-Match, keeping everyone else's) and gets the task to humans
 * from whatever state it is in: reserved to the AI (reject the AI's reservations), already
 * re-routed by the write, or assigned to the AI (a Flex Interactions invite, since an accepted
 * reservation cannot be rejected). A task a human holds is left alone.
 */
export async function routeToHumans(
  /** The task's workspace, and who the AI is there. */
  home: TaskHome,
  task: TaskSnapshot,
  aiReservationSids: readonly string[],
  /** Or what to write on the task as read, again after each concurrent write. */
  wanted: Partial<HandoffAttributes> | ((task: TaskSnapshot) => Partial<HandoffAttributes>),
  deps: BridgeDeps,
  {
    claimedAt,
    landed,
  }: {
    /** The AI's claim of the engagement handed off, invited for once; without it, once per handoff time. */
    claimedAt?: number;
    /** Called once the task carries the attributes (or its transfer to humans is made). */
    landed?: () => void;
  } = {},
): Promise<Routing> {
  const { taskrouter } = deps.twilio;
  const { workspaceSid } = home;
  let current = task;
  for (let attempt = 1; ; attempt++) {
    const attributes = typeof wanted === 'function' ? wanted(current) : wanted;
    if (current.assignmentStatus === 'assigned') {
      if (!(await assignedToAi(home, current, deps))) return 'already-with-a-human';
      const transferred = await transferAssignedTask(home, current, attributes, deps, claimedAt);
      landed?.();
      return transferred;
    }
    if (current.assignmentStatus !== 'pending' && current.assignmentStatus !== 'reserved')
      return `left ${current.assignmentStatus}`;
    if (alreadyCarries(current.attributes, attributes)) break;
    const written = await taskrouter.updateTaskAttributes(
      workspaceSid,
      current.sid,
      withHandoff(current, attributes),
      current.etag,
    );
    if (written === 'updated') break;
    if (attempt >= 5) throw new Error(`task ${current.sid}: too many concurrent attribute writers`);
    current = await taskrouter.fetchTask(workspaceSid, current.sid);
  }
  landed?.();
  if (aiReservationSids.length === 0 || current.assignmentStatus !== 'reserved') return 'rerouted';
  // 'not-pending' is normal: the attribute write already canceled the reservation and re-routed the task.
  const rejected = await Promise.all(
    aiReservationSids.map((sid) => taskrouter.rejectReservation(workspaceSid, current.sid, sid)),
  );
  return rejected.includes('rejected') ? 'rejected' : 'rerouted';
}

/** This handoff's attributes are on the task already (a handoff being finished), or there are none to write. */
function alreadyCarries(current: Record<string, unknown>, wanted: Partial<HandoffAttributes>): boolean {
  // Nothing to add (a decline of a task handed off already): a write would only route it again.
  if (Object.keys(wanted).length === 0) return true;
  return current.handedOff === true && current.handoffTimestamp === wanted.handoffTimestamp;
}

async function assignedToAi(home: TaskHome, task: TaskSnapshot, deps: BridgeDeps): Promise<boolean> {
  return (await deps.twilio.taskrouter.reservations(home.workspaceSid, task.sid, 'accepted')).some((r) =>
    home.isAi(r.workerSid),
  );
}

/** Past a Function's 10 s and its retries: a claim this old was left by a Function that failed. */
const STALE_INVITE_CLAIM_MS = 60_000;

async function transferAssignedTask(
  home: TaskHome,
  task: TaskSnapshot,
  attributes: Partial<HandoffAttributes>,
  deps: BridgeDeps,
  claimedAt: number | undefined,
): Promise<Routing> {
  const { flexInteractionSid, flexInteractionChannelSid } = task.attributes as FlexTaskAttributes;
  if (!flexInteractionSid || !flexInteractionChannelSid) {
    deps.warn('task is assigned to the AI and has no Flex interaction to transfer', { taskSid: task.sid });
    return 'stuck-assigned';
  }
  // One invite per engagement (per handoff time for one recorded before): a handoff being finished (the
  // next event), or a concurrent one with its own time, may find the task still assigned.
  const invite =
    claimedAt === undefined
      ? `invite_${task.sid}_${attributes.handoffTimestamp ?? ''}`
      : `invite_${handoffEngagement({ taskSid: task.sid, claimedAt })}`;
  const invites = () => deps.twilio.flex.listInvitedTasks(flexInteractionSid, flexInteractionChannelSid);
  const madeAlready = (invited: Awaited<ReturnType<typeof invites>>) =>
    invited.some((t) =>
      claimedAt === undefined
        ? alreadyCarries(t.attributes, attributes)
        : carriedHandoff(t.attributes, claimedAt) !== undefined,
    );
  const invited = async (): Promise<Routing> =>
    (await completeAiTask(home, task.sid, deps)) ? 'invited' : 'invited, AI task still open';
  if (!(await deps.state.claimOnce(invite, HANDOFF_CLAIM_TTL_SECONDS))) {
    // Another Function holds the invite: until the invited task exists, the AI's is all that carries
    // the conversation (completing it would end the conversation), so the inviting Function completes it.
    // Unless that Function failed and could not give the claim back: long after, this one invites.
    if (madeAlready(await invites())) return invited();
    if (!(await deps.state.takeOverStaleClaim(invite, STALE_INVITE_CLAIM_MS, HANDOFF_CLAIM_TTL_SECONDS)))
      return 'invite pending';
  }
  try {
    // An earlier attempt may have made the invite although its answer was lost (its claim was given
    // back), also since the look above: listed again once the claim is this one's.
    if (!madeAlready(await invites()))
      // The task's own workspace and workflow: the workflow is of that workspace, whatever the settings name now.
      await deps.twilio.flex.inviteToWorkflow(flexInteractionSid, flexInteractionChannelSid, {
        workspaceSid: home.workspaceSid,
        workflowSid: task.workflowSid,
        taskChannel: task.taskChannelUniqueName,
        attributes: withHandoff(task, attributes),
      });
  } catch (error) {
    await deps
      .lastStepState()
      .release(invite)
      .catch(() => undefined);
    throw error;
  }
  return invited();
}

/**
 * The AI's own task is done once humans have the invite: completing its reservation frees the AI
 * worker's capacity. False when one could not be completed.
 */
export async function completeAiTask(home: TaskHome, taskSid: string, deps: BridgeDeps): Promise<boolean> {
  const { taskrouter } = deps.twilio;
  const accepted = (await taskrouter.reservations(home.workspaceSid, taskSid, 'accepted')).filter((r) =>
    home.isAi(r.workerSid),
  );
  let completed = true;
  for (const reservation of accepted) {
    await taskrouter.completeReservation(home.workspaceSid, taskSid, reservation.sid).catch((error: unknown) => {
      completed = false;
      deps.warn('could not complete the AI reservation after the transfer', { error: String(error), taskSid });
    });
  }
  return completed;
}
