// Turns a raw webhook payload (TaskRouter workspace event or Conversations post-event) into a
// typed bridge event, or says exactly why it cannot.
import { type FlexTaskAttributes, parseTaskAttributes } from '../common/task-attributes';
import type { OpencxEvent } from './opencx-events';

export const TASKROUTER_EVENTS = [
  'reservation.created',
  'reservation.accepted',
  'reservation.timeout',
  'reservation.rejected',
  'reservation.canceled',
  'reservation.rescinded',
  'task.created',
  'task.canceled',
  'task.deleted',
  'task.completed',
  'workflow.target-matched',
  'workflow.timeout',
] as const;
export type TaskRouterEventType = (typeof TASKROUTER_EVENTS)[number];

/** The workspace events the bridge acts on: the workspace's EventsFilter must include them all. */
export const SUBSCRIBED_TASKROUTER_EVENTS: readonly TaskRouterEventType[] = [
  'reservation.created',
  'reservation.accepted',
  'reservation.timeout',
  'task.created',
  'workflow.target-matched',
  'workflow.timeout',
  'task.canceled',
  'task.deleted',
  'task.completed',
];

export const CONVERSATION_EVENTS = ['onMessageAdded', 'onConversationAdded', 'onParticipantAdded'] as const;
export type ConversationEventType = (typeof CONVERSATION_EVENTS)[number];

/**
 * The Conversations events the bridge acts on: new messages only (the AI engages on its TaskRouter
 * reservation). Installs of earlier versions also subscribed the others; those are answered at once.
 */
export const SUBSCRIBED_CONVERSATION_EVENTS: readonly ConversationEventType[] = ['onMessageAdded'];

/** Subscribed by earlier versions, ignored now: each costs a Function invocation, so Apply takes them away. */
export const RETIRED_CONVERSATION_EVENTS: readonly ConversationEventType[] = [
  'onConversationAdded',
  'onParticipantAdded',
];

export interface TaskRouterEvent {
  surface: 'taskrouter';
  type: TaskRouterEventType;
  eventSid: string;
  accountSid: string;
  workspaceSid: string;
  taskSid?: string;
  taskAttributes?: FlexTaskAttributes;
  taskAssignmentStatus?: string;
  reservationSid?: string;
  workerSid?: string;
  workerName?: string;
  /** The worker's attributes mark it as an OpenCX AI worker (`opencx_ai: true`). */
  workerIsAi?: boolean;
  reason?: string;
  /** When TaskRouter raised the event (epoch ms, `TimestampMs`): orders offers delivered late. */
  occurredAt?: number;
  /** The queue and workflow a reservation came through (reservation events). */
  taskQueueSid?: string;
  workflowSid?: string;
}

export interface ConversationEvent {
  surface: 'conversations';
  type: ConversationEventType;
  accountSid: string;
  chatServiceSid: string;
  conversationSid: string;
  retryCount: number;
  source?: string;
  message?: CustomerMessage & { attributes?: Record<string, unknown>; hasMedia: boolean; participantSid?: string };
  participantIdentity?: string;
}

export interface CustomerMessage {
  sid: string;
  body: string;
  author: string;
  /** Epoch milliseconds of the send time. */
  sentAt: number;
  index?: number;
  /** A photo or a file came with it. */
  hasMedia?: boolean;
}

/** An OpenCX webhook delivery, with the Flex conversation its session maps to (when known). */
export interface OpencxBridgeEvent {
  surface: 'opencx';
  type: OpencxEvent['kind'];
  event: OpencxEvent;
  conversationSid?: string;
}

export type BridgeEvent = TaskRouterEvent | ConversationEvent | OpencxBridgeEvent;

export type Classification = { ok: true; event: BridgeEvent } | { ok: false; reason: string };

type Payload = Record<string, unknown>;

