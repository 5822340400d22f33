// What should happen for each event: a plain function of the event, the configuration and our
// record of the conversation. Each listener declares which event types it handles.
import type { BridgeConfig } from '../common/config';
import type { AiAnswer } from '../common/opencx-client';
import type { FlexTaskAttributes } from '../common/task-attributes';
import type { ConversationRecord } from './conversation-record';
import type { BridgeEvent, ConversationEvent, CustomerMessage, TaskRouterEvent } from './events';
import { AI_UNAVAILABLE } from './handoff';

export type Decision =
  | { action: 'ignore'; reason: string }
  | { action: 'refuse'; reason: string }
  | { action: 'engage'; conversationSid: string; taskSid: string; reservationSid: string; attributes: FlexTaskAttributes }
  | { action: 'reengage'; conversationSid: string; taskSid: string; reservationSid: string }
  | { action: 'decline'; taskSid: string; reservationSid: string; conversationSid?: string; attributes: FlexTaskAttributes; reason: string }
  | { action: 'relay'; conversationSid: string; message: CustomerMessage }
  | { action: 'handoff'; conversationSid: string; reason: string; summary: string }
  | { action: 'record-human'; conversationSid: string; taskSid: string; reservationSid: string; workerSid: string; workerName: string }
  | { action: 'restore-ai-worker'; taskSid: string; reservationSid: string }
  | { action: 'end'; conversationSid: string; taskSid: string; reason: string };

export interface DecisionContext {
  config: BridgeConfig;
  record?: ConversationRecord;
}

interface Listener<E extends BridgeEvent> {
  name: string;
  handles: readonly E['type'][];
  decide(event: E, context: DecisionContext): Decision;
}

const ignore = (reason: string): Decision => ({ action: 'ignore', reason });

const isAi = (event: TaskRouterEvent, config: BridgeConfig): boolean => event.workerSid === config.aiWorkerSid;

export const aiReservation: Listener<TaskRouterEvent> = {
  name: 'ai-reservation',
  handles: ['reservation.created'],
  decide(event, { config, record }) {
    if (!isAi(event, config)) return ignore(`reservation for worker ${event.workerSid}, not the AI worker`);
    const attributes = event.taskAttributes ?? {};
    const conversationSid = attributes.conversationSid;
    const base = { taskSid: event.taskSid!, reservationSid: event.reservationSid! };
    if (attributes.handedOff === true) {
      return { action: 'decline', ...base, conversationSid, attributes, reason: 'task was already handed off: the workflow must match handedOff == true before the AI filter' };
    }
    if (typeof conversationSid !== 'string' || !conversationSid.startsWith('CH')) {
      return { action: 'decline', ...base, attributes, reason: 'not a Conversations task: the AI only answers messaging tasks' };
    }
    if (record && record.phase !== 'ai') {
      return { action: 'decline', ...base, conversationSid, attributes, reason: `conversation is already with humans (${record.phase})` };
    }
    // A record without a session is a claim whose engage failed: engage again (it takes over).
    if (record?.sessionId) return { action: 'reengage', conversationSid, ...base };
    return { action: 'engage', conversationSid, ...base, attributes };
  },
};

export const reservationAccepted: Listener<TaskRouterEvent> = {
  name: 'reservation-accepted',
  handles: ['reservation.accepted'],
  decide(event, { config, record }) {
    const conversationSid = event.taskAttributes?.conversationSid;
    if (isAi(event, config)) return ignore('the AI worker accepted its own reservation; the AI keeps answering');
    if (!conversationSid || !record) return ignore('a human accepted a task the AI never engaged');
    return {
      action: 'record-human',
      conversationSid,
      taskSid: event.taskSid!,
      reservationSid: event.reservationSid!,
      workerSid: event.workerSid!,
      workerName: event.workerName ?? event.workerSid!,
    };
  },
};

export const reservationTimeout: Listener<TaskRouterEvent> = {
  name: 'reservation-timeout',
  handles: ['reservation.timeout'],
  decide(event, { config }) {
    if (!isAi(event, config)) return ignore('a human reservation timed out');
    return { action: 'restore-ai-worker', taskSid: event.taskSid!, reservationSid: event.reservationSid! };
  },
};

