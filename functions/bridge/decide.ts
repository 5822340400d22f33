// What should happen for each event: a plain function of the event, the configuration and our
// record of the conversation. Each listener declares which event types it handles.
import { type BridgeConfig, isAiPoolWorker } from '../common/config';
import { aiMembership } from '../admin-lib/setup/expressions';
import { carriedRoute, type OfferRoute } from './offer-queue';
import { type AiAnswer, carriesContactMessage, type HistoryItem, type SessionStatus } from '../common/opencx-client';
import { type FlexTaskAttributes, isConversationSid } from '../common/task-attributes';
import { type ConversationRecord, supersededOffer } from './conversation-record';
import { answerKey } from './dedup';
import type { BridgeEvent, ConversationEvent, CustomerMessage, OpencxBridgeEvent, TaskRouterEvent } from './events';
import { type IdleTimer, readIdleTimer } from './idle';
import { armedByLatestInvite, handbackEnd, handedBackFrom, isHandbackTask } from './handback';
import { queuedForResend } from './rate-limit';
import { AI_UNAVAILABLE } from './handoff';
import { AI_REQUESTED_HANDOFF } from './opencx-events';

/** Why and how the conversation goes to humans; `reply` is the AI's last words, posted first. */
export interface HandoffRequest {
  reason: string;
  summary?: string;
  sentiment?: string;
  language?: string;
  reply?: string;
  /** OpenCX's id of `reply`. */
  answerId?: string;
  /** OpenCX's AI decided it (not a failure or a timeout). */
  byAi?: boolean;
  /**
   * Decided in OpenCX's answer to a message, so `reply` is all the AI said: without one, no last
   * words follow (OpenCX's handoff event does not say, and its last words may come after it).
   */
  inAnswer?: boolean;
  /** When OpenCX's handoff event says it handed off (epoch ms): answers it made later are not last words. */
  aiAt?: number;
}

/** OpenCX's AI decided it outside an answer that said all it would (its own event): its last words may come after. */
export const lastWordsMayFollow = (request: HandoffRequest): boolean =>
  request.byAi === true && !request.inAnswer && request.reply === undefined;

export type Decision =
  | { action: 'ignore'; reason: string }
  | {
      action: 'engage';
      conversationSid: string;
      taskSid: string;
      reservationSid: string;
      /** When TaskRouter made the offer (epoch ms), if its event said. */
      offeredAt?: number;
      attributes: FlexTaskAttributes;
      /**
       * Decided again by the offer's timer: a claim of this same offer without a session is the
       * failed engage's, taken over whatever its age, if made before the timer was armed
       * (`claimedBefore`, epoch ms; unknown for a timer armed before it was carried). A claim made
       * since is another firing's, live (a duplicate event, or a timer of a retried offer).
       */
      takeOver?: { claimedBefore?: number };
      /**
       * Decided again by the offer's timer, which may fire minutes later (a Sync outage): engaged only
       * while TaskRouter still offers this worker the reservation.
       */
      retried?: { workerSid: string };
      /** The task's workspace when the settings name another (`taskWorkspace`); absent: the settings'. */
      workspaceSid?: string;
    }
  | {
      action: 'reengage';
      conversationSid: string;
      taskSid: string;
      reservationSid: string;
      offeredAt?: number;
      /** The task's workspace when the settings name another (`taskWorkspace`); absent: the settings'. */
      workspaceSid?: string;
    }
  | {
      action: 'resume';
      conversationSid: string;
      taskSid: string;
      reservationSid: string;
      attributes: FlexTaskAttributes;
      offeredAt?: number;
      /** The task's workspace when the settings name another (`taskWorkspace`); absent: the settings'. */
      workspaceSid?: string;
    }
  | {
      action: 'decline';
      taskSid: string;
      reservationSid: string;
      /** The task's workspace when the settings name another (`taskWorkspace`); absent: the settings'. */
      workspaceSid?: string;
      conversationSid?: string;
      attributes: FlexTaskAttributes;
      /** For the logs. */
      reason: string;
      /** For the agent who gets the task: the handoff summary their panel shows. */
      summary: string;
      /** When TaskRouter offered it: the handoff's time, the same for a repeated delivery of the offer. */
      offeredAt?: number;
    }
  | { action: 'relay'; conversationSid: string; message: CustomerMessage }
  | { action: 'handoff'; conversationSid: string; request: HandoffRequest }
  | {
      action: 'answer';
      conversationSid: string;
      sessionId: string;
      /** `at`: when OpenCX sent it, which keys an answer without an id (`answerKey`). */
      answer: { answerId?: string; text: string; at?: number };
      /**
       * The AI's last words of a handoff it decided that recorded none: only the first answer that
       * records itself as them is posted (a later one may be an earlier message's, redelivered).
       */
      asFarewell?: true;
    }
  | {
      action: 'check-answered';
      conversationSid: string;
      sessionId: string;
      messageSid: string;
      send: WatchedSend;
      /** Armed again after a failure: a resend already claimed means OpenCX may have the text. */
      rearmed?: boolean;
    }
  | {
      action: 'resend';
      conversationSid: string;
      /** The first timer of this resend: a timer armed again after a failure resends under its claim. */
      timerSid: string;
      /** Armed again after a failure: a claim already taken means OpenCX may have the text. */
      rearmed: boolean;
      text: string;
      messageSids: string[];
      since: number;
    }
  | { action: 'finish-handoff'; conversationSid: string }
  | {
      /** No AI worker took the handed-back conversation in time: it goes to humans on the invited task. */
      action: 'handback-untaken';
      conversationSid: string;
      /** The handback's time (`Handback.at`). */
      at: string;
      /** The click that invited again and armed this timer (`Handback.invitedAt`). */
      invitedAt?: string;
      /** The human's interaction, to find the invited task when the invite's answer was lost. */
      interaction?: { sid: string; channelSid: string };
    }
  | {
      action: 'close-if-idle';
      conversationSid: string;
      timer: IdleTimer;
      minutes: number;
      /** When the timer fired by TaskRouter's clock, which the conversation's message times share. */
      firedAt?: number;
      /** The customer's author name, when the engage found it (`ConversationRecord.customerAuthor`). */
      customerAuthor?: string;
    }
  /** An idle timer fired while idle close is off: the session owes one, armed once it is on again. */
  | { action: 'owe-idle-timer'; conversationSid: string }
  | { action: 'silence-ai'; conversationSid: string; reason: string }
  | {
      action: 'record-human';
      conversationSid: string;
      taskSid: string;
      reservationSid: string;
      workerSid: string;
      workerName: string;
      /** When the human accepted, by TaskRouter's clock (`ConversationRecord.acceptedAt`). */
      acceptedAt?: number;
    }
  | {
      action: 'restore-ai-worker';
      taskSid: string;
      reservationSid: string;
      workerSid: string;
      /** The task's workspace when the settings name another (`taskWorkspace`); absent: the settings'. */
      workspaceSid?: string;
    }
  | {
      action: 'end';
      conversationSid: string;
      taskSid: string;
      reason: string;
      /** Humans hold it: a transfer (or a handback's invite) may carry it on in another task, which keeps it going. */
      unlessTransferred?: boolean;
      /**
       * When the task ended, as TaskRouter raised it (ISO 8601): the insight of the end is keyed on it,
       * so the same event delivered twice at once is counted once. Absent: when it is performed.
       */
      at?: string;
    }
  /** A conversation ended, and closing its OpenCX session failed then. */
  | { action: 'close-session'; sessionId: string; status: ClosedStatus };

export type ClosedStatus = Exclude<SessionStatus, 'open'>;

export interface DecisionContext {
  config: BridgeConfig;
  record?: ConversationRecord;
  /** The queue a new AI offer came through, when it could be read (`offerRouteOf`). */
  offerRoute?: OfferRoute;
}

/**
 * The AI's own route: the queue the settings name, one whose Target Workers take the AI workers in
 * by `opencx_ai`, or a workflow target through the queue that names the worker or selects by
 * `opencx_ai` (as the setup check reads them). Flex's "Everyone" (`1==1`) alone is not: a workflow
 * routing chats there (no AI filter yet, or after Undo) means them for humans.
 */
export const servesAi = (route: OfferRoute, config: BridgeConfig): boolean =>
  route.sid === config.aiQueueSid || aiMembership(route.targetWorkers) === 'includes' || route.aiTarget;

interface Listener<E extends BridgeEvent> {
  name: string;
  handles: readonly E['type'][];
  decide(event: E, context: DecisionContext): Decision;
}

const ignore = (reason: string): Decision => ({ action: 'ignore', reason });

