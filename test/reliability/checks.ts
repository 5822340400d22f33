// The reliability run's figures, computed only from what the simulators recorded (the customer's
// conversation, OpenCX's sessions, TaskRouter's events), never from the bridge's own logs. Pure
// functions of plain records, so each check is unit-tested against records that break it.

/** One conversation as the simulators saw it. Customer texts are unique within a conversation. */
export interface ConversationRecords {
  conversationSid: string;
  /** What the customer wrote, in the conversation's order. */
  customerTexts: string[];
  /** Every contact message OpenCX recorded on the conversation's sessions, in order. */
  opencxContactTexts: string[];
  /** How many OpenCX sessions name this conversation. */
  opencxSessions: number;
  /** OpenCX's AI handed the session off. */
  opencxHandedOff: boolean;
  /** The messages the bridge posted (`opencx` marker on the message). */
  ourMessages: { role: string; key: string }[];
  /**
   * What the customer read under the AI's name, whatever the bridge marked it: every text but our
   * notes. The AI's answers quote the customer's unique texts, so a text read twice is an answer posted twice.
   */
  aiPostBodies?: string[];
}

/** A TaskRouter event of the contact center's workspace, in the order TaskRouter emitted them. */
export interface TaskEvent {
  eventType: string;
  taskSid?: string;
  taskQueueSid?: string;
  /** The reservation's worker is an AI worker (`opencx_ai`). */
  aiWorker?: boolean;
  conversationSid?: string;
  /** The task's attributes as the event carried them. */
  attributes?: Record<string, unknown>;
}

export interface RunRecords {
  conversations: ConversationRecords[];
  taskEvents: TaskEvent[];
  aiQueueSid: string;
  humanQueueSid: string;
}

export interface Figures {
  conversations: number;
  customerMessages: number;
  /**
   * Neither reached OpenCX exactly once while the AI had the conversation, nor was left for a human after the handoff.
   */
  lostCustomerMessages: number;
  duplicateAiReplies: number;
  /** Conversations with more than one OpenCX session. */
  duplicateSessions: number;
  handoffs: number;
  /** Conversations handed off more than once. */
  doubleHandoffs: number;
  /** AI answers the customer read after the handoff note, while humans held the conversation. */
  aiRepliesAfterHandoff: number;
  handoffsNotInHumanQueue: number;
  /** Conversations whose task entered the AI queue while no AI worker had a free slot. */
  waitedForAiSlot: number;
}

const HANDOFF_KEYS = [
  'handedOff',
  'handoffReason',
  'handoffSummary',
  'handoffSentiment',
  'handoffLanguage',
  'handoffTimestamp',
] as const;

/**
 * The customer's messages that were lost. A message is safe when OpenCX got it exactly once (alone,
 * or as a line of a text joining several), or when OpenCX never got it, it came after every message
 * OpenCX got, and the conversation reached the human queue (it is waiting there for the agent).
 */
export function lostCustomerMessages(conversation: ConversationRecords, withHumans: boolean): string[] {
  // Messages queued behind a resend reach OpenCX as one text, a line each.
  const received = (text: string): number =>
    conversation.opencxContactTexts.filter((t) => t.split('\n').includes(text)).length;
  const lastSeen = conversation.customerTexts.reduce((last, text, index) => (received(text) > 0 ? index : last), -1);
  return conversation.customerTexts.filter((text, index) => {
    const times = received(text);
    if (times === 1) return false;
    return !(times === 0 && index > lastSeen && withHumans);
  });
}

/**
 * AI replies the customer read more than once: posts beyond the first of the same OpenCX answer, by
 * the bridge's key or by the text the customer read (a second post under another key, or unmarked).
 */
export function duplicateAiReplies(conversation: ConversationRecords): number {
  const extra = (values: string[]) => values.length - new Set(values).size;
  const keys = conversation.ourMessages.filter((m) => m.role === 'ai').map((m) => m.key);
  return Math.max(extra(keys), extra(conversation.aiPostBodies ?? []));
}

/**
 * The AI's answers posted after a handoff note (and before any hand-back note): the customer read the
 * AI while humans held the conversation. Only our marked posts are in order; notes keep their place.
 */
export function aiRepliesAfterHandoff(conversation: ConversationRecords): number {
  let humansHold = false;
  let replies = 0;
  for (const { role } of conversation.ourMessages) {
    if (role === 'handoff-note') humansHold = true;
    else if (role === 'handback-note') humansHold = false;
    else if (role === 'ai' && humansHold) replies += 1;
  }
  return replies;
}

function eventsOf(events: readonly TaskEvent[], conversationSid: string): TaskEvent[] {
  return events.filter((e) => e.conversationSid === conversationSid);
}

/**
 * How many times the conversation was handed off: the handoff notes the customer got, or the
 * distinct handoff times written onto its tasks, whichever is more.
 */
export function handoffCount(conversation: ConversationRecords, events: readonly TaskEvent[]): number {
  const notes = conversation.ourMessages.filter((m) => m.role === 'handoff-note').length;
  const times = new Set(
    eventsOf(events, conversation.conversationSid).flatMap((e) =>
      e.attributes?.handedOff === true ? [String(e.attributes.handoffTimestamp)] : [],
    ),
  );
  return Math.max(notes, times.size);
}

