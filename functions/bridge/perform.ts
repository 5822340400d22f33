// Carries out a decision through the one Twilio module and the one OpenCX client.
import type { BridgeConfig } from '../common/config';
import { OpenCxClient, OpenCxError } from '../common/opencx-client';
import { Deadline } from '../common/retry';
import type { FlexTaskAttributes, HandoffAttributes } from '../common/task-attributes';
import { mayHaveBeenProcessed } from '../common/twilio';
import type { NewMessage, TaskSnapshot, TwilioApis } from '../common/twilio';
import { restoreAfterTimeout } from './ai-worker';
import type { ConversationRecord } from './conversation-record';
import { flattenAttributes, flexSidsCustomData } from './custom-data';
import { AfterAnswer, Decision, afterAnswer, aiUnavailable, isFromCustomer } from './decide';
import { dedupKey } from './dedup';
import { handoffAttributes, handoffNote } from './handoff';
import type { BridgeState } from './state';

export interface BridgeDeps {
  config: BridgeConfig;
  twilio: TwilioApis;
  opencx: OpenCxClient;
  state: BridgeState;
  /** The whole handler's deadline. */
  deadline: Deadline;
  /** Kept free after the AI call for the handoff writes. */
  handoffReserveMs: number;
  now: () => Date;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

export interface Outcome {
  outcome: string;
  sessionId?: string;
  [detail: string]: unknown;
}

type Of<A extends Decision['action']> = Extract<Decision, { action: A }>;

export async function perform(decision: Decision, record: ConversationRecord | undefined, deps: BridgeDeps): Promise<Outcome> {
  switch (decision.action) {
    case 'ignore':
    case 'refuse':
      return { outcome: decision.action, reason: decision.reason };
    case 'engage':
      return engage(decision, deps);
    case 'reengage':
      return reengage(decision, deps);
    case 'relay':
      return relay(decision, record!, deps);
    case 'handoff':
      return handOff(decision.conversationSid, record!, { next: 'handoff', reason: decision.reason, summary: decision.summary }, deps);
    case 'decline':
      return decline(decision, deps);
    case 'record-human':
      return recordHuman(decision, record!, deps);
    case 'restore-ai-worker':
      return restoreAiWorker(deps);
    case 'end':
      return end(decision, record!, deps);
  }
}

const aiDeadline = (deps: BridgeDeps): Deadline => new Deadline(Math.max(0, deps.deadline.remaining() - deps.handoffReserveMs));

/** OpenCX channel type for a Flex channelType. */
export function opencxChannel(channelType: unknown): string {
  const known: Record<string, string> = { sms: 'sms', whatsapp: 'whatsapp', web: 'web', chat: 'web', messenger: 'messenger', instagram: 'instagram', email: 'email' };
  return typeof channelType === 'string' ? (known[channelType.toLowerCase()] ?? 'api') : 'api';
}

async function engage(d: Of<'engage'>, deps: BridgeDeps): Promise<Outcome> {
  const record: ConversationRecord = {
    workspaceSid: deps.config.workspaceSid,
    taskSid: d.taskSid,
    reservationSid: d.reservationSid,
    phase: 'ai',
    claimedAt: deps.now().getTime(),
  };
  const claim = await deps.state.claim(d.conversationSid, record);
  if (!claim.claimed) return reengage(d, deps);

  let sessionId: string;
  try {
    sessionId = await deps.opencx.createSession(
      {
        channel: { type: opencxChannel(d.attributes.channelType) },
        custom_data: {
          ...flattenAttributes(d.attributes),
          ...flexSidsCustomData({ taskSid: d.taskSid, reservationSid: d.reservationSid, conversationSid: d.conversationSid }),
        },
      },
      aiDeadline(deps),
    );
  } catch (error) {
    return handOff(d.conversationSid, record, aiUnavailable(), deps, { error: String(error) });
  }
  let engaged: ConversationRecord = { ...record, sessionId };
  let fresh: string[];
  try {
    engaged = (await deps.state.update(d.conversationSid, (r) => ({ ...r, sessionId }))) ?? engaged;
    fresh = await unansweredCustomerMessages(d.conversationSid, deps);
  } catch (error) {
    // Without the session recorded or the conversation read, the AI cannot answer: humans can.
    deps.warn('engage failed after the OpenCX session was created; handing off', { error: String(error), sessionId });
    return handOff(d.conversationSid, engaged, aiUnavailable(), deps, { error: String(error) });
  }
  if (fresh.length === 0) return { outcome: 'engaged', sessionId, sent: 0 };
  const result = await answerCustomer(d.conversationSid, engaged, fresh.join('\n'), deps);
  return { ...result, outcome: `engaged+${result.outcome}`, sent: fresh.length };
}

/** Customer messages in the conversation that no Function has sent to OpenCX yet. */
async function unansweredCustomerMessages(conversationSid: string, deps: BridgeDeps): Promise<string[]> {
  const messages = await deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, conversationSid, { order: 'asc', limit: 200 });
  const fresh: string[] = [];
  for (const message of messages) {
    if (!isFromCustomer(message.author, message.attributes, deps.config) || !message.body.trim()) continue;
    if (await deps.state.firstSighting(dedupKey(conversationSid, message.body, message.sentAt))) fresh.push(message.body);
  }
  return fresh;
}