/**
 * The workspace of an event's task, on a decision about it, when the settings name another: a
 * conversation that began there before a save moved the settings lives on in it, and every read or
 * write of its task, reservations and workers goes there. Absent in the settings' own workspace.
 */
export const taskWorkspace = (
  event: Pick<TaskRouterEvent, 'workspaceSid'>,
  config: Pick<BridgeConfig, 'workspaceSid'>,
): { workspaceSid?: string } =>
  event.workspaceSid && event.workspaceSid !== config.workspaceSid ? { workspaceSid: event.workspaceSid } : {};

/**
 * A reservation for any worker of the AI pool. Its attributes count too: a worker a settings save
 * has just added is offered tasks before every Function has read the new pool.
 */
const isAi = (event: TaskRouterEvent, config: TimerSettings): boolean =>
  (config.aiWorkerSid !== undefined &&
    isAiPoolWorker({ ...config, aiWorkerSid: config.aiWorkerSid }, event.workerSid)) ||
  event.workerIsAi === true;

/**
 * What arming a timer for a failed event needs of the settings. Without the pool (settings that could
 * not be read, the timer workspace found by its name), a worker's own `opencx_ai` mark tells the AI's.
 */
export type TimerSettings = Pick<BridgeConfig, 'timerWorkspaceSid' | 'timerWorkflowSid'> &
  Partial<Pick<BridgeConfig, 'workspaceSid' | 'aiWorkerSid' | 'aiWorkerSids' | 'aiDrainingWorkerSids'>>;

/** What the agent's panel says of a task the AI declined (its reason stays in the logs). */
export const DECLINE_SUMMARIES = {
  // Not written: such a task carries its handoff's own summary already.
  handedOff: 'This task was handed off to humans before the AI was offered it.',
  notAConversation: 'The AI answers messaging conversations only, so this task went straight to the human queue.',
  withHumans: 'An agent already had this conversation, so this task went to the human queue.',
  conversationGone: 'The conversation had closed before the AI could take it.',
  notAiQueue: "The workflow routed this task to a queue that is not the AI's, so it went to the human queue.",
} as const;

export const aiReservation: Listener<TaskRouterEvent> = {
  name: 'ai-reservation',
  handles: ['reservation.created'],
  decide(event, context) {
    const { config, record } = context;
    const attributes = event.taskAttributes ?? {};
    if (!isAi(event, config)) {
      // Humans got the conversation although our record still says the AI holds it (the
      // handoff's Sync write failed): the AI must go silent now. Not for a late offer of the task
      // an agent handed back to the AI: the AI goes on with the conversation.
      if (
        record?.phase === 'ai' &&
        typeof attributes.conversationSid === 'string' &&
        !handedBackFrom(record, event.taskSid) &&
        !beforeTheAisOffer(record, event)
      ) {
        return {
          action: 'silence-ai',
          conversationSid: attributes.conversationSid,
          reason: `worker ${event.workerSid} was offered the conversation`,
        };
      }
      return ignore(`reservation for worker ${event.workerSid}, not the AI worker`);
    }
    const conversationSid = attributes.conversationSid;
    const base = {
      taskSid: event.taskSid!,
      reservationSid: event.reservationSid!,
      ...(event.occurredAt !== undefined && { offeredAt: event.occurredAt }),
      ...taskWorkspace(event, config),
    };
    if (attributes.handedOff === true) {
      return {
        action: 'decline',
        ...base,
        conversationSid,
        attributes,
        reason: 'task was already handed off: the workflow must match handedOff == true before the AI filter',
        summary: DECLINE_SUMMARIES.handedOff,
      };
    }
    if (!isConversationSid(conversationSid)) {
      return {
        action: 'decline',
        ...base,
        attributes,
        reason: 'not a Conversations task: the AI only answers messaging tasks',
        summary: DECLINE_SUMMARIES.notAConversation,
      };
    }
    // An agent handed the conversation back: the AI resumes on the task the handback invited.
    if (isHandbackTask(attributes, record))
      return {
        action: 'resume',
        conversationSid,
        ...base,
        attributes,
      };
    // A late delivery of an offer of the task the conversation left when an agent handed it back:
    // taken for a new offer, it would move the AI's record off the task it now holds.
    if (record && handedBackFrom(record, event.taskSid))
      return ignore('a late offer of the task the agent handed back from; the AI holds the invited task');
    if (record && record.phase !== 'ai') {
      return {
        action: 'decline',
        ...base,
        conversationSid,
        attributes,
        reason: `conversation is already with humans (${record.phase})`,
        summary: DECLINE_SUMMARIES.withHumans,
      };
    }
    const offer = { ...base, offeredAt: event.occurredAt };
    if (record?.sessionId) {
      if (supersededOffer(record, offer))
        return ignore(`a late or repeated delivery of an AI offer; the AI holds ${record.reservationSid}`);
      return { action: 'reengage', conversationSid, ...offer };
    }
    // Only a new engage: a conversation the AI holds goes on wherever TaskRouter offers it again.
    if (context.offerRoute && !servesAi(context.offerRoute, config))
      return {
        action: 'decline',
        ...base,
        conversationSid,
        attributes,
        reason:
          `offered through queue ${context.offerRoute.sid}, ` +
          "which is not the AI's: not the settings' AI queue, and no opencx_ai in its Target Workers " +
          "or in the workflow's targets through it",
        summary: DECLINE_SUMMARIES.notAiQueue,
      };
    // A record without a session is a claim whose engage failed: engage again (it takes over).
    return { action: 'engage', conversationSid, ...offer, attributes };
  },
};

/**
 * A human's event of another task that happened before the AI was offered the conversation it holds
 * (a late delivery, of a task that ended before the conversation came back): it says nothing of now.
 * By TaskRouter's own clock on both sides.
 */
const beforeTheAisOffer = (record: ConversationRecord, event: TaskRouterEvent): boolean =>
  record.phase === 'ai' &&
  event.taskSid !== record.taskSid &&
  record.offeredAt !== undefined &&
  event.occurredAt !== undefined &&
  event.occurredAt < record.offeredAt;

/** An accept of another task older than the human's accept the record holds (TaskRouter's clock on both sides). */
const beforeLaterAccept = (record: ConversationRecord, event: TaskRouterEvent): boolean =>
  record.phase === 'human' &&
  event.taskSid !== record.taskSid &&
  record.acceptedAt !== undefined &&
  event.occurredAt !== undefined &&
  event.occurredAt < record.acceptedAt;

/**
 * An accept of the task the agent handed the conversation back from: made before that hand-back (an
 * agent hands back from a task they accepted, and wraps it up), so a late delivery or its timer; the
 * conversation has moved on since, whatever holds it now. An undone hand-back leaves no `handback`.
 */
const ofHandedBackTask = (record: ConversationRecord, event: TaskRouterEvent): boolean =>
  record.handback?.fromTaskSid === event.taskSid;

export const reservationAccepted: Listener<TaskRouterEvent> = {
  name: 'reservation-accepted',
  handles: ['reservation.accepted'],
  decide(event, { config, record }) {
    const conversationSid = event.taskAttributes?.conversationSid;
    if (isAi(event, config)) return ignore('the AI worker accepted its own reservation; the AI keeps answering');
    if (!conversationSid || !record) return ignore('a human accepted a task the AI never engaged');
    // A late delivery of the accept that came before the agent handed the conversation back.
    if (handedBackFrom(record, event.taskSid))
      return ignore('the task the agent handed back to the AI; the AI keeps the conversation');
    if (beforeTheAisOffer(record, event))
      return ignore("a late accept of another task, from before the AI's offer of the conversation");
    if (beforeLaterAccept(record, event))
      return ignore('a late accept of another task, from before the accept that holds the conversation now');
    if (ofHandedBackTask(record, event))
      return ignore('a late accept of the task the agent handed back to the AI since');
    return {
      action: 'record-human',
      conversationSid,
      taskSid: event.taskSid!,
      reservationSid: event.reservationSid!,
      workerSid: event.workerSid!,
      workerName: event.workerName ?? event.workerSid!,
      ...(event.occurredAt === undefined ? {} : { acceptedAt: event.occurredAt }),
    };
  },
};

export const reservationTimeout: Listener<TaskRouterEvent> = {
  name: 'reservation-timeout',
  handles: ['reservation.timeout'],
  decide(event, { config }) {
    if (!isAi(event, config)) return ignore('a human reservation timed out');
    return {
      action: 'restore-ai-worker',
      taskSid: event.taskSid!,
      reservationSid: event.reservationSid!,
      workerSid: event.workerSid!,
      ...taskWorkspace(event, config),
    };
  },
};