/** The conversation went to humans: OpenCX handed off, or the bridge marked or noted a handoff. */
export function handedOff(conversation: ConversationRecords, events: readonly TaskEvent[]): boolean {
  return conversation.opencxHandedOff || handoffCount(conversation, events) > 0;
}

export function reachedQueue(conversationSid: string, events: readonly TaskEvent[], queueSid: string): boolean {
  return eventsOf(events, conversationSid).some(
    (e) => e.eventType === 'task-queue.entered' && e.taskQueueSid === queueSid,
  );
}

/**
 * Conversations that waited for an AI slot. TaskRouter offers a task the moment it enters a queue
 * with a free worker, in the same step: a task whose AI reservation did not follow its entry into
 * the AI queue before any other task's event (or never came) was queued with the AI pool full.
 */
export function waitedForAiSlot(events: readonly TaskEvent[], aiQueueSid: string): Set<string> {
  const waited = new Set<string>();
  events.forEach((entered, index) => {
    if (entered.eventType !== 'task-queue.entered' || entered.taskQueueSid !== aiQueueSid) return;
    const next = events
      .slice(index + 1)
      .find((e) => e.taskSid !== entered.taskSid || (e.eventType === 'reservation.created' && e.aiWorker));
    const offeredAtOnce = next?.taskSid === entered.taskSid;
    if (!offeredAtOnce) waited.add(entered.conversationSid ?? entered.taskSid ?? '');
  });
  return waited;
}

/** Where AI replies followed a handoff note, for the run's report: `conversation: role, role, …` in order. */
export function repliesAfterHandoffExamples(records: RunRecords, most = 3): string[] {
  return records.conversations
    .filter((c) => aiRepliesAfterHandoff(c) > 0)
    .map((c) => `${c.conversationSid}: ${c.ourMessages.map((m) => m.role).join(', ')}`)
    .slice(0, most);
}

/** Where the lost messages were, for the run's report: `conversation: "text"` (with humans or not). */
export function lostMessageExamples(records: RunRecords, most = 5): string[] {
  return records.conversations
    .flatMap((c) => {
      const withHumans = reachedQueue(c.conversationSid, records.taskEvents, records.humanQueueSid);
      return lostCustomerMessages(c, withHumans).map(
        (text) =>
          `${c.conversationSid} "${text}" (${withHumans ? 'with humans' : 'not with humans'}, OpenCX got ` +
          `${c.opencxContactTexts.filter((t) => t === text).length}x)`,
      );
    })
    .slice(0, most);
}

export function figures(records: RunRecords): Figures {
  const { conversations, taskEvents } = records;
  let lost = 0;
  let duplicates = 0;
  let handoffs = 0;
  let doubles = 0;
  let afterHandoff = 0;
  let notRouted = 0;
  for (const conversation of conversations) {
    const withHumans = reachedQueue(conversation.conversationSid, taskEvents, records.humanQueueSid);
    lost += lostCustomerMessages(conversation, withHumans).length;
    duplicates += duplicateAiReplies(conversation);
    afterHandoff += aiRepliesAfterHandoff(conversation);
    if (handedOff(conversation, taskEvents)) {
      handoffs += 1;
      if (!withHumans) notRouted += 1;
    }
    if (handoffCount(conversation, taskEvents) > 1) doubles += 1;
  }
  return {
    conversations: conversations.length,
    customerMessages: conversations.reduce((sum, c) => sum + c.customerTexts.length, 0),
    lostCustomerMessages: lost,
    duplicateAiReplies: duplicates,
    duplicateSessions: conversations.filter((c) => c.opencxSessions > 1).length,
    handoffs,
    doubleHandoffs: doubles,
    aiRepliesAfterHandoff: afterHandoff,
    handoffsNotInHumanQueue: notRouted,
    waitedForAiSlot: waitedForAiSlot(taskEvents, records.aiQueueSid).size,
  };
}

/** The figures that must be 0, by name. */
export const GUARANTEES = [
  'lostCustomerMessages',
  'duplicateAiReplies',
  'duplicateSessions',
  'doubleHandoffs',
  'aiRepliesAfterHandoff',
  'handoffsNotInHumanQueue',
  'waitedForAiSlot',
] as const;

export function brokenGuarantees(result: Figures): string[] {
  return GUARANTEES.filter((name) => result[name] !== 0).map((name) => `${name} = ${result[name]}`);
}

/**
 * Attributes lost to concurrent writers: each attribute another writer wrote (its last value)
 * must still be on the task, and so must our handoff attributes when the conversation was handed off.
 */
export function lostAttributes(
  final: Record<string, unknown>,
  theirs: Record<string, unknown>,
  handedOffHere: boolean,
): string[] {
  const lostTheirs = Object.entries(theirs)
    .filter(([key, value]) => JSON.stringify(final[key]) !== JSON.stringify(value))
    .map(([key]) => `theirs: ${key}`);
  const lostOurs = handedOffHere
    ? HANDOFF_KEYS.filter((key) => final[key] === undefined).map((key) => `ours: ${key}`)
    : [];
  return [...lostTheirs, ...lostOurs];
}