/** The AI got a new reservation for a conversation it already holds (e.g. after a timeout). */
async function reengage(d: { conversationSid: string; taskSid: string; reservationSid: string }, deps: BridgeDeps): Promise<Outcome> {
  const record = await deps.state.update(d.conversationSid, (r) => ({ ...r, taskSid: d.taskSid, reservationSid: d.reservationSid }));
  if (record?.sessionId) {
    await deps.opencx
      .sendAgentNote(record.sessionId, 'Flex re-offered the conversation to the AI.', flexSidsCustomData(d), aiDeadline(deps))
      .catch((error: unknown) => deps.warn('could not record the new reservation on the OpenCX session', { error: String(error) }));
  }
  return { outcome: 'reengaged', sessionId: record?.sessionId };
}

async function relay(d: Of<'relay'>, record: ConversationRecord, deps: BridgeDeps): Promise<Outcome> {
  let current: ConversationRecord | undefined = record;
  if (!current.sessionId) current = await deps.state.waitForSession(d.conversationSid, Math.min(2500, deps.deadline.remaining() / 2));
  if (!current?.sessionId || current.phase !== 'ai') {
    // Not lost: the message stays in the conversation, and the engage (or the human) reads it.
    return { outcome: 'deferred', reason: 'the OpenCX session is not ready yet; the engaging Function sends the conversation so far' };
  }
  const key = dedupKey(d.conversationSid, d.message.body, d.message.sentAt);
  if (!(await deps.state.firstSighting(key))) return { outcome: 'duplicate', sessionId: current.sessionId };
  return answerCustomer(d.conversationSid, current, d.message.body, deps);
}

async function answerCustomer(conversationSid: string, record: ConversationRecord, text: string, deps: BridgeDeps): Promise<Outcome> {
  let next: AfterAnswer;
  try {
    next = afterAnswer(await deps.opencx.sendContactMessage(record.sessionId!, text, undefined, aiDeadline(deps)));
  } catch (error) {
    next = aiUnavailable();
    deps.warn('OpenCX failed; handing off', { error: String(error), sessionId: record.sessionId });
  }
  if (next.reply) await postAiMessage(conversationSid, next.reply, record.sessionId, deps);
  if (next.next === 'handoff') return handOff(conversationSid, record, next, deps);
  return { outcome: 'replied', sessionId: record.sessionId };
}

async function postAiMessage(conversationSid: string, body: string, sessionId: string | undefined, deps: BridgeDeps): Promise<boolean> {
  try {
    await postMessageOnce(conversationSid, { author: deps.config.aiAuthorName, body, attributes: { opencx: { role: 'ai', sessionId } } }, deps);
    return true;
  } catch (error) {
    deps.warn('could not post the AI reply', { error: String(error), conversationSid });
    return false;
  }
}

/**
 * Posts a message. A post that failed after Twilio may have processed it (a 5xx, a lost answer)
 * is posted again only when the newest messages do not already hold it.
 */
async function postMessageOnce(conversationSid: string, message: NewMessage, deps: BridgeDeps): Promise<void> {
  const { conversations } = deps.twilio;
  const serviceSid = deps.config.conversationsServiceSid;
  try {
    await conversations.postMessage(serviceSid, conversationSid, message);
    return;
  } catch (error) {
    if (!mayHaveBeenProcessed(error)) throw error;
  }
  const attributes = JSON.stringify(message.attributes);
  const recent = await conversations.listMessages(serviceSid, conversationSid, { order: 'desc', limit: 20 });
  if (recent.some((m) => m.author === message.author && m.body === message.body && JSON.stringify(m.attributes) === attributes)) return;
  await conversations.postMessage(serviceSid, conversationSid, message);
}