export const taskEnded: Listener<TaskRouterEvent> = {
  name: 'task-ended',
  handles: ['task.canceled', 'task.deleted', 'task.completed', 'workflow.timeout'],
  decide(event, { record }) {
    const conversationSid = event.taskAttributes?.conversationSid;
    if (!conversationSid || !record) return ignore(`${event.type} for a task the AI never engaged`);
    const end = {
      action: 'end' as const,
      conversationSid,
      taskSid: event.taskSid!,
      reason: event.reason ?? event.type,
      ...(event.occurredAt === undefined ? {} : { at: new Date(event.occurredAt).toISOString() }),
    };
    if (record.phase === 'handback') {
      const ending = handbackEnd(record.handback, event.taskSid!, event.type);
      if (ending === 'goes-on')
        return ignore(`${event.type} for ${event.taskSid}: the conversation was handed back to the AI`);
      // The invited task, if Flex made it, carries the conversation on as a transfer would.
      return ending === 'ends-unless-routed' ? { ...end, unlessTransferred: true } : end;
    }
    // A transfer goes on in a new task, which the task it left may end before anyone accepts: the
    // AI's own task after a handoff by invite, or an agent's task after Flex's transfer.
    if (record.phase === 'human' || record.phase === 'handoff') return { ...end, unlessTransferred: true };
    if (record.taskSid !== event.taskSid) {
      return ignore(`${event.type} for ${event.taskSid}, but the conversation now belongs to ${record.taskSid}`);
    }
    return end;
  },
};

export const informational: Listener<TaskRouterEvent> = {
  name: 'informational',
  handles: [
    'task.created',
    'workflow.target-matched',
    'reservation.rejected',
    'reservation.canceled',
    'reservation.rescinded',
  ],
  decide(event) {
    return ignore(`${event.type} needs no action`);
  },
};

/** A message the AI is sent (and owes an answer to): the customer's, with text (customerMessage relays it). */
export function isCustomerText(
  message: MessageOrigin & { body: string },
  config: BridgeConfig,
  customerAuthor?: string,
) {
  return (
    isFromCustomer(message, config) &&
    (customerAuthor === undefined || message.author === customerAuthor) &&
    message.body.trim() !== ''
  );
}

export const customerMessage: Listener<ConversationEvent> = {
  name: 'customer-message',
  handles: ['onMessageAdded'],
  decide(event, { config, record }) {
    const message = event.message!;
    if (!isFromCustomer(message, config))
      return ignore('message posted by the AI bridge or the system, not the customer');
    if (!record) return ignore('conversation is not held by the AI');
    if (record.customerAuthor !== undefined && message.author !== record.customerAuthor)
      return ignore(`message by ${message.author}, not the customer (${record.customerAuthor})`);
    if (record.phase === 'handoff' && !record.handoff?.routed)
      return { action: 'finish-handoff', conversationSid: event.conversationSid };
    if (record.phase === 'handback')
      return ignore('the conversation is being handed back: the AI reads this message when it resumes');
    if (record.phase !== 'ai') return ignore(`conversation is with humans (${record.phase}); the AI stays silent`);
    if (!message.body.trim()) {
      if (message.hasMedia)
        return { action: 'handoff', conversationSid: event.conversationSid, request: attachmentHandoff() };
      return ignore('message has no text');
    }
    return { action: 'relay', conversationSid: event.conversationSid, message };
  },
};

export const conversationLifecycle: Listener<ConversationEvent> = {
  name: 'conversation-lifecycle',
  handles: ['onConversationAdded', 'onParticipantAdded'],
  decide(event) {
    return ignore(`${event.type}: the AI engages on its TaskRouter reservation`);
  },
};

/** How the send a watchdog guards went; each flag is kept on the timer task's attributes. */
export interface WatchedSend {
  /** The message was already sent a second time: another miss hands off. */
  resent?: boolean;
  /** OpenCX answered the send with a server error: a history that cannot be read counts as missing it. */
  sendFailed?: boolean;
  /**
   * OpenCX had the whole message: it was still working on it when the handler stopped waiting, or
   * its history showed it after a server error.
   */
  stillWorking?: boolean;
  /**
   * The message could not be left for the engage while the session was being made: its claim tells
   * whether anyone sent it, and the watchdog sends it if nobody did.
   */
  unparked?: boolean;
  /**
   * The message was left for the engage making the session: the watchdog sends it if nobody claimed
   * it, and otherwise stands down (the engage's send is watched or resent on its own).
   */
  parked?: boolean;
  /**
   * The message was queued behind a rate-limited text's resend (always with `parked`): it waits for
   * that resend while it is not overdue, and once someone else claimed it, its answer is awaited
   * (the resend or a watchdog may fail after its claim).
   */
  queued?: boolean;
  /**
   * Our record of the conversation could not be read when the message came, so nobody may have
   * looked at it: its claim tells whether anyone sent it, and the watchdog decides it if nobody did.
   */
  unread?: boolean;
  /**
   * With `unread`: the index of the message that armed the watchdog. It watches every message of the
   * conversation from there on, so one watchdog serves a conversation through an outage of Sync.
   */
  fromIndex?: number;
  /**
   * The answer OpenCX's webhook was posting when this watchdog last looked (`answerInFlight`): armed
   * again to find it in, it waits for no answer twice.
   */
  awaitedAnswer?: string;
  /** OpenCX's rate limit refused this watchdog's look at its history once: the next refusal counts as before. */
  historyLimited?: boolean;
  /** OpenCX answered the message itself (only the answer's post is in doubt): an AI answer after it is its own. */
  aiAnswered?: boolean;
}

const WATCHED_SEND_FLAGS = [
  'resent',
  'sendFailed',
  'stillWorking',
  'unparked',
  'parked',
  'queued',
  'unread',
  'historyLimited',
  'aiAnswered',
] as const satisfies (keyof WatchedSend)[];

/** A watchdog timer (a task in our own timer workspace) expired: did the AI answer in time? */
export const answerWatchdog: Listener<TaskRouterEvent> = {
  name: 'answer-watchdog',
  handles: ['task.canceled'],
  decide(event, { record }) {
    const timer = event.taskAttributes ?? {};
    const conversationSid = timer.conversationSid;
    if (
      timer.opencxTimer !== 'answer' ||
      typeof conversationSid !== 'string' ||
      (timer.sessionId !== undefined && typeof timer.sessionId !== 'string') ||
      typeof timer.messageSid !== 'string'
    ) {
      return ignore('a task in the timer workspace that is not an answer timer');
    }
    // Armed while the session was being made (a message nobody could park): the session that
    // engage made since. A later engage (a new claim) read the conversation itself. Armed when the
    // record could not be read: whatever session the conversation has now.
    const unread = timer.unread === true;
    const sessionId = typeof timer.sessionId === 'string' ? timer.sessionId : record?.sessionId;
    if (timer.sessionId === undefined && !unread && record?.claimedAt !== timer.claimedAt)
      return ignore('the conversation was claimed again since the message failed');
    if (timer.sessionId === undefined && record?.phase === 'ai' && !record.sessionId)
      return unread
        ? ignore('the AI is being engaged: the engage reads the conversation itself')
        : { action: 'handoff', conversationSid, request: aiUnavailable(ENGAGE_NEVER_FINISHED) };
    const handoffCutShort = record?.phase === 'handoff' && !record.handoff?.routed;
    // A session-less handoff (of an engage that never made one) whose Function failed: this timer is all that is left.
    if (timer.sessionId === undefined && !unread && !record?.sessionId && handoffCutShort)
      return { action: 'finish-handoff', conversationSid };
    if (!record || !sessionId || record.sessionId !== sessionId)
      return ignore('the timer belongs to a conversation the AI no longer holds');
    if (handoffCutShort) return { action: 'finish-handoff', conversationSid };
    if (record.phase !== 'ai') return ignore(`conversation is with humans (${record.phase})`);
    const send: WatchedSend = {};
    for (const flag of WATCHED_SEND_FLAGS) if (timer[flag] === true) send[flag] = true;
    if (typeof timer.awaitedAnswer === 'string') send.awaitedAnswer = timer.awaitedAnswer;
    if (unread && typeof timer.fromIndex === 'number') send.fromIndex = timer.fromIndex;
    return {
      action: 'check-answered',
      conversationSid,
      sessionId,
      messageSid: timer.messageSid,
      send,
      ...(typeof timer.rearmed === 'number' && timer.rearmed > 0 ? { rearmed: true } : {}),
    };
  },
};

/** Timers armed again when their event could not be handled (an idle check too, or only the task timeout ends it). */
const REARMED_TIMERS = [
  'answer',
  'restore-worker',
  'resend',
  'end',
  'idle',
  'close-session',
  'offer',
  'accepted',
  'silence',
  'handback',
] as const;