const text = (payload: Payload, key: string): string | undefined => {
  const value = payload[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const epochMs = (value: string | undefined): number | undefined => {
  const ms = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
};

export function classifyEvent(payload: Payload): Classification {
  const eventType = text(payload, 'EventType');
  if (!eventType) return { ok: false, reason: 'no EventType in payload' };
  if (text(payload, 'WorkspaceSid')) return classifyTaskRouter(eventType, payload);
  if (text(payload, 'ChatServiceSid') || text(payload, 'ConversationSid'))
    return classifyConversation(eventType, payload);
  return { ok: false, reason: `EventType ${eventType} is neither a TaskRouter nor a Conversations event` };
}

function classifyTaskRouter(eventType: string, payload: Payload): Classification {
  if (!(TASKROUTER_EVENTS as readonly string[]).includes(eventType))
    return { ok: false, reason: `TaskRouter event ${eventType} is not handled` };
  const accountSid = text(payload, 'AccountSid');
  if (!accountSid) return { ok: false, reason: `${eventType} without AccountSid` };
  let taskAttributes: FlexTaskAttributes | undefined;
  const rawAttributes = text(payload, 'TaskAttributes');
  if (rawAttributes !== undefined) {
    taskAttributes = parseTaskAttributes(rawAttributes);
    if (!taskAttributes) return { ok: false, reason: `${eventType} has malformed TaskAttributes (not a JSON object)` };
  }
  const event: TaskRouterEvent = {
    surface: 'taskrouter',
    type: eventType as TaskRouterEventType,
    eventSid: text(payload, 'Sid') ?? '',
    accountSid,
    workspaceSid: text(payload, 'WorkspaceSid')!,
    taskSid: text(payload, 'TaskSid'),
    taskAttributes,
    taskAssignmentStatus: text(payload, 'TaskAssignmentStatus'),
    reservationSid: text(payload, 'ReservationSid'),
    workerSid: text(payload, 'WorkerSid'),
    workerName: text(payload, 'WorkerName'),
    workerIsAi: parseTaskAttributes(text(payload, 'WorkerAttributes'))?.opencx_ai === true,
    reason: text(payload, 'TaskCanceledReason') ?? text(payload, 'TaskCompletedReason'),
    occurredAt: epochMs(text(payload, 'TimestampMs')),
    taskQueueSid: text(payload, 'TaskQueueSid')?.startsWith('WQ') ? text(payload, 'TaskQueueSid') : undefined,
    workflowSid: text(payload, 'WorkflowSid')?.startsWith('WW') ? text(payload, 'WorkflowSid') : undefined,
  };
  if (!event.taskSid) return { ok: false, reason: `${eventType} without TaskSid` };
  if (eventType.startsWith('reservation.') && (!event.reservationSid || !event.workerSid)) {
    return { ok: false, reason: `${eventType} without ReservationSid/WorkerSid` };
  }
  return { ok: true, event };
}

/**
 * A message's attributes: Twilio takes any JSON (a web chat customer's SDK may send `[]` or `"vip"`),
 * which carries none of ours unless it is an object. Undefined only for what is not JSON at all.
 */
function messageAttributes(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

function classifyConversation(eventType: string, payload: Payload): Classification {
  if (!(CONVERSATION_EVENTS as readonly string[]).includes(eventType))
    return { ok: false, reason: `Conversations event ${eventType} is not handled` };
  const accountSid = text(payload, 'AccountSid');
  const chatServiceSid = text(payload, 'ChatServiceSid');
  const conversationSid = text(payload, 'ConversationSid');
  if (!accountSid || !chatServiceSid || !conversationSid)
    return { ok: false, reason: `${eventType} without AccountSid/ChatServiceSid/ConversationSid` };
  const event: ConversationEvent = {
    surface: 'conversations',
    type: eventType as ConversationEventType,
    accountSid,
    chatServiceSid,
    conversationSid,
    retryCount: Number(text(payload, 'RetryCount') ?? 0) || 0,
    source: text(payload, 'Source'),
    participantIdentity: text(payload, 'Identity'),
  };
  if (eventType === 'onMessageAdded') {
    const sid = text(payload, 'MessageSid');
    const sentAt = Date.parse(text(payload, 'DateCreated') ?? '');
    if (!sid || Number.isNaN(sentAt))
      return { ok: false, reason: 'onMessageAdded without MessageSid or a valid DateCreated' };
    const attributes = messageAttributes(text(payload, 'Attributes'));
    if (!attributes) return { ok: false, reason: `onMessageAdded ${sid} has malformed Attributes (not JSON)` };
    event.message = {
      sid,
      body: typeof payload.Body === 'string' ? payload.Body : '',
      author: text(payload, 'Author') ?? '',
      sentAt,
      index: text(payload, 'Index') === undefined ? undefined : Number(payload.Index),
      attributes,
      hasMedia: hasMedia(text(payload, 'Media')),
      participantSid: text(payload, 'ParticipantSid'),
    };
  }
  return { ok: true, event };
}

/** Conversations sends `Media` as a JSON list of attachments; anything non-empty counts. */
function hasMedia(media: string | undefined): boolean {
  if (!media) return false;
  try {
    const parsed: unknown = JSON.parse(media);
    return Array.isArray(parsed) ? parsed.length > 0 : Boolean(parsed);
  } catch {
    return true;
  }
}