async function handOff(
  conversationSid: string,
  record: ConversationRecord,
  next: Extract<AfterAnswer, { next: 'handoff' }>,
  deps: BridgeDeps,
  extra: Record<string, unknown> = {},
): Promise<Outcome> {
  // The AI goes silent first, so no customer message slips through while we hand off. Only the
  // caller that moves the conversation out of the AI phase hands off: a second handoff (or one
  // after a human accepted) would overwrite the reason and re-route the human's task.
  const won = await deps.state.transition(conversationSid, 'ai', 'handoff').catch((error: unknown) => {
    deps.warn('could not mark the conversation handed off; handing off anyway', { error: String(error) });
    return record;
  });
  if (!won) return { outcome: 'handoff-skipped', sessionId: record.sessionId, reason: 'the conversation is already with humans' };
  let language: string | null | undefined;
  if (record.sessionId && deps.deadline.remaining() > deps.handoffReserveMs) {
    language = await deps.opencx
      .getSession(record.sessionId, new Deadline(Math.min(1000, deps.deadline.remaining() - deps.handoffReserveMs)))
      .then((s) => s.language)
      .catch(() => undefined);
  }
  const attributes = handoffAttributes({ reason: next.reason, summary: next.summary, sentiment: next.sentiment, language, sessionId: record.sessionId, at: deps.now() });
  const released = await routeToHumans(record.taskSid, attributes, deps);
  const note = { author: deps.config.aiAuthorName, body: handoffNote(attributes), attributes: { opencx: { role: 'handoff-note', sessionId: record.sessionId } } };
  const noted = await postMessageOnce(conversationSid, note, deps)
    .then(() => true)
    .catch((error: unknown) => (deps.warn('could not post the handoff note', { error: String(error) }), false));
  return { outcome: 'handed-off', sessionId: record.sessionId, reason: attributes.handoffReason, released, noted, ...extra };
}

/**
 * Writes the handoff attributes and gets the task to the human queue from whatever state it is
 * in: reserved to the AI (reject), re-routed by the write itself, or assigned to the AI
 * (a Flex Interactions invite, since an accepted reservation cannot be rejected).
 */
async function routeToHumans(taskSid: string, attributes: Partial<HandoffAttributes>, deps: BridgeDeps): Promise<string> {
  const { workspaceSid, aiWorkerSid } = deps.config;
  // An assigned task normally belongs to a human: only the AI's own assignment is transferred.
  const heldByHuman = async (task: TaskSnapshot): Promise<boolean> =>
    task.assignmentStatus === 'assigned' && !(await deps.twilio.taskrouter.reservations(workspaceSid, taskSid, 'accepted')).some((r) => r.workerSid === aiWorkerSid);
  const before = await mergeTaskAttributesUnless(taskSid, attributes, heldByHuman, deps);
  if (before.assignmentStatus === 'assigned') return before.written ? transferAssignedTask(before, attributes, deps) : 'already-with-a-human';
  if (before.assignmentStatus !== 'pending' && before.assignmentStatus !== 'reserved') return `left ${before.assignmentStatus}`;
  const pending = (await deps.twilio.taskrouter.reservations(workspaceSid, taskSid, 'pending')).filter((r) => r.workerSid === aiWorkerSid);
  if (pending.length === 0) return 'rerouted';
  const results = await Promise.all(pending.map((r) => deps.twilio.taskrouter.rejectReservation(workspaceSid, taskSid, r.sid)));
  // 'not-pending' is normal: the attribute write already canceled the reservation and re-routed the task.
  return results.includes('rejected') ? 'rejected' : 'rerouted';
}

/**
 * Merges `changes` into the task's attributes with If-Match, re-reading on a conflict, unless
 * `skip` says the task (as just read) is not ours to change. Returns the task as it was before.
 */
async function mergeTaskAttributesUnless(
  taskSid: string,
  changes: Record<string, unknown>,
  skip: (task: TaskSnapshot) => Promise<boolean>,
  deps: BridgeDeps,
  attempts = 5,
): Promise<TaskSnapshot & { written: boolean }> {
  const { taskrouter } = deps.twilio;
  const { workspaceSid } = deps.config;
  for (let attempt = 1; ; attempt++) {
    const task = await taskrouter.fetchTask(workspaceSid, taskSid);
    if (Object.keys(changes).length === 0 || (await skip(task))) return { ...task, written: false };
    if ((await taskrouter.updateTaskAttributes(workspaceSid, taskSid, { ...task.attributes, ...changes }, task.etag)) === 'updated') return { ...task, written: true };
    if (attempt >= attempts) throw new Error(`task ${taskSid}: too many concurrent attribute writers`);
  }
}

