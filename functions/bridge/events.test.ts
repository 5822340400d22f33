import { classifyEvent, type ConversationEvent, TASKROUTER_EVENTS, type TaskRouterEvent } from './events';
import { ACCOUNT, CONVERSATION, RESERVATION, SERVICE, WORKSPACE } from './fixtures.testing';

const TASK = 'WT00000000000000000000000000000001';
const WORKER = 'WK00000000000000000000000000000001';

/** Fields to set on a payload; an undefined one is left out. */
type Overrides = Record<string, string | undefined>;

function overridden(payload: Record<string, unknown>, overrides: Overrides): Record<string, unknown> {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete payload[key];
    else payload[key] = value;
  }
  return payload;
}

/** A TaskRouter workspace event callback, form fields as Twilio sends them (all strings). */
function taskRouterPayload(eventType: string, overrides: Overrides = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    EventType: eventType,
    AccountSid: ACCOUNT,
    WorkspaceSid: WORKSPACE,
    Sid: 'EV00000000000000000000000000000001',
    TaskSid: TASK,
    TaskAttributes: JSON.stringify({ conversationSid: CONVERSATION, channelType: 'web', customer: { tier: 'gold' } }),
    TaskAssignmentStatus: 'reserved',
  };
  if (eventType.startsWith('reservation.')) {
    payload.ReservationSid = RESERVATION;
    payload.WorkerSid = WORKER;
    payload.WorkerName = 'OpenCX AI';
  }
  return overridden(payload, overrides);
}

/** A Conversations post-event webhook. */
function conversationPayload(eventType: string, overrides: Overrides = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    EventType: eventType,
    AccountSid: ACCOUNT,
    ChatServiceSid: SERVICE,
    ConversationSid: CONVERSATION,
    RetryCount: '0',
    Source: 'SDK',
  };
  if (eventType === 'onMessageAdded') {
    Object.assign(payload, {
      MessageSid: 'IM00000000000000000000000000000001',
      Body: 'Where is my order?',
      Author: 'customer@example.com',
      DateCreated: '2026-03-01T10:00:05.250Z',
      Index: '3',
      Attributes: '{}',
    });
  }
  if (eventType === 'onParticipantAdded') payload.Identity = 'customer@example.com';
  return overridden(payload, overrides);
}

function classifiedTaskRouter(payload: Record<string, unknown>): TaskRouterEvent {
  const result = classifyEvent(payload);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  expect(result.event.surface).toBe('taskrouter');
  return result.event as TaskRouterEvent;
}

function classifiedConversation(payload: Record<string, unknown>): ConversationEvent {
  const result = classifyEvent(payload);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  expect(result.event.surface).toBe('conversations');
  return result.event as ConversationEvent;
}