/**
 * When a timer whose event could not be handled is armed again (seconds, by rearm count): nothing
 * else retries a timer's event. A customer's message (its answer watchdog, its resend) tries again
 * soon, then outlasts a longer Twilio or OpenCX outage: given up, the customer would be left with
 * neither an answer nor a human. An AI worker a reservation timeout left unavailable is put back as
 * patiently: nothing else would, and up to 50 customers' slots wait on it. So is an offer to the AI:
 * given up, the new chat waits unanswered for the reservation's timeout (10 to 60 minutes), and it
 * is engaged only while its reservation is still offered. So are a human's offer and accept: until one is
 * recorded, a record that still gives the AI the task (a handoff whose Sync write failed) lets the AI
 * answer in the agent's chat; decided again, it acts only while the conversation is still being handed
 * off or the AI's on that task. One that only cleans up after a task's end waits longer still.
 */
const CUSTOMER_BACKOFF = [15, 15, 15, 60, 120, 300, 600];
const CLEANUP_BACKOFF = [15, 60, 300, 900, 3600, 14_400];
const REARM_BACKOFF_SECONDS: Record<(typeof REARMED_TIMERS)[number], readonly number[]> = {
  answer: CUSTOMER_BACKOFF,
  resend: CUSTOMER_BACKOFF,
  handback: CUSTOMER_BACKOFF,
  offer: CUSTOMER_BACKOFF,
  accepted: CUSTOMER_BACKOFF,
  silence: CUSTOMER_BACKOFF,
  'restore-worker': CUSTOMER_BACKOFF,
  idle: CLEANUP_BACKOFF,
  end: CLEANUP_BACKOFF,
  'close-session': CLEANUP_BACKOFF,
};

const backoffOf = (timer: FlexTaskAttributes): readonly number[] | undefined => {
  const kind = REARMED_TIMERS.find((name) => name === timer.opencxTimer);
  return kind && REARM_BACKOFF_SECONDS[kind];
};

/** When a timer armed again fires. */
export function rearmDelaySeconds(timer: FlexTaskAttributes): number | undefined {
  const backoff = backoffOf(timer);
  const rearmed = typeof timer.rearmed === 'number' ? timer.rearmed : 1;
  return backoff?.[Math.min(rearmed, backoff.length) - 1];
}

/**
 * The attributes of a timer to arm when handling this event failed (a transient Twilio or OpenCX
 * failure), none once rearmed enough: a watchdog, so the conversation still ends answered or with
 * humans; a rate-limited message's resend, so it is not lost; putting back an AI worker a
 * reservation timeout left unavailable, which TaskRouter would not try again either; and the end of
 * a conversation's task, so its record and OpenCX session do not outlive it.
 */
export function timerToRearm(
  event: BridgeEvent,
  config: TimerSettings | undefined,
  /** The route the offer came through, when this handling read it (`offerRouteOf`). */
  offerRoute?: OfferRoute,
  /** When the timer is armed (epoch ms): an offer timer takes over only a claim older (`takeOver`). */
  now?: number,
  /** The conversation's record as this handling read it: an end timer carries its session. */
  record?: ConversationRecord,
): FlexTaskAttributes | undefined {
  if (event.surface !== 'taskrouter' || !config) return undefined;
  if (!isTimerWorkspace(event, config)) {
    const restore =
      event.type === 'reservation.timeout' && isAi(event, config) && event.workerSid
        ? { opencxTimer: 'restore-worker', workerSid: event.workerSid, rearmed: 1 }
        : undefined;
    const timer =
      event.type === 'reservation.timeout'
        ? restore
        : (endTimerFor(event, record) ??
          offerTimerFor(event, config, offerRoute, now) ??
          acceptTimerFor(event, config) ??
          silenceTimerFor(event, config));
    // Armed without the settings (they could not be read), it names where the event came from: the
    // settings, read when it fires, may name another workspace. So does one of an event from a workspace
    // the settings left, where the conversation's task lives: decided again, it acts there.
    return timer && event.workspaceSid !== config.workspaceSid
      ? { ...timer, [TIMER_ORIGIN]: event.workspaceSid }
      : timer;
  }
  if (event.type !== 'task.canceled') return undefined;
  const timer = event.taskAttributes;
  const kind = timer?.opencxTimer;
  const backoff = timer && backoffOf(timer);
  if (!timer || !backoff) return undefined;
  const rearmed = typeof timer.rearmed === 'number' ? timer.rearmed : 0;
  if (rearmed >= backoff.length) return undefined;
  return {
    ...timer,
    rearmed: rearmed + 1,
    ...(kind === 'resend' ? { resendOf: firstResendTimer(event) } : {}),
    ...(kind === 'offer' && now !== undefined ? { armedAt: now } : {}),
  };
}

/**
 * A customer's message whose handling failed: Conversations retries it only when the service has a
 * retry count (none by default), so an answer watchdog looks again. It finishes a handoff cut short
 * (soon: the customer was told a human is coming), or, after the usual wait, finds the AI's answer,
 * sends the message again when OpenCX never had it, or hands off.
 */
export function watchdogAfterFailure(
  event: BridgeEvent,
  decision: Decision | undefined,
  /** `unread`: neither the handler nor its look after the failure could read the record. */
  record: { decidedOn?: ConversationRecord; now?: ConversationRecord; unread?: boolean },
  config: BridgeConfig | undefined,
): { attributes: FlexTaskAttributes; afterSeconds?: number } | undefined {
  const current = record.now ?? record.decidedOn;
  if (event.surface !== 'conversations' || !event.message) return undefined;
  // A participant's message is never ours: told without the settings (a container with Sync down read none).
  const fromCustomer = !!event.message.participantSid || (!!config && isFromCustomer(event.message, config));
  // Whether the AI holds the conversation is unknown: the watchdog looks soon, once the record reads,
  // at this message and every later one (`coveringWatchdog`: later ones arm none while it waits).
  const { index } = event.message;
  if (!current && record.unread && fromCustomer)
    return {
      attributes: {
        opencxTimer: 'answer',
        conversationSid: event.conversationSid,
        messageSid: event.message.sid,
        unread: true,
        ...(index !== undefined && Number.isInteger(index) && { fromIndex: index }),
        // Counted from the first arm: it covers later messages only while it has retries enough left.
        rearmed: 0,
      },
    };
  if (!current || !config) return undefined;
  const action = decision?.action;
  if (action !== 'relay' && action !== 'handoff' && action !== 'finish-handoff') return undefined;
  // Decided while the session was being made: the message may not have been left for the engage.
  // The watchdog takes the session that engage made, and the message's claim tells whether anyone sent it.
  const engaging = action === 'relay' && record.decidedOn?.phase === 'ai' && !record.decidedOn.sessionId;
  if (!current.sessionId && !engaging) return undefined;
  return {
    attributes: engaging
      ? {
          ...engageWatchdog(event.conversationSid, record.decidedOn!.claimedAt, event.message.sid, 'unparked'),
          rearmed: 1,
        }
      : {
          opencxTimer: 'answer',
          conversationSid: event.conversationSid,
          sessionId: current.sessionId,
          messageSid: event.message.sid,
          // Queued behind a resend before the failure: it waits for that resend still.
          ...(queuedForResend(current, event.message.sid) && { parked: true, queued: true }),
          rearmed: 1,
        },
    // The default: a short wait.
    afterSeconds: current.phase === 'ai' ? config.aiAnswerTimeoutSeconds : undefined,
  };
}

/**
 * How often an unread watchdog may have been armed again and still cover a later message: through its
 * first minute (the three 15 s waits of `CUSTOMER_BACKOFF`). A message it covers keeps at least 18 of
 * the 19 minutes (five of the eight looks) its own watchdog would give it; after that it arms its own.
 */
const COVERING_REARMS = 4;

/**
 * The TaskRouter expression of the timers that watch a message at `index` of a conversation whose
 * record could not be read: the unread watchdogs of the conversation armed from that index or before,
 * with retries enough left (`COVERING_REARMS`; one armed with no count covers nothing). One still
 * pending fires after the message came, and decides it with the others.
 */
export function coveringWatchdog(conversationSid: string, index: number): string {
  return (
    `opencxTimer == "answer" AND unread == true AND ` +
    `conversationSid == ${JSON.stringify(conversationSid)} AND fromIndex <= ${index} AND ` +
    `rearmed < ${COVERING_REARMS}`
  );
}

/**
 * The watchdog of a message that came while the engage claimed `claimedAt` was making the session:
 * it hands off if that engage never recorded one, and otherwise sends the message unless someone
 * claimed it. `left`: the message was left for the engage (`parked`), not lost on the way (`unparked`).
 */