async function transferAssignedTask(task: TaskSnapshot, attributes: object, deps: BridgeDeps): Promise<string> {
  const taskAttributes = task.attributes as FlexTaskAttributes;
  const { flexInteractionSid, flexInteractionChannelSid } = taskAttributes;
  if (!flexInteractionSid || !flexInteractionChannelSid) {
    deps.warn('task is assigned to the AI and has no Flex interaction to transfer', { taskSid: task.sid });
    return 'stuck-assigned';
  }
  await deps.twilio.flex.inviteToWorkflow(flexInteractionSid, flexInteractionChannelSid, {
    workspaceSid: deps.config.workspaceSid,
    workflowSid: task.workflowSid,
    taskChannel: task.taskChannelUniqueName,
    attributes: { ...task.attributes, ...attributes },
  });
  // The AI's own task is done once humans have the invite: free the AI worker's capacity.
  const accepted = (await deps.twilio.taskrouter.reservations(deps.config.workspaceSid, task.sid, 'accepted')).filter((r) => r.workerSid === deps.config.aiWorkerSid);
  for (const reservation of accepted) {
    await deps.twilio.taskrouter.completeReservation(deps.config.workspaceSid, task.sid, reservation.sid).catch((error: unknown) => deps.warn('could not complete the AI reservation after the transfer', { error: String(error) }));
  }
  return 'invited';
}

async function decline(d: Of<'decline'>, deps: BridgeDeps): Promise<Outcome> {
  const attributes =
    d.attributes.handedOff === true ? {} : handoffAttributes({ reason: 'AI cannot handle this task', summary: d.reason, at: deps.now() });
  deps.warn(`declining the AI reservation: ${d.reason}`, { taskSid: d.taskSid, reservationSid: d.reservationSid });
  const released = await routeToHumans(d.taskSid, attributes, deps);
  return { outcome: 'declined', reason: d.reason, released };
}

async function recordHuman(d: Of<'record-human'>, record: ConversationRecord, deps: BridgeDeps): Promise<Outcome> {
  const taskSid = d.taskSid;
  await deps.state.update(d.conversationSid, (r) => ({ ...r, phase: 'human', taskSid, reservationSid: d.reservationSid, humanWorkerSid: d.workerSid }));
  if (record.sessionId) {
    const customData = { ...flexSidsCustomData({ taskSid, reservationSid: d.reservationSid, conversationSid: d.conversationSid }), flex_agent_sid: d.workerSid, flex_agent_name: d.workerName };
    await deps.opencx
      .sendAgentNote(record.sessionId, `Flex agent ${d.workerName} accepted the conversation.`, customData, new Deadline(deps.deadline.remaining()))
      .catch((error: unknown) => deps.warn('could not record the agent on the OpenCX session', { error: String(error) }));
  }
  return { outcome: 'human-accepted', sessionId: record.sessionId };
}

async function restoreAiWorker(deps: BridgeDeps): Promise<Outcome> {
  const change = await restoreAfterTimeout(deps.twilio.taskrouter, deps.config.workspaceSid, deps.config.aiWorkerSid);
  if (change.changed) return { outcome: 'ai-worker-restored', from: change.from, to: change.to };
  return change.from ? { outcome: 'ai-worker-left', reason: `the AI worker is ${change.from}, set on purpose` } : { outcome: 'ai-worker-available' };
}

async function end(d: Of<'end'>, record: ConversationRecord, deps: BridgeDeps): Promise<Outcome> {
  if (record.sessionId) {
    const status = record.phase === 'ai' ? 'closed_resolved' : 'closed_unresolved';
    // Our state is cleared whatever OpenCX answers: TaskRouter does not retry its events.
    await deps.opencx
      .updateSessionStatus(record.sessionId, status, new Deadline(deps.deadline.remaining()))
      .catch((error: unknown) => deps.warn('could not close the OpenCX session', { error: String(error), sessionId: record.sessionId }));
  }
  await deps.state.forget(d.conversationSid);
  return { outcome: 'ended', sessionId: record.sessionId, reason: d.reason };
}