export const taskEnded: Listener<TaskRouterEvent> = {
  name: 'task-ended',
  handles: ['task.canceled', 'task.deleted', 'task.completed', 'workflow.timeout'],
  decide(event, { record }) {
    const conversationSid = event.taskAttributes?.conversationSid;
    if (!conversationSid || !record) return ignore(`${event.type} for a task the AI never engaged`);
    // After a transfer the conversation lives on in the invited task: the AI's own task
    // completing then is not the end of the conversation.
    if (record.phase === 'handoff' && event.type === 'task.completed') return ignore('the AI task completed after the transfer to humans');
    if (record.phase !== 'handoff' && record.taskSid !== event.taskSid) {
      return ignore(`${event.type} for ${event.taskSid}, but the conversation now belongs to ${record.taskSid}`);
    }
    return { action: 'end', conversationSid, taskSid: event.taskSid!, reason: event.reason ?? event.type };
  },
};

export const informational: Listener<TaskRouterEvent> = {
  name: 'informational',
  handles: ['task.created', 'workflow.target-matched', 'reservation.rejected', 'reservation.canceled', 'reservation.rescinded'],
  decide(event) {
    return ignore(`${event.type} needs no action`);
  },
};

export const customerMessage: Listener<ConversationEvent> = {
  name: 'customer-message',
  handles: ['onMessageAdded'],
  decide(event, { config, record }) {
    const message = event.message!;
    if (!isFromCustomer(message.author, message.attributes, config)) return ignore('message posted by the AI bridge or the system, not the customer');
    if (!record) return ignore('conversation is not held by the AI');
    if (record.phase !== 'ai') return ignore(`conversation is with humans (${record.phase}); the AI stays silent`);
    if (!message.body.trim()) {
      // The AI reads text only; a photo of a broken parcel deserves a human, not silence.
      if (message.hasMedia) return { action: 'handoff', conversationSid: event.conversationSid, reason: 'Customer sent an attachment', summary: 'The customer sent an attachment (a photo or a file) the AI cannot read.' };
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

/** Customer messages are the ones the AI answers: not ours, not Conversations' `system`. */
export function isFromCustomer(author: string, attributes: Record<string, unknown> | undefined, config: BridgeConfig): boolean {
  return author !== 'system' && !isOurMessage(author, attributes, config);
}

export function isOurMessage(author: string, attributes: Record<string, unknown> | undefined, config: BridgeConfig): boolean {
  const marker = attributes?.opencx as { role?: unknown } | undefined;
  return author === config.aiAuthorName || marker?.role === 'ai' || marker?.role === 'handoff-note';
}

const taskRouterListeners: Listener<TaskRouterEvent>[] = [aiReservation, reservationAccepted, reservationTimeout, taskEnded, informational];
const conversationListeners: Listener<ConversationEvent>[] = [customerMessage, conversationLifecycle];

/** Refuses events from another account, workspace or Conversations service. */
export function checkOrigin(event: BridgeEvent, config: BridgeConfig, accountSid: string): string | undefined {
  if (event.accountSid !== accountSid) return `event from account ${event.accountSid}, but these Functions serve ${accountSid}`;
  if (event.surface === 'taskrouter' && event.workspaceSid !== config.workspaceSid) {
    return `event from workspace ${event.workspaceSid}, but the configured workspace is ${config.workspaceSid}`;
  }
  if (event.surface === 'conversations' && event.chatServiceSid !== config.conversationsServiceSid) {
    return `event from Conversations service ${event.chatServiceSid}, but the configured service is ${config.conversationsServiceSid}`;
  }
  return undefined;
}

/** Events no listener ever acts on: answered without reading config or state. */
export function needsNoAction(event: BridgeEvent): boolean {
  return event.surface === 'taskrouter'
    ? (informational.handles as readonly string[]).includes(event.type)
    : (conversationLifecycle.handles as readonly string[]).includes(event.type);
}

export function decide(event: BridgeEvent, context: DecisionContext): Decision {
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
  const sid = event.taskAttributes?.conversationSid;
  return typeof sid === 'string' ? sid : undefined;
}

export type AfterAnswer =
  | { next: 'reply'; reply: string }
  | { next: 'handoff'; reply?: string; reason: string; summary?: string; sentiment?: string };

/** After OpenCX answered (or failed to): post the reply, or hand off to humans. */
export function afterAnswer(answer: AiAnswer | undefined): AfterAnswer {
  if (!answer || answer.failed) return aiUnavailable();
  if (answer.handedOff) {
    return { next: 'handoff', reply: answer.reply, reason: 'AI requested human handoff', summary: answer.summary, sentiment: answer.sentiment };
  }
  return { next: 'reply', reply: answer.reply! };
}

/** The note reaches the customer too, so the summary names no internals; the log has them. */
export function aiUnavailable(): Extract<AfterAnswer, { next: 'handoff' }> {
  return { next: 'handoff', reason: AI_UNAVAILABLE, summary: "The AI assistant could not answer in time. The customer's messages are in the conversation." };
}