export const engageWatchdog = (
  conversationSid: string,
  claimedAt: number,
  messageSid: string,
  left: 'parked' | 'unparked',
): FlexTaskAttributes => ({ opencxTimer: 'answer', conversationSid, [left]: true, claimedAt, messageSid });

/**
 * An offer to the AI whose handling failed (its claim, its session, the handoff or decline it led
 * to): TaskRouter does not send it again, and the task would wait on the AI for the whole
 * reservation timeout (10 minutes or more). The timer carries the offer to decide it again.
 */
function offerTimerFor(
  event: TaskRouterEvent,
  config: TimerSettings,
  offerRoute: OfferRoute | undefined,
  now: number | undefined,
): FlexTaskAttributes | undefined {
  const { taskSid, reservationSid, workerSid, taskAttributes } = event;
  if (event.type !== 'reservation.created' || !isAi(event, config) || !taskSid || !reservationSid || !workerSid)
    return undefined;
  const conversationSid = taskAttributes?.conversationSid;
  return {
    opencxTimer: 'offer',
    ...(typeof conversationSid === 'string' ? { conversationSid } : {}),
    taskSid,
    reservationSid,
    workerSid,
    ...(event.occurredAt !== undefined ? { offeredAt: event.occurredAt } : {}),
    // The route its first handling read: decided again, the offer is judged by it, not by a read that may fail.
    ...(offerRoute ? { offerRoute } : {}),
    offer: taskAttributes ?? {},
    ...(now !== undefined ? { armedAt: now } : {}),
    rearmed: 1,
  };
}

/**
 * A human's accept that could not be recorded: the conversation would stay "being handed off", so
 * the agent could not hand it back, and OpenCX would not learn who took it. TaskRouter tells no one again.
 */
function acceptTimerFor(event: TaskRouterEvent, config: TimerSettings): FlexTaskAttributes | undefined {
  const reservation = humanReservationOf(event, 'reservation.accepted', config);
  return (
    reservation && {
      opencxTimer: 'accepted',
      ...reservation,
      ...(event.workerName ? { workerName: event.workerName } : {}),
      ...(event.occurredAt === undefined ? {} : { acceptedAt: event.occurredAt }),
      rearmed: 1,
    }
  );
}

/** What a timer deciding a human's reservation again carries: its conversation, task, reservation and worker. */
type HumanReservation = { conversationSid: string; taskSid: string; reservationSid: string; workerSid: string };

function humanReservationOf(
  event: TaskRouterEvent,
  type: TaskRouterEvent['type'],
  config: TimerSettings,
): HumanReservation | undefined {
  const { taskSid, reservationSid, workerSid } = event;
  const conversationSid = event.taskAttributes?.conversationSid;
  if (event.type !== type || isAi(event, config) || typeof conversationSid !== 'string') return undefined;
  if (!taskSid || !reservationSid || !workerSid) return undefined;
  return { conversationSid, taskSid, reservationSid, workerSid };
}

/** The same, read back from the timer's attributes when it fires. */
function timerReservation(attributes: FlexTaskAttributes | undefined): HumanReservation | undefined {
  const { conversationSid, taskSid, reservationSid, workerSid } = attributes ?? {};
  if (
    typeof conversationSid !== 'string' ||
    typeof taskSid !== 'string' ||
    typeof reservationSid !== 'string' ||
    typeof workerSid !== 'string'
  )
    return undefined;
  return { conversationSid, taskSid, reservationSid, workerSid };
}

/**
 * A human's offer of a conversation: silencing the AI failed (the record still gives it the
 * conversation, a handoff's Sync write having failed) and TaskRouter sends the offer once.
 */
function silenceTimerFor(event: TaskRouterEvent, config: TimerSettings): FlexTaskAttributes | undefined {
  const reservation = humanReservationOf(event, 'reservation.created', config);
  return (
    reservation && {
      opencxTimer: 'silence',
      ...reservation,
      ...(event.occurredAt === undefined ? {} : { offeredAt: event.occurredAt }),
      rearmed: 1,
    }
  );
}

/**
 * A silence timer expired: the human's offer decided again, which silences the AI only while the
 * record still gives it the conversation.
 */
export const silenceTimer: Listener<TaskRouterEvent> = {
  name: 'silence-timer',
  handles: ['task.canceled'],
  decide(event, context) {
    const reservation = timerReservation(event.taskAttributes);
    if (!reservation) return ignore('a silence timer without its conversation, task, reservation and worker');
    const { conversationSid, taskSid, workerSid } = reservation;
    const offeredAt = event.taskAttributes?.offeredAt;
    const offered: TaskRouterEvent = {
      ...event,
      ...reservation,
      type: 'reservation.created',
      occurredAt: typeof offeredAt === 'number' ? offeredAt : undefined,
      workspaceSid: timerOrigin(event, context, taskSid),
      workerIsAi: false,
      taskAttributes: { conversationSid },
    };
    // Armed without the settings, an offer to an AI worker not marked as one: its own handling decides it.
    if (isAi(offered, context.config)) return ignore(`the offer of ${taskSid} was to an AI worker`);
    // The AI was offered the conversation (this task too) after the human was: the human let it go.
    const aiOfferedAt = context.record?.offeredAt;
    if (typeof offeredAt === 'number' && aiOfferedAt !== undefined && offeredAt < aiOfferedAt)
      return ignore(`the AI was offered the conversation after ${workerSid} was`);
    return aiReservation.decide(offered, context);
  },
};

/**
 * An accept timer expired: the accept decided again, while the conversation is still being handed
 * off (anything since, an end, a hand-back, the AI again, decided for itself).
 */
export const acceptTimer: Listener<TaskRouterEvent> = {
  name: 'accept-timer',
  handles: ['task.canceled'],
  decide(event, context) {
    const reservation = timerReservation(event.taskAttributes);
    if (!reservation) return ignore('an accept timer without its conversation, task, reservation and worker');
    const { conversationSid, taskSid, reservationSid, workerSid } = reservation;
    const { workerName, acceptedAt } = event.taskAttributes ?? {};
    const { record } = context;
    // Or the record still gives the AI the very task a human accepted: its silence failed, or its offer came late.
    const stillAis = record?.phase === 'ai' && record.taskSid === taskSid;
    // Or a human's transfer, accepted no earlier than the accept the record holds.
    const transferred =
      record?.phase === 'human' &&
      record.taskSid !== taskSid &&
      record.acceptedAt !== undefined &&
      typeof acceptedAt === 'number' &&
      acceptedAt >= record.acceptedAt;
    if (record?.phase !== 'handoff' && !stillAis && !transferred)
      return ignore(`the accept of ${taskSid} was decided again after the conversation moved on`);
    return reservationAccepted.decide(
      {
        ...event,
        type: 'reservation.accepted',
        occurredAt: typeof acceptedAt === 'number' ? acceptedAt : undefined,
        workspaceSid: timerOrigin(event, context, taskSid),
        taskSid,
        reservationSid,
        workerSid,
        workerIsAi: false,
        workerName: typeof workerName === 'string' ? workerName : undefined,
        taskAttributes: { conversationSid },
      },
      context,
    );
  },
};

/**
 * A conversation's task ended: ending the conversation failed, and TaskRouter tells no one again.
 * The timer carries the session the end was closing: a record delete that landed though its answer
 * was lost leaves nothing else naming it.
 */
function endTimerFor(event: TaskRouterEvent, record?: ConversationRecord): FlexTaskAttributes | undefined {
  const conversationSid = event.taskAttributes?.conversationSid;
  if (!isTaskEnd(event.type) || typeof conversationSid !== 'string' || !event.taskSid) return undefined;
  const sessionId = record?.sessionId ?? record?.handback?.previousSessionId;
  return {
    opencxTimer: 'end',
    conversationSid,
    taskSid: event.taskSid,
    endType: event.type,
    ...(event.reason ? { reason: event.reason } : {}),
    ...(record && sessionId && { sessionId, status: endStatus(record) }),
    rearmed: 1,
  };
}

/** How the end of the AI's part closes its OpenCX session: resolved when the AI held it to the end. */
export const endStatus = (ended: ConversationRecord): ClosedStatus =>
  ended.phase === 'ai' && ended.sessionId !== undefined ? 'closed_resolved' : 'closed_unresolved';

const isTaskEnd = (type: unknown): type is (typeof taskEnded.handles)[number] =>
  (taskEnded.handles as readonly unknown[]).includes(type);

/**
 * An end timer expired: the task's end, decided again as when TaskRouter told it. With the record
 * gone (the failed end's delete landed), or naming another session (the AI engaged again since),
 * only the session it carries is left to close.
 */