function refusal(payload: Record<string, unknown>): string {
  const result = classifyEvent(payload);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.event)}`);
  expect(result.reason).toEqual(expect.any(String));
  expect(result.reason.length).toBeGreaterThan(0);
  return result.reason;
}

describe('classifyEvent: TaskRouter events', () => {
  it.each(['reservation.created', 'reservation.accepted', 'reservation.timeout'])(
    '%s carries the task, reservation and worker',
    (type) => {
      const event = classifiedTaskRouter(taskRouterPayload(type));
      expect(event).toMatchObject({
        type,
        accountSid: ACCOUNT,
        workspaceSid: WORKSPACE,
        eventSid: 'EV00000000000000000000000000000001',
        taskSid: TASK,
        reservationSid: RESERVATION,
        workerSid: WORKER,
        workerName: 'OpenCX AI',
        taskAssignmentStatus: 'reserved',
      });
      expect(event.taskAttributes).toEqual({
        conversationSid: CONVERSATION,
        channelType: 'web',
        customer: { tier: 'gold' },
      });
    },
  );

  const taskAndWorkflowEvents = TASKROUTER_EVENTS.filter((type) => !type.startsWith('reservation.'));
  it.each(taskAndWorkflowEvents)('%s is classified with its task and parsed attributes', (type) => {
    const event = classifiedTaskRouter(taskRouterPayload(type));
    expect(event.type).toBe(type);
    expect(event.taskSid).toBe(TASK);
    expect(event.taskAttributes?.conversationSid).toBe(CONVERSATION);
    expect(event.reservationSid).toBeUndefined();
  });

  it('takes the end reason from TaskCanceledReason, or TaskCompletedReason', () => {
    expect(
      classifiedTaskRouter(taskRouterPayload('task.canceled', { TaskCanceledReason: 'Task TTL Exceeded' })).reason,
    ).toBe('Task TTL Exceeded');
    expect(classifiedTaskRouter(taskRouterPayload('task.completed', { TaskCompletedReason: 'resolved' })).reason).toBe(
      'resolved',
    );
    expect(classifiedTaskRouter(taskRouterPayload('task.deleted')).reason).toBeUndefined();
  });

  it('accepts a task event without TaskAttributes (attributes left undefined)', () => {
    const event = classifiedTaskRouter(taskRouterPayload('task.deleted', { TaskAttributes: undefined }));
    expect(event.taskAttributes).toBeUndefined();
  });

  it('refuses an unhandled TaskRouter type, naming it', () => {
    expect(refusal(taskRouterPayload('worker.activity.update'))).toContain('worker.activity.update');
    expect(refusal(taskRouterPayload('task-queue.entered'))).toContain('task-queue.entered');
  });

  it('refuses malformed TaskAttributes', () => {
    expect(refusal(taskRouterPayload('reservation.created', { TaskAttributes: '{"conversationSid": "CH1"' }))).toMatch(
      /TaskAttributes/,
    );
  });

  it.each(['[1,2]', '"a string"', '42', 'null', 'true'])(
    'refuses TaskAttributes that are JSON but not an object: %s',
    (raw) => {
      expect(refusal(taskRouterPayload('task.created', { TaskAttributes: raw }))).toMatch(/TaskAttributes/);
    },
  );

  it('refuses a TaskRouter event without AccountSid', () => {
    expect(refusal(taskRouterPayload('task.canceled', { AccountSid: undefined }))).toMatch(/AccountSid/);
  });

  it('refuses a TaskRouter event without TaskSid', () => {
    expect(refusal(taskRouterPayload('task.canceled', { TaskSid: undefined }))).toMatch(/TaskSid/);
    expect(refusal(taskRouterPayload('workflow.timeout', { TaskSid: '' }))).toMatch(/TaskSid/);
  });

  it('tells a worker marked opencx_ai from its WorkerAttributes; none or malformed ones mark nobody', () => {
    const workerIsAi = (attributes: string | undefined) =>
      classifiedTaskRouter(taskRouterPayload('reservation.created', { WorkerAttributes: attributes })).workerIsAi;
    expect(workerIsAi(JSON.stringify({ opencx_ai: true, routing: { skills: ['opencx_ai'] } }))).toBe(true);
    expect([
      workerIsAi(JSON.stringify({ opencx_ai: 'true' })),
      workerIsAi(JSON.stringify({ role: 'agent' })),
      workerIsAi('{not json'),
      workerIsAi(undefined),
    ]).toEqual([false, false, false, false]);
  });

  it('reads when TaskRouter raised the event from TimestampMs; a missing or odd one gives no time', () => {
    const occurredAt = (value: string | undefined) =>
      classifiedTaskRouter(taskRouterPayload('reservation.created', { TimestampMs: value })).occurredAt;
    expect(occurredAt('1780000000123')).toBe(1_780_000_000_123);
    expect([occurredAt(undefined), occurredAt('soon'), occurredAt('-5'), occurredAt('1.5e400')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each(['ReservationSid', 'WorkerSid'])('refuses a reservation event without %s', (field) => {
    expect(refusal(taskRouterPayload('reservation.created', { [field]: undefined }))).toMatch(
      /ReservationSid\/WorkerSid/,
    );
    expect(refusal(taskRouterPayload('reservation.accepted', { [field]: undefined }))).toMatch(
      /ReservationSid\/WorkerSid/,
    );
  });
});

describe('classifyEvent: Conversations events', () => {
  it('onMessageAdded carries the message, with its send time in epoch ms and parsed attributes', () => {
    const event = classifiedConversation(
      conversationPayload('onMessageAdded', {
        Attributes: JSON.stringify({ opencx: { role: 'ai' } }),
        RetryCount: '2',
      }),
    );
    expect(event).toMatchObject({
      type: 'onMessageAdded',
      accountSid: ACCOUNT,
      chatServiceSid: SERVICE,
      conversationSid: CONVERSATION,
      retryCount: 2,
      source: 'SDK',
    });
    expect(event.message).toEqual({
      sid: 'IM00000000000000000000000000000001',
      body: 'Where is my order?',
      author: 'customer@example.com',
      sentAt: Date.UTC(2026, 2, 1, 10, 0, 5, 250),
      index: 3,
      attributes: { opencx: { role: 'ai' } },
      hasMedia: false,
    });
  });

  it('onMessageAdded with a Media list marks the message as carrying media', () => {
    const media = JSON.stringify([{ sid: 'ME1', content_type: 'image/jpeg', filename: 'parcel.jpg', size: 1024 }]);
    expect(
      classifiedConversation(conversationPayload('onMessageAdded', { Media: media, Body: undefined })).message,
    ).toMatchObject({
      body: '',
      hasMedia: true,
    });
    expect(classifiedConversation(conversationPayload('onMessageAdded', { Media: '[]' })).message?.hasMedia).toBe(
      false,
    );
  });

  it('onMessageAdded without Attributes gets empty attributes, without Body an empty body', () => {
    const event = classifiedConversation(
      conversationPayload('onMessageAdded', { Attributes: undefined, Body: undefined }),
    );
    expect(event.message?.attributes).toEqual({});
    expect(event.message?.body).toBe('');
  });

  it('onMessageAdded with malformed Attributes is refused, naming the message', () => {
    const reason = refusal(conversationPayload('onMessageAdded', { Attributes: '{opencx: role}' }));
    expect(reason).toMatch(/Attributes/);
    expect(reason).toContain('IM00000000000000000000000000000001');
  });

  it.each(['["ai"]', 'null', '"vip"', '42'])(
    "onMessageAdded with Attributes that are JSON but not an object (%s): the customer's message, with none",
    (attributes) => {
      const event = classifiedConversation(conversationPayload('onMessageAdded', { Attributes: attributes }));
      expect(event.message).toMatchObject({ sid: 'IM00000000000000000000000000000001', attributes: {} });
    },
  );

  it('onMessageAdded without MessageSid or with an unparseable DateCreated is refused', () => {
    expect(refusal(conversationPayload('onMessageAdded', { MessageSid: undefined }))).toMatch(/MessageSid/);
    expect(refusal(conversationPayload('onMessageAdded', { DateCreated: 'yesterday-ish' }))).toMatch(/DateCreated/);
    expect(refusal(conversationPayload('onMessageAdded', { DateCreated: undefined }))).toMatch(/DateCreated/);
  });

  it('onConversationAdded is classified without a message', () => {
    const event = classifiedConversation(conversationPayload('onConversationAdded'));
    expect(event.type).toBe('onConversationAdded');
    expect(event.conversationSid).toBe(CONVERSATION);
    expect(event.message).toBeUndefined();
  });

  it('onParticipantAdded carries the participant identity', () => {
    const event = classifiedConversation(conversationPayload('onParticipantAdded'));
    expect(event.type).toBe('onParticipantAdded');
    expect(event.participantIdentity).toBe('customer@example.com');
  });

  it('a non-numeric RetryCount counts as 0', () => {
    expect(classifiedConversation(conversationPayload('onConversationAdded', { RetryCount: 'x' })).retryCount).toBe(0);
  });

  it('refuses an unhandled Conversations type, naming it', () => {
    expect(refusal(conversationPayload('onMessageUpdated'))).toContain('onMessageUpdated');
    expect(refusal(conversationPayload('onConversationRemoved'))).toContain('onConversationRemoved');
  });

  it.each(['AccountSid', 'ChatServiceSid', 'ConversationSid'])('refuses a Conversations event without %s', (field) => {
    expect(refusal(conversationPayload('onMessageAdded', { [field]: undefined }))).toMatch(
      /without AccountSid\/ChatServiceSid\/ConversationSid/,
    );
  });
});

describe('classifyEvent: payloads that are neither', () => {
  it('refuses a payload without EventType', () => {
    expect(refusal({ AccountSid: ACCOUNT, WorkspaceSid: WORKSPACE, TaskSid: TASK })).toMatch(/EventType/);
    expect(refusal({})).toMatch(/EventType/);
  });

  it('refuses an EventType with neither a WorkspaceSid nor a Conversations SID', () => {
    expect(refusal({ EventType: 'task.created', AccountSid: ACCOUNT, TaskSid: TASK })).toContain('task.created');
  });
});