export const endTimer: Listener<TaskRouterEvent> = {
  name: 'end-timer',
  handles: ['task.canceled'],
  decide(event, context) {
    const { conversationSid, taskSid, endType, reason, sessionId } = event.taskAttributes ?? {};
    if (typeof conversationSid !== 'string' || typeof taskSid !== 'string' || !isTaskEnd(endType))
      return ignore('an end timer without its conversation, task and event');
    const { record } = context;
    const named = record && [record.sessionId, record.handback?.previousSessionId].includes(sessionId as string);
    if (sessionId !== undefined && !named) return sessionCloseTimer.decide(event, context);
    const ended: TaskRouterEvent = {
      ...event,
      type: endType,
      taskSid,
      taskAttributes: { conversationSid },
      reason: typeof reason === 'string' ? reason : undefined,
    };
    return taskEnded.decide(ended, context);
  },
};

/**
 * An offer timer expired: the AI offer decided again as when TaskRouter sent it, against the record
 * as the failure left it. A handoff the failure cut short is finished rather than declined.
 */
export const offerTimer: Listener<TaskRouterEvent> = {
  name: 'offer-timer',
  handles: ['task.canceled'],
  decide(event, context) {
    const { taskSid, reservationSid, workerSid, offeredAt, offer, armedAt } = event.taskAttributes ?? {};
    if (
      typeof taskSid !== 'string' ||
      typeof reservationSid !== 'string' ||
      typeof workerSid !== 'string' ||
      !offer ||
      typeof offer !== 'object'
    )
      return ignore('an offer timer without its task, reservation, worker and task attributes');
    const { record } = context;
    const conversationSid = (offer as FlexTaskAttributes).conversationSid;
    if (
      typeof conversationSid === 'string' &&
      record?.taskSid === taskSid &&
      record.phase === 'handoff' &&
      !record.handoff?.routed
    )
      return { action: 'finish-handoff', conversationSid };
    const offered: TaskRouterEvent = {
      ...event,
      type: 'reservation.created',
      workspaceSid: timerOrigin(event, context, taskSid),
      taskSid,
      reservationSid,
      workerSid,
      workerIsAi: true,
      taskAttributes: offer as FlexTaskAttributes,
      occurredAt: typeof offeredAt === 'number' ? offeredAt : undefined,
    };
    const decision = aiReservation.decide(offered, {
      ...context,
      offerRoute: carriedRoute(event.taskAttributes?.offerRoute),
    });
    if (decision.action !== 'engage') return decision;
    const retried = { ...decision, retried: { workerSid } };
    const failedEngage = record?.phase === 'ai' && !record.sessionId && record.reservationSid === reservationSid;
    if (!failedEngage) return retried;
    return { ...retried, takeOver: typeof armedAt === 'number' ? { claimedBefore: armedAt } : {} };
  },
};

/** A resend timer armed again keeps the first one's SID: its claim says whether OpenCX has the text. */
function firstResendTimer(event: TaskRouterEvent): string {
  const first = event.taskAttributes?.resendOf;
  return typeof first === 'string' ? first : event.taskSid!;
}

/** An idle timer expired: close the conversation if nobody wrote in it since, while the AI holds it. */
export const idleTimer: Listener<TaskRouterEvent> = {
  name: 'idle-timer',
  handles: ['task.canceled'],
  decide(event, { config, record }) {
    const timer = readIdleTimer(event.taskAttributes);
    if (!timer) return ignore('an idle timer without its conversation, session and time');
    if (!record || record.sessionId !== timer.sessionId)
      return ignore('the timer belongs to a conversation the AI no longer holds');
    if (record.phase !== 'ai') return ignore(`conversation is with humans (${record.phase}); it stays open`);
    // Not dropped: its chain would end here, and the conversation never close once the setting is on again.
    if (config.aiIdleCloseMinutes === 0) return { action: 'owe-idle-timer', conversationSid: timer.conversationSid };
    return {
      action: 'close-if-idle',
      conversationSid: timer.conversationSid,
      timer,
      minutes: config.aiIdleCloseMinutes,
      firedAt: event.occurredAt,
      ...(record.customerAuthor !== undefined && { customerAuthor: record.customerAuthor }),
    };
  },
};

/** A worker-restore timer expired: put the AI worker back as a reservation timeout should have. */
export const restoreTimer: Listener<TaskRouterEvent> = {
  name: 'restore-worker-timer',
  handles: ['task.canceled'],
  decide(event, { config }) {
    const workerSid = event.taskAttributes?.workerSid;
    if (typeof workerSid !== 'string' || !isAiPoolWorker(config, workerSid))
      return ignore('a worker-restore timer that names no AI worker');
    return { action: 'restore-ai-worker', taskSid: event.taskSid!, reservationSid: '', workerSid };
  },
};

/** A resend timer expired: send the customer's text OpenCX refused for its rate limit again. */
export const resendTimer: Listener<TaskRouterEvent> = {
  name: 'resend-timer',
  handles: ['task.canceled'],
  decide(event, { record }) {
    const timer = event.taskAttributes ?? {};
    const { conversationSid, text, messageSids, since } = timer;
    const valid =
      typeof conversationSid === 'string' &&
      typeof timer.sessionId === 'string' &&
      typeof text === 'string' &&
      typeof since === 'number' &&
      Array.isArray(messageSids) &&
      messageSids.every((sid) => typeof sid === 'string');
    if (!valid) return ignore('a resend timer without its conversation, session, text and messages');
    if (!record || record.sessionId !== timer.sessionId)
      return ignore('the timer belongs to a conversation the AI no longer holds');
    if (record.phase === 'handoff' && !record.handoff?.routed) return { action: 'finish-handoff', conversationSid };
    if (record.phase !== 'ai') return ignore(`conversation is with humans (${record.phase}); they read the message`);
    return {
      action: 'resend',
      conversationSid,
      timerSid: firstResendTimer(event),
      rearmed: typeof timer.resendOf === 'string',
      text,
      messageSids: messageSids as string[],
      since,
    };
  },
};

/**
 * A handback's timer expired: a conversation still waiting for the AI to take it back goes to
 * humans. One whose move to humans was cut short (the timer armed again) is finished.
 */
export const handbackTimer: Listener<TaskRouterEvent> = {
  name: 'handback-timer',
  handles: ['task.canceled'],
  decide(event, { record }) {
    const { conversationSid, handbackAt, flexInteractionSid, flexInteractionChannelSid } = event.taskAttributes ?? {};
    if (typeof conversationSid !== 'string' || typeof handbackAt !== 'string')
      return ignore('a handback timer without its conversation and handback');
    if (record?.phase === 'handoff' && !record.handoff?.routed && record.handoff?.untakenHandbackAt === handbackAt)
      return { action: 'finish-handoff', conversationSid };
    if (record?.phase !== 'handback' || record.handback?.at !== handbackAt)
      return ignore('the AI took the handed-back conversation, or it has moved on since');
    if (!armedByLatestInvite(record.handback, event.taskAttributes ?? {}))
      return ignore('the agent invited the AI again since: the timer that click armed gives it its full time');
    return {
      action: 'handback-untaken',
      conversationSid,
      at: handbackAt,
      ...(record.handback.invitedAt ? { invitedAt: record.handback.invitedAt } : {}),
      ...(typeof flexInteractionSid === 'string' &&
        typeof flexInteractionChannelSid === 'string' && {
          interaction: { sid: flexInteractionSid, channelSid: flexInteractionChannelSid },
        }),
    };
  },
};

/** A session-close timer expired: close the OpenCX session of a conversation that ended. */
export const sessionCloseTimer: Listener<TaskRouterEvent> = {
  name: 'close-session-timer',
  handles: ['task.canceled'],
  decide(event) {
    const { sessionId, status } = event.taskAttributes ?? {};
    if (typeof sessionId !== 'string' || (status !== 'closed_resolved' && status !== 'closed_unresolved'))
      return ignore('a session-close timer without its session and status');
    return { action: 'close-session', sessionId, status };
  },
};

/** What OpenCX told us by webhook: a late answer, or its decision to hand off. */
export const opencxDelivery: Listener<OpencxBridgeEvent> = {
  name: 'opencx-delivery',
  handles: ['ai-answer', 'ai-handoff', 'not-handled'],
  decide({ event, conversationSid }, { record }) {
    if (event.kind === 'not-handled') return ignore(`OpenCX event ${event.type} needs no action`);
    if (!conversationSid || !record || record.sessionId !== event.sessionId)
      return ignore(`OpenCX session ${event.sessionId} is not one the AI holds in Flex`);
    if (event.kind === 'ai-handoff') {
      if (record.phase === 'ai') {
        return {
          action: 'handoff',
          conversationSid,
          request: {
            reason: event.reason,
            summary: event.summary,
            sentiment: event.sentiment,
            language: event.language,
            byAi: true,
            ...(event.at !== undefined && { aiAt: event.at }),
          },
        };
      }
      if (record.phase === 'handoff' && !record.handoff?.routed) return { action: 'finish-handoff', conversationSid };
      return ignore(`conversation is already with humans (${record.phase})`);
    }
    if (record.phase !== 'ai' && !isFarewell(record, event)) {
      // A handoff cut short before its task was routed (OpenCX retries this delivery after such a failure).
      if (record.phase === 'handoff' && !record.handoff?.routed) return { action: 'finish-handoff', conversationSid };
      return ignore(`conversation is with humans (${record.phase}); the late AI answer is not posted`);
    }
    return {
      action: 'answer',
      conversationSid,
      sessionId: event.sessionId,
      answer: { answerId: event.answerId, text: event.text, ...(event.at !== undefined && { at: event.at }) },
      ...(unrecordedFarewell(record) && { asFarewell: true as const }),
    };
  },
};

/** A handoff OpenCX's AI decided, whose last words are not recorded yet: the first answer to record itself is them. */
export function unrecordedFarewell(record: ConversationRecord): boolean {
  return record.phase === 'handoff' && record.handoff?.byAi === true && record.handoff.farewell === undefined;
}

/**
 * The AI's last words before the handoff still in progress (not yet with a human): the ones the
 * handoff recorded or, when OpenCX's own handoff event moved the phase first, this session's answer.
 */
export function isFarewell(
  record: ConversationRecord,
  answer: { sessionId: string; answerId?: string; text: string; at?: number },
): boolean {
  const { handoff } = record;
  if (record.phase !== 'handoff' || !handoff) return false;
  if (handoff.farewell === undefined) return handoff.byAi === true;
  // The fast path keyed the last words without a delivery time.
  const { sessionId, answerId, text } = answer;
  return [answerKey(sessionId, answer), answerKey(sessionId, { answerId, text })].includes(handoff.farewell);
}

/**
 * The AI's answers in OpenCX's history (oldest first) after the customer's last message there, with
 * their ids and text: the answers a handoff decided meanwhile may have come with. Items are untrusted.
 */
export function aiAnswersSinceCustomer(
  history: readonly (HistoryItem | null | undefined)[],
): { answerId: string; text: string }[] {
  const lastCustomer = history.findLastIndex((item) => item?.event?.sender?.type === 'contact');
  return history.slice(lastCustomer + 1).flatMap((item) => {
    const id = item?.id;
    const text = item?.event?.content?.text;
    const isAnswer = item?.event?.type === 'message' && item.event.sender?.type === 'ai';
    return isAnswer && (typeof id === 'string' || typeof id === 'number') && typeof text === 'string' && text.trim()
      ? [{ answerId: String(id), text }]
      : [];
  });
}

/** A customer message as the watchdog matches it in OpenCX's history: its text, and when it was written (epoch ms). */
export interface WrittenMessage {
  text: string;
  writtenAt?: number;
}

/**
 * Whether OpenCX answered `message`, which the customer wrote after `earlier` (oldest first: their
 * messages the conversation shows no answer to in between), by OpenCX's history (oldest first).
 * DECISION: OpenCX answers each message it takes with one AI message, in turn: from the first of
 * `earlier` on, each AI message answers the oldest message still waiting. Undefined when the history
 * cannot tell: it does not hold the messages (not taken, or not yet), or it holds fewer AI messages
 * since the first than the conversation's `answersSince` (it lags, or names the AI otherwise).
 * Items are untrusted.
 */
export function answeredInHistory(
  history: readonly (HistoryItem | null | undefined)[],
  earlier: readonly WrittenMessage[],
  message: WrittenMessage,
  answersSince: number,
): boolean | undefined {
  const first = earlier[0];
  const from = first ? history.findIndex((item) => carriesContactMessage(item, first.text, first.writtenAt)) : -1;
  if (from < 0) return undefined;
  const carries = (index: number, text = message.text) =>
    carriesContactMessage(history[index], text, message.writtenAt);
  // Taken in one text with those before it (the engage's first, a resend's queue), or on its own after them.
  let own = carries(from, [...earlier, message].map((m) => m.text).join('\n')) ? from : -1;
  for (let index = from + 1; index < history.length && own < 0; index++) if (carries(index)) own = index;
  if (own < 0 && carries(from)) own = from;
  if (own < 0) return undefined;
  const isMessage = (item: HistoryItem | null | undefined, sender: string) =>
    item?.event?.type === 'message' && item.event.sender?.type === sender;
  const since = history.slice(from);
  if (since.filter((item) => isMessage(item, 'ai')).length < answersSince) return undefined;
  const waiting: number[] = [];
  since.forEach((item, offset) => {
    if (isMessage(item, 'contact')) waiting.push(from + offset);
    else if (isMessage(item, 'ai')) waiting.shift();
  });
  return !waiting.includes(own);
}

/**
 * Whether OpenCX's history proves an answer is not the last words of the handoff it announced at
 * `handedOffAt` (epoch ms). Its last words answer the customer's last message before the handoff:
 * of the answers after that message, the one OpenCX made closest to the handoff, no later than
 * `graceMs` after it (it may stamp the two apart). 'late' for any other, so that of a goodbye and a
 * slow answer to an earlier message made about then, one goes. 'maybe': this one is them.
 * Undefined: the history does not hold it, or not with a time (it may lag OpenCX's webhook).
 */
export function lastWordsVerdict(
  history: readonly HistoryItem[],
  answerId: string,
  handedOffAt: number,
  graceMs: number,
): 'late' | 'maybe' | undefined {
  const madeAt = (item: HistoryItem) =>
    typeof item.created_at === 'string' ? Date.parse(item.created_at) : Number.NaN;
  const lastCustomer = history.findLastIndex(
    (item) => item.event?.sender?.type === 'contact' && madeAt(item) <= handedOffAt,
  );
  const answers = history.flatMap((item, index) => {
    const { id } = item;
    const text = item.event?.content?.text;
    const isAnswer = item.event?.type === 'message' && item.event.sender?.type === 'ai';
    const named = typeof id === 'string' || typeof id === 'number';
    const made = madeAt(item);
    return isAnswer && named && typeof text === 'string' && text.trim() && Number.isFinite(made)
      ? [{ id: String(id), made, index, afterCustomer: index > lastCustomer }]
      : [];
  });
  const own = answers.find((answer) => answer.id === answerId);
  if (!own) return undefined;
  if (own.made > handedOffAt + graceMs || !own.afterCustomer) return 'late';
  // The closest; of two as close, the one made by the handoff, then the newer.
  const distance = (made: number) => Math.abs(made - handedOffAt) * 2 + (made > handedOffAt ? 1 : 0);
  const closer = (a: typeof own, b: typeof own) =>
    distance(a.made) < distance(b.made) || (distance(a.made) === distance(b.made) && a.index > b.index);
  const last = answers
    .filter((answer) => answer.afterCustomer && answer.made <= handedOffAt + graceMs)
    .reduce((best, answer) => (closer(answer, best) ? answer : best), own);
  return last.id === answerId ? 'maybe' : 'late';
}

/** Who wrote a message, as a webhook or a listing says. */
export interface MessageOrigin {
  author: string;
  attributes?: Record<string, unknown>;
  /** The author's participant: set for every customer and agent, never for what we post by REST. */
  participantSid?: string;
}

/** Customer messages are the ones the AI answers: not ours, not Conversations' `system`. */
export function isFromCustomer(message: MessageOrigin, config: BridgeConfig): boolean {
  return message.author !== 'system' && !isOurMessage(message, config);
}

/** The roles of the messages we post (actions/post.ts `MessageRole`). */
const OUR_ROLES: readonly unknown[] = ['ai', 'handoff-note', 'handback-note', 'idle-close-note'];

/**
 * Ours: posted by REST under the AI's name or with our marker. A participant's message never is,
 * whatever its attributes say: a web chat customer can set them, and would otherwise go unanswered
 * or pass for the AI on the agent's screen.
 */
export function isOurMessage(message: MessageOrigin, config: BridgeConfig): boolean {
  if (message.participantSid) return false;
  const marker = message.attributes?.opencx as { role?: unknown } | undefined;
  return message.author === config.aiAuthorName || OUR_ROLES.includes(marker?.role);
}

const taskRouterListeners: Listener<TaskRouterEvent>[] = [
  aiReservation,
  reservationAccepted,
  reservationTimeout,
  taskEnded,
  informational,
];
const conversationListeners: Listener<ConversationEvent>[] = [customerMessage, conversationLifecycle];

/** The timer listeners by `opencxTimer`; a timer naming none is an answer watchdog's. */
const TIMERS: Record<string, Listener<TaskRouterEvent>> = {
  resend: resendTimer,
  'restore-worker': restoreTimer,
  end: endTimer,
  idle: idleTimer,
  'close-session': sessionCloseTimer,
  offer: offerTimer,
  accepted: acceptTimer,
  silence: silenceTimer,
  handback: handbackTimer,
};

/**
 * On a timer armed without the settings, or for an event from a workspace they do not name (a
 * conversation's task that began there): the workspace of the event it retries.
 */
const TIMER_ORIGIN = 'eventWorkspaceSid';

/**
 * The workspace a timer's event came from: its origin; else, armed before timers named one, the
 * record's when it names the timer's task (a save may have moved the settings since); else the settings'.
 */
const timerOrigin = (
  event: TaskRouterEvent,
  context: {
    config: Pick<BridgeConfig, 'workspaceSid'>;
    record?: Pick<ConversationRecord, 'taskSid' | 'workspaceSid'>;
  },
  taskSid: string,
): string => {
  const origin = event.taskAttributes?.[TIMER_ORIGIN];
  if (typeof origin === 'string') return origin;
  return context.record?.taskSid === taskSid ? context.record.workspaceSid : context.config.workspaceSid;
};

const isTimerWorkspace = (event: TaskRouterEvent, config: TimerSettings): boolean =>
  Boolean(config.timerWorkspaceSid) && event.workspaceSid === config.timerWorkspaceSid;

/**
 * Refuses events from another account, workspace or Conversations service. A TaskRouter event from the
 * workspace the conversation's record names is served: the conversation began there, and its task
 * lives on there after a save moved the settings to another workspace.
 */
export function checkOrigin(
  event: TaskRouterEvent | ConversationEvent,
  config: BridgeConfig,
  accountSid: string,
  record?: Pick<ConversationRecord, 'workspaceSid'>,
): string | undefined {
  if (event.accountSid !== accountSid)
    return `event from account ${event.accountSid}, but these Functions serve ${accountSid}`;
  if (
    event.surface === 'taskrouter' &&
    event.workspaceSid !== config.workspaceSid &&
    event.workspaceSid !== record?.workspaceSid &&
    !isTimerWorkspace(event, config)
  ) {
    return `event from workspace ${event.workspaceSid}, but the configured workspace is ${config.workspaceSid}`;
  }
  if (event.surface === 'conversations' && event.chatServiceSid !== config.conversationsServiceSid) {
    return (
      `event from Conversations service ${event.chatServiceSid}, but the configured service is ` +
      `${config.conversationsServiceSid}`
    );
  }
  return undefined;
}

/** Events no listener ever acts on: answered without reading config or state. */
export function needsNoAction(event: TaskRouterEvent | ConversationEvent): boolean {
  return event.surface === 'taskrouter'
    ? (informational.handles as readonly string[]).includes(event.type)
    : (conversationLifecycle.handles as readonly string[]).includes(event.type);
}

export function decide(event: BridgeEvent, context: DecisionContext): Decision {
  if (event.surface === 'opencx') return opencxDelivery.decide(event, context);
  if (event.surface === 'taskrouter' && isTimerWorkspace(event, context.config)) {
    const origin = event.taskAttributes?.[TIMER_ORIGIN];
    // Served as the event itself was: the settings' workspace, or the one the conversation's task lives in.
    if (typeof origin === 'string' && origin !== context.config.workspaceSid && origin !== context.record?.workspaceSid)
      return ignore(`a timer of an event from workspace ${origin}, which the settings do not name`);
    const kind = event.taskAttributes?.opencxTimer;
    const timer = TIMERS[typeof kind === 'string' ? kind : ''] ?? answerWatchdog;
    return timer.handles.includes(event.type)
      ? timer.decide(event, context)
      : ignore(`${event.type} in the timer workspace needs no action`);
  }
  if (event.surface === 'taskrouter') {
    const listener = taskRouterListeners.find((l) => l.handles.includes(event.type));
    return listener ? listener.decide(event, context) : ignore(`no listener for ${event.type}`);
  }
  const listener = conversationListeners.find((l) => l.handles.includes(event.type));
  return listener ? listener.decide(event, context) : ignore(`no listener for ${event.type}`);
}

/** The conversation an event is about, used to load our record before deciding. */
export function conversationOf(event: BridgeEvent): string | undefined {
  if (event.surface === 'conversations') return event.conversationSid;
  if (event.surface === 'opencx') return event.conversationSid;
  const sid = event.taskAttributes?.conversationSid;
  return isConversationSid(sid) ? sid : undefined;
}

/**
 * How a declined AI reservation is released, bounded whatever the workflow does. A task without the
 * handoff attributes gets them (the workflow's `handedOff == true` filter then routes it to humans)
 * and the reservation is rejected. A task that carries them already was routed to the AI by a
 * workflow that checks the AI's filter first: writing them again would route it straight back, so
 * the reservation is only rejected, and if the AI rejected this task before (TaskRouter offers it
 * again), it is left to time out rather than rejected in a loop.
 */
export type DeclineStep = 'write-handoff-and-reject' | 'reject' | 'leave-to-time-out';

export function declineStep(task: { carriesHandoff: boolean; rejectedByAiBefore: boolean }): DeclineStep {
  if (!task.carriesHandoff) return 'write-handoff-and-reject';
  return task.rejectedByAiBefore ? 'leave-to-time-out' : 'reject';
}

/**
 * The offer's task has ended, as the engage read it after its claim: a late or repeated offer
 * (TaskRouter events can arrive after the task's end) must not start the AI. `gone`: a 404;
 * `unknown`: the read failed, and the engage goes on as before.
 */
export function offerOutlived(taskStatus: string | 'gone' | 'unknown'): boolean {
  return taskStatus === 'gone' || taskStatus === 'canceled' || taskStatus === 'completed';
}

/** A worker accepted the offer's task (`assigned`, then `wrapping`): a human, unless it is the AI's own accept. */
export const heldOnceAccepted = (taskStatus: string): boolean => taskStatus === 'assigned' || taskStatus === 'wrapping';

export type AfterAnswer =
  /** `at`: when OpenCX's webhook sent it (`answerKey`). */
  { next: 'reply'; reply: string; answerId?: string; at?: number } | { next: 'handoff'; request: HandoffRequest };

/** After OpenCX answered (or failed to): post the reply, or hand off to humans. */
export function afterAnswer(answer: AiAnswer | undefined): AfterAnswer {
  if (!answer || answer.failed) return { next: 'handoff', request: aiUnavailable() };
  if (answer.handedOff) {
    return {
      next: 'handoff',
      request: {
        reason: AI_REQUESTED_HANDOFF,
        reply: answer.reply,
        answerId: answer.answerId,
        summary: answer.summary,
        sentiment: answer.sentiment,
        byAi: true,
        // A bare "handed off" (the session was already) carries no decision, and says nothing of last words.
        ...(answer.answerId !== undefined || answer.summary !== undefined || answer.sentiment !== undefined
          ? { inAnswer: true as const }
          : {}),
      },
    };
  }
  return { next: 'reply', reply: answer.reply!, answerId: answer.answerId };
}

/**
 * The AI's handoff, found by its last words posted while the handoff itself never took hold: OpenCX
 * decided it (its summary and sentiment are looked up), and no later answer is posted as its last words.
 */
export function handoffAfterLastWords(): HandoffRequest {
  return { reason: AI_REQUESTED_HANDOFF, byAi: true, inAnswer: true };
}

/** Told to the AI after a customer's text that came with a photo or a file, which it cannot see. */
export const ATTACHMENT_NOTE =
  '[The customer also sent an attachment (a photo or a file), which the AI assistant cannot see.]';

/** What the AI reads of a customer's message: its text, and whether something it cannot see came with it. */
export function textForAi(message: { body: string; hasMedia?: boolean }): string {
  return message.hasMedia ? `${message.body}\n${ATTACHMENT_NOTE}` : message.body;
}

/** The AI reads text only: a photo or a file alone deserves a human, not silence. */
export function attachmentHandoff(): HandoffRequest {
  return {
    reason: 'Customer sent an attachment',
    summary: 'The customer sent an attachment (a photo or a file) the AI cannot read.',
  };
}

/** The engage that claimed the conversation never recorded its session (its Function died). */
export const ENGAGE_NEVER_FINISHED =
  "The AI assistant could not start on this conversation. The customer's messages are in the conversation.";

/** OpenCX failed, was too slow or never answered; the details are in the log. */
export function aiUnavailable(
  summary = "The AI assistant could not answer in time. The customer's messages are in the conversation.",
): HandoffRequest {
  return { reason: AI_UNAVAILABLE, summary };
}
