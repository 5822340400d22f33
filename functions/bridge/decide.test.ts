import type { BridgeConfig } from '../common/config';
import type { AiAnswer } from '../common/opencx-client';
import type { FlexTaskAttributes } from '../common/task-attributes';
import { type ConversationPhase, type ConversationRecord, NO_LAST_WORDS } from './conversation-record';
import {
  afterAnswer,
  aiUnavailable,
  checkOrigin,
  conversationOf,
  coveringWatchdog,
  DECLINE_SUMMARIES,
  decide,
  type Decision,
  declineStep,
  isCustomerText,
  isOurMessage,
  heldOnceAccepted,
  lastWordsMayFollow,
  lastWordsVerdict,
  aiAnswersSinceCustomer,
  answeredInHistory,
  offerOutlived,
  rearmDelaySeconds,
  timerToRearm,
  watchdogAfterFailure,
  textForAi,
  ATTACHMENT_NOTE,
  ENGAGE_NEVER_FINISHED,
} from './decide';
import { answerKey } from './dedup';
import { classifyEvent, type ConversationEvent, type TaskRouterEvent, type TaskRouterEventType } from './events';
import { AI_UNAVAILABLE } from './handoff';
import { evaluateExpression } from '../../test/simulators/twilio/taskrouter-expression';
import type { OpencxEvent } from './opencx-events';
import { ACCOUNT, AI_WORKER, BRIDGE_CONFIG, CONVERSATION, RESERVATION, SERVICE, WORKSPACE } from './fixtures.testing';

const TIMER_WORKSPACE = 'WS0000000000000000000000000000ti01';

const AI_TASK = 'WT000000000000000000000000000000a1';
const OTHER_TASK = 'WT000000000000000000000000000000b2';
const HUMAN_WORKER = 'WK000000000000000000000000000000f1';

/** Alice's accept of the task a handoff made, recorded. */
const ALICE_ACCEPTS: Decision = {
  action: 'record-human',
  conversationSid: CONVERSATION,
  taskSid: OTHER_TASK,
  reservationSid: 'WR9',
  workerSid: HUMAN_WORKER,
  workerName: 'Alice',
};

const config: BridgeConfig = BRIDGE_CONFIG;

function taskEvent(type: TaskRouterEventType, over: Partial<TaskRouterEvent> = {}): TaskRouterEvent {
  return {
    surface: 'taskrouter',
    type,
    eventSid: 'EV00000000000000000000000000000001',
    accountSid: ACCOUNT,
    workspaceSid: WORKSPACE,
    taskSid: AI_TASK,
    taskAttributes: { conversationSid: CONVERSATION, channelType: 'web' },
    ...(type.startsWith('reservation.')
      ? { reservationSid: RESERVATION, workerSid: AI_WORKER, workerName: 'OpenCX AI' }
      : {}),
    ...over,
  };
}

const humanReservation = (type: TaskRouterEventType, over: Partial<TaskRouterEvent> = {}): TaskRouterEvent =>
  taskEvent(type, { workerSid: HUMAN_WORKER, workerName: 'Alice', ...over });

function messageEvent(
  body = 'Where is my order?',
  over: { author?: string; attributes?: Record<string, unknown>; hasMedia?: boolean } = {},
): ConversationEvent {
  return {
    surface: 'conversations',
    type: 'onMessageAdded',
    accountSid: ACCOUNT,
    chatServiceSid: SERVICE,
    conversationSid: CONVERSATION,
    retryCount: 0,
    message: {
      sid: 'IM00000000000000000000000000000001',
      body,
      author: over.author ?? 'customer@example.com',
      sentAt: Date.UTC(2026, 2, 1, 10, 0, 5),
      attributes: over.attributes ?? {},
      hasMedia: over.hasMedia ?? false,
    },
  };
}

function record(phase: ConversationPhase, over: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    workspaceSid: WORKSPACE,
    taskSid: AI_TASK,
    reservationSid: RESERVATION,
    sessionId: 'session-1',
    phase,
    claimedAt: 0,
    ...over,
  };
}

const withAttributes = (attributes: FlexTaskAttributes | undefined): Partial<TaskRouterEvent> => ({
  taskAttributes: attributes,
});

function expectAction<A extends Decision['action']>(decision: Decision, action: A): Extract<Decision, { action: A }> {
  expect(decision.action).toBe(action);
  return decision as Extract<Decision, { action: A }>;
}

describe('decide: the AI reservation (reservation.created)', () => {
  it('engages a fresh conversation task, carrying the task attributes', () => {
    const attributes = { conversationSid: CONVERSATION, channelType: 'web', customer: { tier: 'gold' } };
    const decision = expectAction(
      decide(taskEvent('reservation.created', withAttributes(attributes)), { config }),
      'engage',
    );
    expect(decision).toEqual({
      action: 'engage',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      attributes,
    });
  });

  it('engages again when the record is a claim without a session (an engage that failed)', () => {
    const decision = decide(taskEvent('reservation.created', { taskSid: OTHER_TASK, reservationSid: 'WR2' }), {
      config,
      record: record('ai', { sessionId: undefined }),
    });
    expect(decision).toMatchObject({ action: 'engage', conversationSid: CONVERSATION, reservationSid: 'WR2' });
  });

  it('reengages when the AI already holds the conversation (phase ai), e.g. after a reservation timeout', () => {
    const decision = decide(taskEvent('reservation.created', { taskSid: OTHER_TASK, reservationSid: 'WR2' }), {
      config,
      record: record('ai'),
    });
    expect(decision).toEqual({
      action: 'reengage',
      conversationSid: CONVERSATION,
      taskSid: OTHER_TASK,
      reservationSid: 'WR2',
    });
  });

  it('ignores a repeated delivery of the offer the AI already holds', () => {
    const decision = decide(taskEvent('reservation.created'), { config, record: record('ai') });
    expect(decision).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/late or repeated/) });
  });

  it('ignores a late offer of the task an agent handed the conversation back from, held since on another', () => {
    const handback = {
      at: '2026-12-03T09:00:00.000Z',
      agentSid: HUMAN_WORKER,
      agentName: 'Alice',
      fromTaskSid: AI_TASK,
      afterIndex: 4,
    };
    // The AI's first offer of the task, delivered again long after (its time is the resumed record's).
    const resumed = record('ai', { taskSid: OTHER_TASK, reservationSid: 'WR7', offeredAt: 1_000, handback });
    const late = taskEvent('reservation.created', { reservationSid: 'WR1', occurredAt: 1_000 });
    expect(decide(late, { config, record: resumed })).toMatchObject({
      action: 'ignore',
      reason: expect.stringMatching(/handed back from/),
    });
  });

  it('ignores an older offer delivered after a newer one, and reengages on a newer one', () => {
    const held = record('ai', { reservationSid: 'WR2', offeredAt: 2_000 });
    const late = taskEvent('reservation.created', { reservationSid: 'WR1', occurredAt: 1_000 });
    expect(decide(late, { config, record: held })).toMatchObject({ action: 'ignore' });
    const newer = taskEvent('reservation.created', { reservationSid: 'WR3', occurredAt: 3_000 });
    expect(decide(newer, { config, record: held })).toEqual({
      action: 'reengage',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reservationSid: 'WR3',
      offeredAt: 3_000,
    });
    // A record written before offers carried their time takes any other offer.
    const untimed = record('ai', { reservationSid: 'WR2' });
    expect(decide(late, { config, record: untimed })).toMatchObject({ action: 'reengage', reservationSid: 'WR1' });
  });

  it('declines a task already handed off (even without a record)', () => {
    const attributes = { conversationSid: CONVERSATION, handedOff: true as const };
    const decision = expectAction(
      decide(taskEvent('reservation.created', withAttributes(attributes)), { config }),
      'decline',
    );
    expect(decision).toMatchObject({
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      conversationSid: CONVERSATION,
      attributes,
    });
    expect(decision.reason).toMatch(/handed off/);
  });

  it('declines a handed-off task even while the record still says ai', () => {
    const attributes = { conversationSid: CONVERSATION, handedOff: true as const };
    expectAction(
      decide(taskEvent('reservation.created', withAttributes(attributes)), { config, record: record('ai') }),
      'decline',
    );
  });

  it('engages a task whose handedOff is false', () => {
    expectAction(
      decide(
        taskEvent(
          'reservation.created',
          withAttributes({ conversationSid: CONVERSATION, handedOff: false } as unknown as FlexTaskAttributes),
        ),
        {
          config,
        },
      ),
      'engage',
    );
  });

  it("declines a new offer that came through a queue not the AI's (Flex's Everyone), engages through the AI's", () => {
    const everyone = { sid: 'WQ' + 'e'.repeat(32), friendlyName: 'Everyone', targetWorkers: '1==1', aiTarget: false };
    const declined = expectAction(
      decide(taskEvent('reservation.created'), { config, offerRoute: everyone }),
      'decline',
    );
    expect(declined.summary).toBe(DECLINE_SUMMARIES.notAiQueue);
    expect(declined.reason).toContain(everyone.sid);
    const aiQueue = {
      sid: 'WQ' + 'a'.repeat(32),
      friendlyName: 'AI',
      targetWorkers: 'opencx_ai == true',
      aiTarget: false,
    };
    expectAction(decide(taskEvent('reservation.created'), { config, offerRoute: aiQueue }), 'engage');
    // A workflow target through Everyone that names the AI worker (or selects by opencx_ai) is the AI's route.
    const named = { ...everyone, aiTarget: true };
    expectAction(decide(taskEvent('reservation.created'), { config, offerRoute: named }), 'engage');
    // The queue the settings name serves the AI, whatever its Target Workers.
    const saved = { ...config, aiQueueSid: everyone.sid };
    expectAction(decide(taskEvent('reservation.created'), { config: saved, offerRoute: everyone }), 'engage');
    // A conversation the AI holds goes on wherever it is offered again.
    const held = decide(taskEvent('reservation.created'), { config, record: record('ai'), offerRoute: everyone });
    expect(held.action).not.toBe('decline');
  });

  it.each<[string, FlexTaskAttributes | undefined]>([
    ['no attributes at all', undefined],
    ['no conversationSid (a voice task)', { channelType: 'voice', call_sid: 'CA123' }],
    ['a conversationSid that is not a CH sid', { conversationSid: 'IS123' }],
    ['a non-string conversationSid', { conversationSid: 42 as unknown as string }],
  ])('declines a non-conversation task: %s', (_label, attributes) => {
    const decision = expectAction(
      decide(taskEvent('reservation.created', withAttributes(attributes)), { config }),
      'decline',
    );
    expect(decision.taskSid).toBe(AI_TASK);
    expect(decision.reservationSid).toBe(RESERVATION);
    expect(decision.reason).toMatch(/not a Conversations task/);
    expect(decision.summary).toBe(DECLINE_SUMMARIES.notAConversation);
  });

  it.each<ConversationPhase>(['handoff', 'human'])(
    'declines when the conversation is already with humans (%s)',
    (phase) => {
      const decision = expectAction(
        decide(taskEvent('reservation.created'), { config, record: record(phase) }),
        'decline',
      );
      expect(decision.conversationSid).toBe(CONVERSATION);
      expect(decision.reason).toContain(phase);
    },
  );

  it('ignores a reservation created for a human worker', () => {
    expectAction(decide(humanReservation('reservation.created'), { config }), 'ignore');
    expectAction(decide(humanReservation('reservation.created'), { config, record: record('handoff') }), 'ignore');
  });

  it('silences the AI when a human is offered a conversation our record still gives the AI', () => {
    const decision = expectAction(
      decide(humanReservation('reservation.created'), { config, record: record('ai') }),
      'silence-ai',
    );
    expect(decision.conversationSid).toBe(CONVERSATION);
  });

  it("leaves the AI answering on a late human event of another task from before the AI's offer", () => {
    const held = record('ai', { offeredAt: 2_000 });
    const earlier = { taskSid: OTHER_TASK, occurredAt: 1_000 };
    expectAction(decide(humanReservation('reservation.created', earlier), { config, record: held }), 'ignore');
    expectAction(decide(humanReservation('reservation.accepted', earlier), { config, record: held }), 'ignore');
    // After the offer (a handoff's invite whose Sync write failed), or of the AI's own task: humans have it.
    const later = { taskSid: OTHER_TASK, occurredAt: 3_000 };
    expectAction(decide(humanReservation('reservation.created', later), { config, record: held }), 'silence-ai');
    expectAction(decide(humanReservation('reservation.accepted', later), { config, record: held }), 'record-human');
    const sameTask = { occurredAt: 1_000 };
    expectAction(decide(humanReservation('reservation.created', sameTask), { config, record: held }), 'silence-ai');
  });

  it('leaves the AI answering when the offer is a late one of the task the agent handed back from', () => {
    const resumed = record('ai', {
      taskSid: OTHER_TASK,
      handback: {
        at: '2026-12-02T10:00:00.000Z',
        agentSid: HUMAN_WORKER,
        agentName: 'Alice',
        fromTaskSid: AI_TASK,
        afterIndex: 3,
      },
    });
    expectAction(decide(humanReservation('reservation.created'), { config, record: resumed }), 'ignore');
    const fromAnother = { ...resumed, handback: { ...resumed.handback!, fromTaskSid: 'WTearlier' } };
    expectAction(decide(humanReservation('reservation.created'), { config, record: fromAnother }), 'silence-ai');
  });
});

describe('declineStep: a declined AI reservation is released a bounded number of times', () => {
  test('a task without the handoff attributes gets them, routing it to humans, and the reservation is rejected', () => {
    expect(declineStep({ carriesHandoff: false, rejectedByAiBefore: false })).toBe('write-handoff-and-reject');
    expect(declineStep({ carriesHandoff: false, rejectedByAiBefore: true })).toBe('write-handoff-and-reject');
  });

  // Writing them again would route it straight back.
  test('a handed-off task offered to the AI is rejected without rewriting its attributes', () => {
    expect(declineStep({ carriesHandoff: true, rejectedByAiBefore: false })).toBe('reject');
  });

  test('a handed-off task the AI rejected before, offered again, is left to time out, not rejected in a loop', () => {
    expect(declineStep({ carriesHandoff: true, rejectedByAiBefore: true })).toBe('leave-to-time-out');
  });
});

describe('offerOutlived: an AI offer read after its task ended starts nothing', () => {
  test.each(['canceled', 'completed', 'gone'])('a task %s: the offer came too late', (status) => {
    expect(offerOutlived(status)).toBe(true);
  });

  // Assigned and wrapping tasks are someone's: whose, the engage asks TaskRouter (heldOnceAccepted).
  test.each(['pending', 'reserved', 'assigned', 'wrapping', 'unknown'])('a task %s has not ended', (status) => {
    expect(offerOutlived(status)).toBe(false);
  });

  test.each([
    ['assigned', true],
    ['wrapping', true],
    ['reserved', false],
    ['pending', false],
    ['unknown', false],
  ])('a task %s was accepted by a worker: %s', (status, accepted) => {
    expect(heldOnceAccepted(status)).toBe(accepted);
  });
});

describe('decide: reservation.accepted and reservation.timeout', () => {
  it('records the human who accepted a task the AI engaged', () => {
    const decision = decide(humanReservation('reservation.accepted', { taskSid: OTHER_TASK, reservationSid: 'WR9' }), {
      config,
      record: record('handoff'),
    });
    expect(decision).toEqual(ALICE_ACCEPTS);
  });

  it('falls back to the worker SID when the event has no WorkerName', () => {
    const decision = expectAction(
      decide(humanReservation('reservation.accepted', { workerName: undefined }), {
        config,
        record: record('handoff'),
      }),
      'record-human',
    );
    expect(decision.workerName).toBe(HUMAN_WORKER);
  });

  it('ignores a human accepting a task the AI never engaged', () => {
    expectAction(decide(humanReservation('reservation.accepted'), { config }), 'ignore');
    expectAction(
      decide(humanReservation('reservation.accepted', withAttributes({ channelType: 'voice' })), {
        config,
        record: record('handoff'),
      }),
      'ignore',
    );
  });

  it('ignores a late accept of the task the agent handed back, once the AI has it again', () => {
    const handback = {
      at: '2026-12-03T09:00:00.000Z',
      agentSid: HUMAN_WORKER,
      agentName: 'Alice',
      fromTaskSid: OTHER_TASK,
      afterIndex: 4,
    };
    const late = humanReservation('reservation.accepted', { taskSid: OTHER_TASK, reservationSid: 'WR9' });
    expectAction(decide(late, { config, record: record('ai', { handback }) }), 'ignore');
    expectAction(decide(late, { config, record: record('handback', { handback }) }), 'ignore');
    // Another task of the conversation: recorded as before. The handed-back one, whoever holds it now: not.
    const other = humanReservation('reservation.accepted', { reservationSid: 'WR9' });
    expectAction(decide(other, { config, record: record('ai', { handback }) }), 'record-human');
    expectAction(decide(late, { config, record: record('handoff', { handback }) }), 'ignore');
  });

  it('ignores the AI worker accepting its own reservation', () => {
    expectAction(decide(taskEvent('reservation.accepted'), { config, record: record('ai') }), 'ignore');
  });

  it('restores the AI worker when its reservation times out', () => {
    expect(decide(taskEvent('reservation.timeout'), { config, record: record('ai') })).toEqual({
      action: 'restore-ai-worker',
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      workerSid: AI_WORKER,
    });
    // No record needed: the worker must come back online regardless.
    expectAction(decide(taskEvent('reservation.timeout'), { config }), 'restore-ai-worker');
  });

  it('ignores a human reservation timing out', () => {
    expectAction(decide(humanReservation('reservation.timeout'), { config, record: record('handoff') }), 'ignore');
  });
});

describe('decide: a pool of AI workers', () => {
  const SECOND_AI_WORKER = 'WK000000000000000000000000000000a2';
  const DRAINING_AI_WORKER = 'WK000000000000000000000000000000a3';
  const NEW_AI_WORKER = 'WK000000000000000000000000000000a4';
  const pool: BridgeConfig = {
    ...config,
    aiWorkerSids: [AI_WORKER, SECOND_AI_WORKER],
    aiDrainingWorkerSids: [DRAINING_AI_WORKER],
  };
  const on = (type: TaskRouterEventType, workerSid: string, over: Partial<TaskRouterEvent> = {}) =>
    taskEvent(type, { workerSid, workerName: 'OpenCX AI 2', ...over });

  it('engages on a reservation for any pool worker, a draining one included', () => {
    for (const worker of [AI_WORKER, SECOND_AI_WORKER, DRAINING_AI_WORKER])
      expectAction(decide(on('reservation.created', worker), { config: pool }), 'engage');
  });

  it('a reservation timeout restores the worker it hit, not the first of the pool', () => {
    expect(decide(on('reservation.timeout', SECOND_AI_WORKER), { config: pool, record: record('ai') })).toMatchObject({
      action: 'restore-ai-worker',
      workerSid: SECOND_AI_WORKER,
    });
    expect(decide(on('reservation.timeout', DRAINING_AI_WORKER), { config: pool })).toMatchObject({
      action: 'restore-ai-worker',
      workerSid: DRAINING_AI_WORKER,
    });
  });

  it('takes a worker marked opencx_ai that a save added after this config was read as the AI', () => {
    expectAction(decide(on('reservation.created', NEW_AI_WORKER), { config: pool }), 'ignore');
    expectAction(decide(on('reservation.created', NEW_AI_WORKER, { workerIsAi: true }), { config: pool }), 'engage');
    expect(decide(on('reservation.timeout', NEW_AI_WORKER, { workerIsAi: true }), { config: pool })).toMatchObject({
      action: 'restore-ai-worker',
      workerSid: NEW_AI_WORKER,
    });
  });

  it('a human of the same workspace stays a human', () => {
    expectAction(
      decide(humanReservation('reservation.accepted'), { config: pool, record: record('handoff') }),
      'record-human',
    );
    expectAction(decide(humanReservation('reservation.timeout'), { config: pool }), 'ignore');
  });
});

/** Alice handed the conversation back from her task. */
const ALICES_HANDBACK = {
  at: '2026-03-01T10:00:00.000Z',
  agentSid: HUMAN_WORKER,
  agentName: 'Alice',
  fromTaskSid: OTHER_TASK,
  afterIndex: 3,
};

describe('decide: a conversation being handed back to the AI', () => {
  it('the customer writing meanwhile is left to the resume, which reads it', () => {
    const handback = ALICES_HANDBACK;
    const decision = expectAction(
      decide(messageEvent('hello?'), { config, record: record('handback', { handback }) }),
      'ignore',
    );
    expect(decision.reason).toMatch(/reads this message when it resumes/);
  });
});

describe('decide: end of the task', () => {
  const endTypes: TaskRouterEventType[] = ['task.canceled', 'task.deleted', 'workflow.timeout', 'task.completed'];

  it.each(endTypes)('%s of the recorded task ends the conversation (phase ai)', (type) => {
    const decision = decide(taskEvent(type, { reason: type === 'task.canceled' ? 'Task TTL Exceeded' : undefined }), {
      config,
      record: record('ai'),
    });
    expect(decision).toEqual({
      action: 'end',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reason: type === 'task.canceled' ? 'Task TTL Exceeded' : type,
    });
  });

  it("carries the time TaskRouter raised the end, which keys the end's insight (a duplicate is counted once)", () => {
    const occurredAt = Date.parse('2026-05-01T12:00:00.123Z');
    expect(decide(taskEvent('task.completed', { occurredAt }), { config, record: record('ai') })).toMatchObject({
      action: 'end',
      at: '2026-05-01T12:00:00.123Z',
    });
  });

  it.each<[ConversationPhase, TaskRouterEventType]>(
    (['human', 'handoff'] as const).flatMap((phase) =>
      endTypes.map((type): [ConversationPhase, TaskRouterEventType] => [phase, type]),
    ),
  )('in phase %s, %s of any task ends the conversation, unless a transfer carries it on', (phase, type) => {
    const holding = record(phase, { taskSid: OTHER_TASK });
    for (const taskSid of [OTHER_TASK, AI_TASK])
      expect(decide(taskEvent(type, { taskSid }), { config, record: holding })).toMatchObject({
        action: 'end',
        taskSid,
        unlessTransferred: true,
      });
  });

  it.each<[ConversationPhase, TaskRouterEventType]>([
    ['ai', 'task.canceled'],
    ['ai', 'task.completed'],
    ['ai', 'task.deleted'],
    ['ai', 'workflow.timeout'],
  ])('in phase %s, %s of another task is ignored', (phase, type) => {
    const decision = expectAction(
      decide(taskEvent(type, { taskSid: OTHER_TASK }), { config, record: record(phase) }),
      'ignore',
    );
    expect(decision.reason).toContain(AI_TASK);
  });

  it.each(endTypes)('%s for a conversation we hold no record of is ignored', (type) => {
    expectAction(decide(taskEvent(type), { config }), 'ignore');
  });

  it('an end event without a conversationSid is ignored', () => {
    expectAction(
      decide(taskEvent('task.canceled', withAttributes({ channelType: 'voice' })), { config, record: record('ai') }),
      'ignore',
    );
  });
});

describe('decide: informational events', () => {
  it.each<TaskRouterEventType>([
    'task.created',
    'workflow.target-matched',
    'reservation.rejected',
    'reservation.canceled',
    'reservation.rescinded',
  ])('%s needs no action', (type) => {
    expectAction(decide(taskEvent(type), { config, record: record('ai') }), 'ignore');
  });

  it.each(['onConversationAdded', 'onParticipantAdded'] as const)(
    '%s needs no action (the AI engages on its reservation)',
    (type) => {
      const event: ConversationEvent = { ...messageEvent(), type, message: undefined };
      expectAction(decide(event, { config, record: record('ai') }), 'ignore');
    },
  );
});

describe('decide: customer messages (onMessageAdded)', () => {
  it('relays a customer message while the AI holds the conversation', () => {
    const event = messageEvent('Where is my order?');
    expect(decide(event, { config, record: record('ai') })).toEqual({
      action: 'relay',
      conversationSid: CONVERSATION,
      message: event.message,
    });
  });

  it('relays while the engaging Function is still creating the session (phase ai, no sessionId yet)', () => {
    expectAction(decide(messageEvent(), { config, record: record('ai', { sessionId: undefined }) }), 'relay');
  });

  it.each<ConversationPhase>(['handoff', 'human'])('never relays in phase %s', (phase) => {
    const decision = expectAction(
      decide(messageEvent(), {
        config,
        record: record(phase, { handoff: { reason: 'x', at: '2026-01-01T00:00:00Z', routed: true } }),
      }),
      'ignore',
    );
    expect(decision.reason).toContain(phase);
  });

  it('relays only the customer once the engage told them apart; another author is left out', () => {
    const held = record('ai', { customerAuthor: '+15550100' });
    expectAction(decide(messageEvent('Hi', { author: '+15550100' }), { config, record: held }), 'relay');
    const other = expectAction(
      decide(messageEvent('Our sale starts today!', { author: 'marketing-bot' }), { config, record: held }),
      'ignore',
    );
    expect(other.reason).toContain('not the customer');
    // Without a known customer (a web chat identity Flex does not put on the task) every author counts.
    expectAction(decide(messageEvent('Hi', { author: 'marketing-bot' }), { config, record: record('ai') }), 'relay');
  });

  it('finishes a handoff that was cut short (recorded in Sync, not yet known to have reached humans)', () => {
    const cutShort = record('handoff', { handoff: { reason: 'AI unavailable', at: '2026-01-01T00:00:00Z' } });
    expect(decide(messageEvent(), { config, record: cutShort })).toEqual({
      action: 'finish-handoff',
      conversationSid: CONVERSATION,
    });
  });

  it('does not relay on a conversation the AI does not hold', () => {
    expectAction(decide(messageEvent(), { config }), 'ignore');
  });

  it("never relays a message by the AI's author name", () => {
    expectAction(
      decide(messageEvent('Happy to help', { author: 'AI Support Agent' }), { config, record: record('ai') }),
      'ignore',
    );
    const renamed = { ...config, aiAuthorName: 'Acme Bot' };
    expectAction(
      decide(messageEvent('Happy to help', { author: 'Acme Bot' }), { config: renamed, record: record('ai') }),
      'ignore',
    );
    // ...but the default name is not special once the admin renamed the author.
    expectAction(
      decide(messageEvent('Happy to help', { author: 'AI Support Agent' }), { config: renamed, record: record('ai') }),
      'relay',
    );
  });

  it("never relays a message marked {opencx: {role: 'ai'}}, whoever the author", () => {
    const event = messageEvent('Happy to help', { author: 'system', attributes: { opencx: { role: 'ai' } } });
    expectAction(decide(event, { config, record: record('ai') }), 'ignore');
  });

  it('does not relay a media-only (blank) message', () => {
    expectAction(decide(messageEvent('   \n'), { config, record: record('ai') }), 'ignore');
    expectAction(decide(messageEvent(''), { config, record: record('ai') }), 'ignore');
  });

  it('works end to end from a raw webhook payload', () => {
    const classified = classifyEvent({
      EventType: 'onMessageAdded',
      AccountSid: ACCOUNT,
      ChatServiceSid: SERVICE,
      ConversationSid: CONVERSATION,
      MessageSid: 'IM1',
      Author: 'AI Support Agent',
      Body: 'hi',
      DateCreated: '2026-03-01T10:00:05Z',
      Attributes: '{}',
    });
    if (!classified.ok) throw new Error(classified.reason);
    expectAction(decide(classified.event, { config, record: record('ai') }), 'ignore');
  });

  it("relays a web chat customer's message that carries our marker: a participant wrote it", () => {
    const classified = classifyEvent({
      EventType: 'onMessageAdded',
      AccountSid: ACCOUNT,
      ChatServiceSid: SERVICE,
      ConversationSid: CONVERSATION,
      MessageSid: 'IM2',
      ParticipantSid: 'MB1',
      Source: 'SDK',
      Author: 'customer@example.com',
      Body: 'I am the AI, trust me',
      DateCreated: '2026-03-01T10:00:05Z',
      Attributes: JSON.stringify({ opencx: { role: 'ai' } }),
    });
    if (!classified.ok) throw new Error(classified.reason);
    expectAction(decide(classified.event, { config, record: record('ai') }), 'relay');
  });
});

describe('isOurMessage', () => {
  it.each<[string, Record<string, unknown> | undefined, boolean]>([
    ['AI Support Agent', {}, true],
    ['customer@example.com', { opencx: { role: 'ai' } }, true],
    ['customer@example.com', { opencx: { role: 'handoff-note' } }, true],
    ['customer@example.com', {}, false],
    ['customer@example.com', undefined, false],
    ['customer@example.com', { opencx: { role: 'customer' } }, false],
    ['customer@example.com', { role: 'ai' }, false],
    ['ai support agent', {}, false],
  ])('author %j with attributes %j → %s', (author, attributes, expected) => {
    expect(isOurMessage({ author, attributes }, config)).toBe(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['customer@example.com', { opencx: { role: 'ai' } }],
    ['customer@example.com', { opencx: { role: 'handoff-note' } }],
    ['AI Support Agent', {}],
  ])("a participant's message (author %j, attributes %j) is never ours", (author, attributes) => {
    expect(isOurMessage({ author, attributes, participantSid: 'MB1' }, config)).toBe(false);
  });
});

describe('checkOrigin', () => {
  it('accepts events from our account, workspace and Conversations service', () => {
    expect(checkOrigin(taskEvent('task.created'), config, ACCOUNT)).toBeUndefined();
    expect(checkOrigin(messageEvent(), config, ACCOUNT)).toBeUndefined();
  });

  it('refuses another account, on either surface', () => {
    expect(checkOrigin(taskEvent('task.created'), config, 'AC_other')).toContain('AC_other');
    expect(checkOrigin(messageEvent(), config, 'AC_other')).toMatch(/account/);
  });

  it('refuses another workspace', () => {
    const reason = checkOrigin(taskEvent('task.created', { workspaceSid: 'WS_other' }), config, ACCOUNT);
    expect(reason).toContain('WS_other');
    expect(reason).toContain(WORKSPACE);
  });

  it('refuses another Conversations service', () => {
    const reason = checkOrigin({ ...messageEvent(), chatServiceSid: 'IS_other' }, config, ACCOUNT);
    expect(reason).toContain('IS_other');
    expect(reason).toContain(SERVICE);
  });
});

describe('conversationOf', () => {
  it('is the conversation of a Conversations event', () => {
    expect(conversationOf({ ...messageEvent(), conversationSid: 'CH_x' })).toBe('CH_x');
  });

  it("is the task's conversationSid attribute for a TaskRouter event", () => {
    expect(conversationOf(taskEvent('reservation.created'))).toBe(CONVERSATION);
  });

  it('is undefined for a task without a (string) conversationSid', () => {
    expect(conversationOf(taskEvent('reservation.created', withAttributes(undefined)))).toBeUndefined();
    expect(
      conversationOf(taskEvent('reservation.created', withAttributes({ conversationSid: 7 as unknown as string }))),
    ).toBeUndefined();
  });
});

describe('afterAnswer', () => {
  const answer = (over: Partial<AiAnswer>): AiAnswer => ({ handedOff: false, failed: false, ...over });

  it('posts the reply when the AI answered, under the answer id OpenCX gave it', () => {
    expect(afterAnswer(answer({ reply: 'Your order ships today.', answerId: 'm-1' }))).toEqual({
      next: 'reply',
      reply: 'Your order ships today.',
      answerId: 'm-1',
    });
  });

  it('hands off with the summary and sentiment when OpenCX handed the session off', () => {
    expect(
      afterAnswer(
        answer({
          handedOff: true,
          reply: 'Connecting you to a human.',
          summary: 'Refund dispute',
          sentiment: 'angry',
          answerId: 'm-2',
        }),
      ),
    ).toEqual({
      next: 'handoff',
      request: {
        reply: 'Connecting you to a human.',
        answerId: 'm-2',
        reason: 'AI requested human handoff',
        summary: 'Refund dispute',
        sentiment: 'angry',
        byAi: true,
        inAnswer: true,
      },
    });
  });

  it('a bare "handed off" (the session was already) says nothing of last words', () => {
    const bare = afterAnswer(answer({ handedOff: true }));
    if (bare.next !== 'handoff') throw new Error('expected a handoff');
    expect(bare.request).toMatchObject({ byAi: true });
    expect(bare.request).not.toHaveProperty('inAnswer');
    const silent = afterAnswer(answer({ handedOff: true, summary: 'Wants a human', sentiment: 'neutral' }));
    if (silent.next !== 'handoff') throw new Error('expected a handoff');
    expect(silent.request).toMatchObject({ inAnswer: true });
  });

  it('falls back to a handoff when OpenCX gave no answer, without internals in the summary', () => {
    const decision = afterAnswer(undefined);
    if (decision.next !== 'handoff') throw new Error('expected a handoff');
    expect(decision.request.reason).toBe(AI_UNAVAILABLE);
    expect(decision.request.summary).toBe(
      "The AI assistant could not answer in time. The customer's messages are in the conversation.",
    );
    expect(decision.request.summary).not.toMatch(/OpenCX|\d{3}/);
    expect(decision.request.reply).toBeUndefined();
  });

  it('falls back to a handoff when OpenCX answered but failed', () => {
    expect(afterAnswer(answer({ failed: true }))).toMatchObject({
      next: 'handoff',
      request: { reason: AI_UNAVAILABLE },
    });
  });

  it('aiUnavailable carries the AI-unavailable reason and an optional summary', () => {
    expect(aiUnavailable()).toMatchObject({ reason: AI_UNAVAILABLE });
    expect(aiUnavailable('No answer within 60 seconds.')).toEqual({
      reason: AI_UNAVAILABLE,
      summary: 'No answer within 60 seconds.',
    });
  });
});

describe('needsNoAction', () => {
  const { needsNoAction } = jest.requireActual('./decide') as typeof import('./decide');
  it('is true only for the events no listener acts on', () => {
    const tr = (type: string) =>
      ({
        surface: 'taskrouter',
        type,
        eventSid: 'EV1',
        accountSid: 'AC1',
        workspaceSid: 'WS1',
        taskSid: 'WT1',
      }) as never;
    const cv = (type: string) =>
      ({
        surface: 'conversations',
        type,
        accountSid: 'AC1',
        chatServiceSid: 'IS1',
        conversationSid: 'CH1',
        retryCount: 0,
      }) as never;
    expect(
      ['task.created', 'workflow.target-matched', 'reservation.rejected'].map((t) => needsNoAction(tr(t))),
    ).toEqual([true, true, true]);
    expect(
      ['reservation.created', 'reservation.accepted', 'reservation.timeout', 'task.canceled', 'workflow.timeout'].map(
        (t) => needsNoAction(tr(t)),
      ),
    ).toEqual([false, false, false, false, false]);
    expect(['onConversationAdded', 'onParticipantAdded', 'onMessageAdded'].map((t) => needsNoAction(cv(t)))).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('media-only customer messages', () => {
  it('hand off, since the AI reads text only', () => {
    const decision = decide(messageEvent('', { hasMedia: true }), { config, record: record('ai') });
    expect(decision).toMatchObject({
      action: 'handoff',
      conversationSid: CONVERSATION,
      request: { reason: 'Customer sent an attachment' },
    });
  });

  it('an empty message without media is ignored', () => {
    expect(decide(messageEvent('  '), { config, record: record('ai') })).toMatchObject({ action: 'ignore' });
  });

  it('media with text is relayed as text', () => {
    expect(decide(messageEvent('See the photo', { hasMedia: true }), { config, record: record('ai') })).toMatchObject({
      action: 'relay',
    });
  });
});

describe('decide: the answer watchdog (a timer task in our own workspace)', () => {
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE };
  const timerFired = (attributes: Record<string, unknown>) =>
    taskEvent('task.canceled', {
      workspaceSid: TIMER_WORKSPACE,
      taskSid: 'WT0000000000000000000000000000ti01',
      reason: 'Task TTL Exceeded',
      taskAttributes: attributes,
    });
  const timer = {
    opencxTimer: 'answer',
    conversationSid: CONVERSATION,
    sessionId: 'session-1',
    messageSid: 'IM00000000000000000000000000000007',
  };

  it('checks whether the AI answered the message it owes an answer to', () => {
    expect(decide(timerFired(timer), { config: withTimer, record: record('ai') })).toEqual({
      action: 'check-answered',
      conversationSid: CONVERSATION,
      sessionId: 'session-1',
      messageSid: timer.messageSid,
      send: {},
    });
  });

  it('tells the check that the message was already sent again once, so a second miss hands off', () => {
    expect(decide(timerFired({ ...timer, resent: true }), { config: withTimer, record: record('ai') })).toMatchObject({
      action: 'check-answered',
      send: { resent: true },
    });
  });

  it('tells the check that OpenCX answered the send with a server error: an unreadable history means missing', () => {
    expect(
      decide(timerFired({ ...timer, sendFailed: true }), { config: withTimer, record: record('ai') }),
    ).toMatchObject({ action: 'check-answered', send: { sendFailed: true } });
  });

  it('tells the check that OpenCX was still working on the message, so its history need not be read', () => {
    expect(
      decide(timerFired({ ...timer, stillWorking: true, rearmed: 1 }), { config: withTimer, record: record('ai') }),
    ).toMatchObject({ action: 'check-answered', send: { stillWorking: true } });
    const notAFlag = decide(timerFired({ ...timer, stillWorking: 'yes' }), { config: withTimer, record: record('ai') });
    expect(notAFlag).toEqual(expect.objectContaining({ action: 'check-answered', send: {} }));
  });

  it('tells the check that OpenCX answered the message itself, so an answer after it is its own', () => {
    expect(
      decide(timerFired({ ...timer, stillWorking: true, aiAnswered: true }), {
        config: withTimer,
        record: record('ai'),
      }),
    ).toMatchObject({ action: 'check-answered', send: { stillWorking: true, aiAnswered: true } });
  });

  it("tells the check which answer of OpenCX's webhook it waited for already, so it waits for it no more", () => {
    const fired = timerFired({ ...timer, resent: true, awaitedAnswer: 'ans_session-1_m7' });
    expect(decide(fired, { config: withTimer, record: record('ai') })).toMatchObject({
      action: 'check-answered',
      send: { resent: true, awaitedAnswer: 'ans_session-1_m7' },
    });
    const notAKey = decide(timerFired({ ...timer, awaitedAnswer: 7 }), { config: withTimer, record: record('ai') });
    expect(notAKey).toEqual(expect.objectContaining({ send: {} }));
  });

  it('tells the check that its timer was armed again after a failure (its resend may have reached OpenCX)', () => {
    const first = decide(timerFired(timer), { config: withTimer, record: record('ai') });
    expect(first).not.toHaveProperty('rearmed');
    expect(decide(timerFired({ ...timer, rearmed: 1 }), { config: withTimer, record: record('ai') })).toMatchObject({
      action: 'check-answered',
      rearmed: true,
    });
  });

  it('armed while the session was being made: checks in the session made since, or hands off when none was', () => {
    const { sessionId: _none, ...engaging } = { ...timer, unparked: true, claimedAt: 0 };
    expect(decide(timerFired(engaging), { config: withTimer, record: record('ai') })).toEqual({
      action: 'check-answered',
      conversationSid: CONVERSATION,
      sessionId: 'session-1',
      messageSid: timer.messageSid,
      send: { unparked: true },
    });
    expect(
      decide(timerFired(engaging), { config: withTimer, record: record('ai', { sessionId: undefined }) }),
    ).toMatchObject({ action: 'handoff', request: { reason: 'AI unavailable', summary: ENGAGE_NEVER_FINISHED } });
    // Claimed again since (a resume, a stale claim taken over): that engage read the conversation itself.
    expectAction(decide(timerFired(engaging), { config: withTimer, record: record('ai', { claimedAt: 5 }) }), 'ignore');
    expectAction(decide(timerFired(engaging), { config: withTimer, record: record('human') }), 'ignore');
    expectAction(decide(timerFired(engaging), { config: withTimer }), 'ignore');
  });

  it('armed while the session was being made, after its handoff was cut short: finishes that handoff', () => {
    const { sessionId: _none, ...engaging } = { ...timer, unparked: true, claimedAt: 0 };
    const handoff = { reason: 'AI unavailable', summary: ENGAGE_NEVER_FINISHED, at: '2026-01-01T00:00:00.000Z' };
    const cutShort = record('handoff', { sessionId: undefined, handoff });
    expect(decide(timerFired(engaging), { config: withTimer, record: cutShort })).toEqual({
      action: 'finish-handoff',
      conversationSid: CONVERSATION,
    });
    const routed = record('handoff', { sessionId: undefined, handoff: { ...handoff, routed: true } });
    expectAction(decide(timerFired(engaging), { config: withTimer, record: routed }), 'ignore');
    const claimedAgain = record('handoff', { sessionId: undefined, handoff, claimedAt: 5 });
    expectAction(decide(timerFired(engaging), { config: withTimer, record: claimedAgain }), 'ignore');
  });

  it('armed when the record could not be read: checks in whatever session the AI holds now', () => {
    const { sessionId: _none, ...unread } = { ...timer, unread: true };
    expect(decide(timerFired(unread), { config: withTimer, record: record('ai', { claimedAt: 5 }) })).toEqual({
      action: 'check-answered',
      conversationSid: CONVERSATION,
      sessionId: 'session-1',
      messageSid: timer.messageSid,
      send: { unread: true },
    });
    // An engage under way reads the conversation itself; no record: the AI never held it.
    expectAction(
      decide(timerFired(unread), { config: withTimer, record: record('ai', { sessionId: undefined }) }),
      'ignore',
    );
    expectAction(decide(timerFired(unread), { config: withTimer }), 'ignore');
    expectAction(decide(timerFired(unread), { config: withTimer, record: record('human') }), 'ignore');
  });

  it('armed when the record could not be read, from a message index: the check covers the messages since', () => {
    const { sessionId: _none, ...unread } = { ...timer, unread: true, fromIndex: 7 };
    expect(decide(timerFired(unread), { config: withTimer, record: record('ai') })).toMatchObject({
      action: 'check-answered',
      send: { unread: true, fromIndex: 7 },
    });
    // Only an unread watchdog covers later messages.
    expect(decide(timerFired({ ...timer, fromIndex: 7 }), { config: withTimer, record: record('ai') })).toMatchObject({
      send: {},
    });
  });

  it('is accepted from the timer workspace by checkOrigin, and nothing else is', () => {
    expect(checkOrigin(timerFired(timer), withTimer, ACCOUNT)).toBeUndefined();
    expect(checkOrigin(timerFired(timer), config, ACCOUNT)).toMatch(/workspace/);
  });

  it('never ends the conversation (a timer task is not the conversation task)', () => {
    expect(decide(timerFired(timer), { config: withTimer, record: record('ai') }).action).not.toBe('end');
  });

  it('finishes a handoff cut short, and leaves a conversation humans hold alone', () => {
    expect(
      decide(timerFired(timer), {
        config: withTimer,
        record: record('handoff', { handoff: { reason: 'x', at: 'now' } }),
      }),
    ).toEqual({
      action: 'finish-handoff',
      conversationSid: CONVERSATION,
    });
    expectAction(decide(timerFired(timer), { config: withTimer, record: record('human') }), 'ignore');
  });

  it.each<[string, Record<string, unknown>, ConversationRecord | undefined]>([
    ['a timer of an older session', timer, record('ai', { sessionId: 'session-0' })],
    ['a conversation we no longer hold', timer, undefined],
    ['a task that is not an answer timer', { conversationSid: CONVERSATION }, record('ai')],
    ['a timer without its message', { ...timer, messageSid: 7 }, record('ai')],
  ])('ignores %s', (_label, attributes, known) => {
    expectAction(decide(timerFired(attributes), { config: withTimer, record: known }), 'ignore');
  });
});

describe("decide: the handback's timer (the AI may not take the conversation back)", () => {
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE };
  const handback = ALICES_HANDBACK;
  const timer = {
    opencxTimer: 'handback',
    conversationSid: CONVERSATION,
    handbackAt: handback.at,
    flexInteractionSid: 'KD1',
    flexInteractionChannelSid: 'UO1',
  };
  const timerFired = (attributes: Record<string, unknown>) =>
    taskEvent('task.canceled', {
      workspaceSid: TIMER_WORKSPACE,
      taskSid: 'WT0000000000000000000000000000ti09',
      reason: 'Task TTL Exceeded',
      taskAttributes: attributes,
    });

  it('a conversation still being handed back goes to humans, found by its interaction if need be', () => {
    expect(decide(timerFired(timer), { config: withTimer, record: record('handback', { handback }) })).toEqual({
      action: 'handback-untaken',
      conversationSid: CONVERSATION,
      at: handback.at,
      interaction: { sid: 'KD1', channelSid: 'UO1' },
    });
  });

  it('its move to humans cut short (the timer armed again) is finished, and no other handoff', () => {
    const handingOff = record('handoff', {
      handback,
      handoff: { reason: AI_UNAVAILABLE, at: 'now', untakenHandbackAt: handback.at },
    });
    expectAction(decide(timerFired(timer), { config: withTimer, record: handingOff }), 'finish-handoff');
    // The AI took it back, then handed off itself: that handoff finishes on its own.
    const aisOwn = record('handoff', { handback, handoff: { reason: 'AI requested human handoff', at: 'now' } });
    expectAction(decide(timerFired(timer), { config: withTimer, record: aisOwn }), 'ignore');
    expect(timerToRearm(timerFired(timer), { ...withTimer, timerWorkflowSid: 'WW1' })).toEqual({
      ...timer,
      rearmed: 1,
    });
  });

  it.each<[string, Record<string, unknown>, ConversationRecord | undefined]>([
    ['the AI took it back', timer, record('ai', { handback: { ...handback, invitedTaskSid: AI_TASK } })],
    ['a later handback of the conversation', timer, record('handback', { handback: { ...handback, at: 'later' } })],
    ['a human holds it again', timer, record('human', { handback })],
    ['the conversation ended', timer, undefined],
    ['a timer without its handback', { ...timer, handbackAt: undefined }, record('handback', { handback })],
    [
      'the agent invited again since (that click armed its own timer)',
      timer,
      record('handback', { handback: { ...handback, invitedAt: '2026-12-02T10:01:40.000Z' } }),
    ],
    [
      'a later click invited again after this one',
      { ...timer, handbackInvitedAt: '2026-12-02T10:01:40.000Z' },
      record('handback', { handback: { ...handback, invitedAt: '2026-12-02T10:03:00.000Z' } }),
    ],
  ])('changes nothing when %s', (_label, attributes, known) => {
    expectAction(decide(timerFired(attributes), { config: withTimer, record: known }), 'ignore');
  });

  it("the timer of the click that invited again hands off, naming that click's invite", () => {
    const invitedAgain = { ...handback, invitedAt: '2026-12-02T10:01:40.000Z' };
    expect(
      decide(timerFired({ ...timer, handbackInvitedAt: invitedAgain.invitedAt }), {
        config: withTimer,
        record: record('handback', { handback: invitedAgain }),
      }),
    ).toMatchObject({ action: 'handback-untaken', at: handback.at, invitedAt: invitedAgain.invitedAt });
  });
});

describe('decide: the resend timer (a message OpenCX refused for its rate limit)', () => {
  const TIMER_TASK = 'WT0000000000000000000000000000ti02';
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE };
  const timerFired = (attributes: Record<string, unknown>) =>
    taskEvent('task.canceled', {
      workspaceSid: TIMER_WORKSPACE,
      taskSid: TIMER_TASK,
      reason: 'Task TTL Exceeded',
      taskAttributes: attributes,
    });
  const timer = {
    opencxTimer: 'resend',
    conversationSid: CONVERSATION,
    sessionId: 'session-1',
    text: 'Where is my order?',
    messageSids: ['IM00000000000000000000000000000007'],
    since: 1000,
  };

  it('sends the owed text again, named by the timer task so a second delivery sends nothing', () => {
    expect(decide(timerFired(timer), { config: withTimer, record: record('ai') })).toEqual({
      action: 'resend',
      conversationSid: CONVERSATION,
      timerSid: TIMER_TASK,
      rearmed: false,
      text: 'Where is my order?',
      messageSids: timer.messageSids,
      since: 1000,
    });
  });

  it('a timer armed again after a failure resends under the first timer, counting its rearms', () => {
    const rearmed = timerToRearm(timerFired(timer), { ...withTimer, timerWorkflowSid: 'WW1' });
    expect(rearmed).toEqual({ ...timer, rearmed: 1, resendOf: TIMER_TASK });
    const second = timerFired(rearmed!);
    expect(
      decide({ ...second, taskSid: 'WT0000000000000000000000000000ti03' }, { config: withTimer, record: record('ai') }),
    ).toMatchObject({ action: 'resend', timerSid: TIMER_TASK, rearmed: true });
    expect(timerToRearm({ ...second, taskSid: 'WT0000000000000000000000000000ti03' }, withTimer)).toEqual({
      ...timer,
      rearmed: 2,
      resendOf: TIMER_TASK,
    });
  });

  it('leaves the message to humans once they hold the conversation, and finishes a handoff cut short', () => {
    expectAction(decide(timerFired(timer), { config: withTimer, record: record('human') }), 'ignore');
    expectAction(
      decide(timerFired(timer), {
        config: withTimer,
        record: record('handoff', { handoff: { reason: 'x', at: 'now' } }),
      }),
      'finish-handoff',
    );
  });

  it.each<[string, Record<string, unknown>, ConversationRecord | undefined]>([
    ['a timer of an older session', timer, record('ai', { sessionId: 'session-0' })],
    ['a conversation we no longer hold', timer, undefined],
    ['a timer without its text', { ...timer, text: undefined }, record('ai')],
    ['a timer whose messages are not SIDs', { ...timer, messageSids: [7] }, record('ai')],
    ['a timer without its start', { ...timer, since: 'then' }, record('ai')],
  ])('ignores %s', (_label, attributes, known) => {
    expectAction(decide(timerFired(attributes), { config: withTimer, record: known }), 'ignore');
  });
});

describe('timerToRearm (an event whose handling failed, which TaskRouter does not retry)', () => {
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE, timerWorkflowSid: 'WW1' };
  const fired = (attributes: Record<string, unknown>, workspaceSid = TIMER_WORKSPACE): TaskRouterEvent => ({
    surface: 'taskrouter',
    type: 'task.canceled',
    eventSid: 'EV1',
    accountSid: ACCOUNT,
    workspaceSid,
    taskSid: 'WT9',
    taskAttributes: attributes,
    reason: 'Task TTL Exceeded',
  });
  const watchdog = { opencxTimer: 'answer', conversationSid: CONVERSATION, sessionId: 's1', messageSid: 'IM1' };

  it('arms it again with the same attributes, counting: soon thrice, then for up to 20 minutes of failures', () => {
    expect(timerToRearm(fired(watchdog), withTimer)).toEqual({ ...watchdog, rearmed: 1 });
    expect(timerToRearm(fired({ ...watchdog, rearmed: 2 }), withTimer)).toEqual({ ...watchdog, rearmed: 3 });
    expect(timerToRearm(fired({ ...watchdog, rearmed: 6 }), withTimer)).toEqual({ ...watchdog, rearmed: 7 });
    expect(timerToRearm(fired({ ...watchdog, rearmed: 7 }), withTimer)).toBeUndefined();
    // A customer waits on it: the usual short wait, then longer ones.
    const waits = [1, 2, 3, 4, 5, 6, 7].map((rearmed) => rearmDelaySeconds({ ...watchdog, rearmed }));
    expect(waits).toEqual([15, 15, 15, 60, 120, 300, 600]);
    expect(waits.reduce((total, wait) => total! + wait!, 0)).toBeGreaterThanOrEqual(1_000);
    expect(timerToRearm(fired({ opencxTimer: 'constructor', rearmed: 1 }), withTimer)).toBeUndefined();
  });

  it("decides again a human's accept that could not be recorded, while the conversation is being handed off", () => {
    const accepted = humanReservation('reservation.accepted', { taskSid: OTHER_TASK, reservationSid: 'WR9' });
    const timer = {
      opencxTimer: 'accepted',
      conversationSid: CONVERSATION,
      taskSid: OTHER_TASK,
      reservationSid: 'WR9',
      workerSid: HUMAN_WORKER,
      workerName: 'Alice',
      rearmed: 1,
    };
    expect(timerToRearm(accepted, withTimer)).toEqual(timer);
    expect(decide(fired(timer), { config: withTimer, record: record('handoff') })).toEqual(ALICE_ACCEPTS);
    expect(timerToRearm(fired(timer), withTimer)).toEqual({ ...timer, rearmed: 2 });
    // As patient as a customer's message: until then the AI may answer in the agent's chat.
    expect([1, 2, 3, 4, 5, 6, 7].map((rearmed) => rearmDelaySeconds({ ...timer, rearmed }))).toEqual([
      15, 15, 15, 60, 120, 300, 600,
    ]);
    expect(timerToRearm(fired({ ...timer, rearmed: 6 }), withTimer)).toEqual({ ...timer, rearmed: 7 });
    // The conversation moved on since (the AI again, a hand-back, its end): nothing to record.
    for (const moved of [record('ai'), record('handback'), undefined])
      expectAction(decide(fired(timer), { config: withTimer, record: moved }), 'ignore');
    // Still the AI's by the record, on the task the human accepted (its offer to them was never handled).
    expect(decide(fired(timer), { config: withTimer, record: record('ai', { taskSid: OTHER_TASK }) })).toEqual(
      ALICE_ACCEPTS,
    );
    // The AI's own accept needs no timer.
    expect(timerToRearm({ ...accepted, workerSid: AI_WORKER }, withTimer)).toBeUndefined();
  });

  it("decides again a human's offer whose silencing of the AI failed, while the record still gives the AI it", () => {
    const offered = humanReservation('reservation.created', { reservationSid: 'WR9', occurredAt: 5_000 });
    const timer = {
      opencxTimer: 'silence',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reservationSid: 'WR9',
      workerSid: HUMAN_WORKER,
      offeredAt: 5_000,
      rearmed: 1,
    };
    expect(timerToRearm(offered, withTimer)).toEqual(timer);
    expect(decide(fired(timer), { config: withTimer, record: record('ai') })).toMatchObject({
      action: 'silence-ai',
      conversationSid: CONVERSATION,
    });
    expect(timerToRearm(fired(timer), withTimer)).toEqual({ ...timer, rearmed: 2 });
    expect([1, 2, 3, 4, 5, 6, 7].map((rearmed) => rearmDelaySeconds({ ...timer, rearmed }))).toEqual([
      15, 15, 15, 60, 120, 300, 600,
    ]);
    // Silenced since, or the human's accept recorded, or the conversation ended: nothing to do.
    for (const moved of [record('handoff'), record('human'), undefined])
      expectAction(decide(fired(timer), { config: withTimer, record: moved }), 'ignore');
    // An offer older than the AI's own offer of another task (delivered late), or of this very task (the
    // human let it go, and the AI took it): the AI goes on.
    for (const taskSid of [OTHER_TASK, AI_TASK]) {
      const later = record('ai', { taskSid, offeredAt: 6_000 });
      expectAction(decide(fired(timer), { config: withTimer, record: later }), 'ignore');
    }
    expectAction(decide(fired(timer), { config: withTimer, record: record('ai', { offeredAt: 4_000 }) }), 'silence-ai');
    // The AI's own offer arms its offer timer instead.
    expect(timerToRearm({ ...offered, workerSid: AI_WORKER }, withTimer)).not.toMatchObject({ opencxTimer: 'silence' });
  });

  it("decides again a transfer's accept that could not be recorded, but not an accept older than the record's", () => {
    const ALICE_AT = 1_000_000;
    const bob = humanReservation('reservation.accepted', {
      taskSid: OTHER_TASK,
      reservationSid: 'WR9',
      workerSid: 'WK' + 'b'.repeat(32),
      workerName: 'Bob',
      occurredAt: ALICE_AT + 60_000,
    });
    const timer = timerToRearm(bob, withTimer)!;
    expect(timer).toMatchObject({ opencxTimer: 'accepted', taskSid: OTHER_TASK, acceptedAt: ALICE_AT + 60_000 });
    // Alice holds the conversation on the AI's task; Bob accepted the transfer a minute later.
    const alice = record('human', { taskSid: AI_TASK, humanWorkerSid: HUMAN_WORKER, acceptedAt: ALICE_AT });
    expect(decide(fired(timer), { config: withTimer, record: alice })).toMatchObject({
      action: 'record-human',
      taskSid: OTHER_TASK,
      workerName: 'Bob',
      acceptedAt: ALICE_AT + 60_000,
    });
    // The other way round: Bob's accept holds it, and Alice's older one comes late (its timer, or TaskRouter's).
    const bobHolds = record('human', { taskSid: OTHER_TASK, acceptedAt: ALICE_AT + 60_000 });
    const aliceLate = humanReservation('reservation.accepted', { occurredAt: ALICE_AT });
    expectAction(decide(aliceLate, { config, record: bobHolds }), 'ignore');
    expectAction(decide(fired(timerToRearm(aliceLate, withTimer)!), { config: withTimer, record: bobHolds }), 'ignore');
    // A record written before accepts carried their time: as before, only a handoff's is decided again.
    expectAction(decide(fired(timer), { config: withTimer, record: record('human', { taskSid: AI_TASK }) }), 'ignore');
  });

  it('ignores an accept of the task the agent handed back from, made before the hand-back, whoever holds it', () => {
    const handback = {
      at: new Date(2_000_000).toISOString(),
      agentSid: HUMAN_WORKER,
      agentName: 'Alice',
      fromTaskSid: OTHER_TASK,
      afterIndex: 4,
    };
    const before = humanReservation('reservation.accepted', { taskSid: OTHER_TASK, occurredAt: 1_000_000 });
    // The AI took the conversation back and handed it off again: the old accept (or its timer) must not undo that.
    const handedOffAgain = record('handoff', { handback });
    expectAction(decide(before, { config, record: handedOffAgain }), 'ignore');
    expectAction(
      decide(fired(timerToRearm(before, withTimer)!), { config: withTimer, record: handedOffAgain }),
      'ignore',
    );
    // Whatever TaskRouter's clock says against the Functions' (the hand-back's time is theirs).
    const skewed = humanReservation('reservation.accepted', { taskSid: OTHER_TASK, occurredAt: 3_000_000 });
    expectAction(decide(skewed, { config, record: handedOffAgain }), 'ignore');
    // Another task's accept is news.
    const other = humanReservation('reservation.accepted', { reservationSid: 'WR9', occurredAt: 3_000_000 });
    expectAction(decide(other, { config, record: handedOffAgain }), 'record-human');
  });

  it('leaves alone other timers, other workspaces, and an event before the settings were read', () => {
    expect(timerToRearm(fired({ ...watchdog, opencxTimer: 'nudge' }), withTimer)).toBeUndefined();
    expect(timerToRearm(fired({ opencxTimer: 'answer' }, WORKSPACE), withTimer)).toBeUndefined();
    expect(timerToRearm(fired(watchdog), undefined)).toBeUndefined();
  });

  it('closes an OpenCX session whose close failed when its conversation ended, with no record needed', () => {
    const close = { opencxTimer: 'close-session', sessionId: 's1', status: 'closed_resolved', rearmed: 1 };
    expect(decide(fired(close), { config: withTimer })).toEqual({
      action: 'close-session',
      sessionId: 's1',
      status: 'closed_resolved',
    });
    expect(timerToRearm(fired(close), withTimer)).toEqual({ ...close, rearmed: 2 });
    // Nobody waits on it: it outlasts an OpenCX rate limit or outage, backing off, for hours.
    const waits = [1, 2, 3, 4, 5].map((n) =>
      rearmDelaySeconds(timerToRearm(fired({ ...close, rearmed: n }), withTimer)!),
    );
    expect(waits).toEqual([60, 300, 900, 3600, 14_400]);
    expect(timerToRearm(fired({ ...close, rearmed: 6 }), withTimer)).toBeUndefined();
    for (const broken of [
      { ...close, status: 'open' },
      { ...close, sessionId: 7 },
    ])
      expect(decide(fired(broken), { config: withTimer })).toMatchObject({ action: 'ignore' });
  });

  it("ends a conversation whose task's end failed, by a timer that decides that end again", () => {
    const taskEnd = (type: TaskRouterEventType, reason?: string): TaskRouterEvent => ({
      ...fired({ conversationSid: CONVERSATION, channelType: 'web' }, WORKSPACE),
      type,
      taskSid: OTHER_TASK,
      reason,
    });
    const end = {
      opencxTimer: 'end',
      conversationSid: CONVERSATION,
      taskSid: OTHER_TASK,
      endType: 'task.canceled',
      reason: 'Task TTL Exceeded',
      rearmed: 1,
    };
    expect(timerToRearm(taskEnd('task.canceled', 'Task TTL Exceeded'), withTimer)).toEqual(end);
    expect(timerToRearm(taskEnd('task.completed'), withTimer)).toEqual({
      ...end,
      endType: 'task.completed',
      reason: undefined,
    });
    expect(timerToRearm(taskEnd('task.created'), withTimer)).toBeUndefined();
    expect(timerToRearm(fired(end), withTimer)).toEqual({ ...end, rearmed: 2 });
    expect(rearmDelaySeconds({ ...end, rearmed: 4 })).toBe(900);
    expect(timerToRearm(fired({ ...end, rearmed: 5 }), withTimer)).toMatchObject({ rearmed: 6 });
    expect(timerToRearm(fired({ ...end, rearmed: 6 }), withTimer)).toBeUndefined();

    // Fired, it is the task's end again: humans held the conversation, so a transfer may carry it on.
    expect(decide(fired(end), { config: withTimer, record: record('human', { taskSid: OTHER_TASK }) })).toEqual({
      action: 'end',
      conversationSid: CONVERSATION,
      taskSid: OTHER_TASK,
      reason: 'Task TTL Exceeded',
      unlessTransferred: true,
    });
    const aiEnd = { ...end, taskSid: AI_TASK, endType: 'task.completed', reason: undefined };
    expect(decide(fired(aiEnd), { config: withTimer, record: record('ai') })).toEqual({
      action: 'end',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reason: 'task.completed',
    });
    expectAction(decide(fired(end), { config: withTimer, record: record('ai') }), 'ignore');
    expectAction(decide(fired(end), { config: withTimer }), 'ignore');

    // The failed end read the record: its timer carries the session, closed though the record is gone.
    const aiRecord = record('ai', { taskSid: OTHER_TASK });
    const carried = timerToRearm(taskEnd('task.canceled', 'Task TTL Exceeded'), withTimer, undefined, 0, aiRecord);
    expect(carried).toEqual({ ...end, sessionId: aiRecord.sessionId, status: 'closed_resolved' });
    expect(timerToRearm(fired(carried!), withTimer)).toEqual({ ...carried, rearmed: 2 });
    expect(decide(fired(carried!), { config: withTimer })).toEqual({
      action: 'close-session',
      sessionId: aiRecord.sessionId,
      status: 'closed_resolved',
    });
    expect(decide(fired(carried!), { config: withTimer, record: aiRecord })).toMatchObject({ action: 'end' });
    // The AI was engaged again since, on a new task and session: the carried one is closed all the same.
    const again = record('ai', { taskSid: AI_TASK, sessionId: 'session-of-the-new-task' });
    expect(decide(fired(carried!), { config: withTimer, record: again })).toEqual({
      action: 'close-session',
      sessionId: aiRecord.sessionId,
      status: 'closed_resolved',
    });
    const humans = record('human', { taskSid: OTHER_TASK });
    expect(timerToRearm(taskEnd('task.canceled'), withTimer, undefined, 0, humans)).toMatchObject({
      sessionId: humans.sessionId,
      status: 'closed_unresolved',
    });
    expectAction(
      decide(fired({ ...end, endType: 'task.created' }), { config: withTimer, record: record('ai') }),
      'ignore',
    );
  });

  it('decides an AI offer whose handling failed again, by a timer: the task does not wait out its reservation', () => {
    const offered = taskEvent('reservation.created', { occurredAt: 1_000 });
    const offer = {
      opencxTimer: 'offer',
      conversationSid: CONVERSATION,
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      workerSid: AI_WORKER,
      offeredAt: 1_000,
      offer: { conversationSid: CONVERSATION, channelType: 'web' },
      rearmed: 1,
    };
    expect(timerToRearm(offered, withTimer)).toEqual(offer);
    // A human's offer arms no offer timer (its silence timer is below).
    expect(timerToRearm(humanReservation('reservation.created'), withTimer)).not.toMatchObject({
      opencxTimer: 'offer',
    });
    expect(timerToRearm(fired(offer), withTimer)).toEqual({ ...offer, rearmed: 2 });
    // As patient as a customer's message (a Sync outage at the chat's start): about 19 minutes.
    expect(timerToRearm(fired({ ...offer, rearmed: 3 }), withTimer)).toEqual({ ...offer, rearmed: 4 });
    expect([1, 2, 3, 4, 5, 6, 7].map((rearmed) => rearmDelaySeconds({ ...offer, rearmed }))).toEqual([
      15, 15, 15, 60, 120, 300, 600,
    ]);
    expect(timerToRearm(fired({ ...offer, rearmed: 7 }), withTimer)).toBeUndefined();

    // Fired: the offer as TaskRouter sent it, against the record the failure left, engaged only while
    // the worker's reservation is still offered.
    const again = (current?: ConversationRecord) => decide(fired(offer), { config: withTimer, record: current });
    expect(again()).toEqual({ ...decide(offered, { config: withTimer }), retried: { workerSid: AI_WORKER } });
    expect(again()).toMatchObject({
      action: 'engage',
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      offeredAt: 1_000,
    });
    // The failed engage's own claim (this offer, no session) is taken over whatever its age; a claim
    // of another offer only once stale.
    // Armed before timers said when: whatever the claim's age.
    expect((again(record('ai', { sessionId: undefined })) as { takeOver?: unknown }).takeOver).toEqual({});
    expect(again(record('ai', { sessionId: undefined, reservationSid: 'WR_OTHER' }))).not.toHaveProperty('takeOver');
    expect(again()).not.toHaveProperty('takeOver');
    expect(decide(offered, { config: withTimer, record: record('ai', { sessionId: undefined }) })).not.toHaveProperty(
      'takeOver',
    );
    expectAction(again(record('ai', { offeredAt: 1_000 })), 'ignore');
    expect(again(record('handoff', { handoff: { at: 'then', reason: 'r', summary: 's', byAi: false } }))).toEqual({
      action: 'finish-handoff',
      conversationSid: CONVERSATION,
    });
    expectAction(again(record('human', { taskSid: OTHER_TASK })), 'decline');
    expectAction(decide(fired({ ...offer, offer: undefined }), { config: withTimer }), 'ignore');
  });

  it('with only the timer workspace known (settings unread), the AI is told by its worker mark', () => {
    const timersOnly = { timerWorkspaceSid: TIMER_WORKSPACE, timerWorkflowSid: 'WW1' };
    const offered = taskEvent('reservation.created', { occurredAt: 1_000 });
    expect(timerToRearm({ ...offered, workerIsAi: true }, timersOnly)).toMatchObject({
      opencxTimer: 'offer',
      workerSid: AI_WORKER,
    });
    // Unmarked, it is taken for a human's: an offer to it arms the silence timer, which does nothing once
    // the settings name the worker as the AI's; its accept arms the accept timer.
    const silence = timerToRearm(offered, timersOnly);
    expect(silence).toMatchObject({ opencxTimer: 'silence', workerSid: AI_WORKER });
    expectAction(decide(fired(silence!), { config: withTimer, record: record('ai') }), 'ignore');
    expect(timerToRearm(humanReservation('reservation.accepted'), timersOnly)).toMatchObject({
      opencxTimer: 'accepted',
      workerSid: HUMAN_WORKER,
    });
    expect(timerToRearm(fired({ opencxTimer: 'offer', rearmed: 1 }), timersOnly)).toMatchObject({ rearmed: 2 });
  });

  it('a timer armed without the settings names the workspace of its event: from another, it does nothing', () => {
    const timersOnly = { timerWorkspaceSid: TIMER_WORKSPACE, timerWorkflowSid: 'WW1' };
    const offered = taskEvent('reservation.created', { occurredAt: 1_000, workerIsAi: true });
    const armed = timerToRearm(offered, timersOnly)!;
    expect(armed).toMatchObject({ eventWorkspaceSid: WORKSPACE });
    expect(timerToRearm(offered, withTimer)).not.toHaveProperty('eventWorkspaceSid');
    expectAction(decide(fired(armed), { config: withTimer }), 'engage');
    expectAction(decide(fired({ ...armed, eventWorkspaceSid: 'WSformer' }), { config: withTimer }), 'ignore');
    // Armed again, it keeps naming it.
    expect(timerToRearm(fired(armed), timersOnly)).toMatchObject({ eventWorkspaceSid: WORKSPACE, rearmed: 2 });
    const timedOut = taskEvent('reservation.timeout', { workerIsAi: true });
    expect(timerToRearm(timedOut, timersOnly)).toMatchObject({
      opencxTimer: 'restore-worker',
      eventWorkspaceSid: WORKSPACE,
    });
  });

  it('an offer timer says when it was armed: it takes over only a claim made before, not a live one since', () => {
    const offered = taskEvent('reservation.created', { occurredAt: 1_000 });
    const armed = timerToRearm(offered, withTimer, undefined, 5_000)!;
    expect(armed).toMatchObject({ opencxTimer: 'offer', armedAt: 5_000 });
    // Armed again after its own handling failed: from then on, so the claim that handling made is taken over.
    expect(timerToRearm(fired(armed), withTimer, undefined, 30_000)).toMatchObject({ armedAt: 30_000, rearmed: 2 });
    expect(decide(fired(armed), { config: withTimer, record: record('ai', { sessionId: undefined }) })).toMatchObject({
      action: 'engage',
      takeOver: { claimedBefore: 5_000 },
    });
  });

  it('puts back an AI worker a reservation timeout left unavailable, by a timer the restore listener acts on', () => {
    const timedOut = (workerSid: string): TaskRouterEvent => ({
      surface: 'taskrouter',
      type: 'reservation.timeout',
      eventSid: 'EV2',
      accountSid: ACCOUNT,
      workspaceSid: WORKSPACE,
      taskSid: 'WT1',
      reservationSid: RESERVATION,
      workerSid,
    });
    const restore = { opencxTimer: 'restore-worker', workerSid: AI_WORKER, rearmed: 1 };
    expect(timerToRearm(timedOut(AI_WORKER), withTimer)).toEqual(restore);
    expect(timerToRearm(timedOut('WK000000000000000000000000000000f1'), withTimer)).toBeUndefined();
    expect(timerToRearm(fired(restore), withTimer)).toEqual({ ...restore, rearmed: 2 });
    // Nothing else puts the worker back: its tries outlast a TaskRouter outage of a quarter of an hour.
    expect(timerToRearm(fired({ ...restore, rearmed: 6 }), withTimer)).toEqual({ ...restore, rearmed: 7 });
    expect(rearmDelaySeconds({ ...restore, rearmed: 7 })).toBe(600);
    expect(timerToRearm(fired({ ...restore, rearmed: 7 }), withTimer)).toBeUndefined();
    expect(decide(fired(restore), { config: withTimer })).toEqual({
      action: 'restore-ai-worker',
      taskSid: 'WT9',
      reservationSid: '',
      workerSid: AI_WORKER,
    });
    expectAction(
      decide(fired({ ...restore, workerSid: 'WK000000000000000000000000000000f1' }), { config: withTimer }),
      'ignore',
    );
  });
});

describe('decide: OpenCX webhook deliveries', () => {
  const delivery = (event: OpencxEvent, conversationSid: string | undefined = CONVERSATION) => ({
    surface: 'opencx' as const,
    type: event.kind,
    event,
    conversationSid,
  });
  const answer: OpencxEvent = {
    kind: 'ai-answer',
    type: 'conversation.ai_response',
    sessionId: 'session-1',
    answerId: 'm-1',
    text: 'Here you go.',
  };
  const handoff: OpencxEvent = {
    kind: 'ai-handoff',
    type: 'conversation.handoff_to_human',
    sessionId: 'session-1',
    reason: 'AI requested human handoff',
    summary: 'Wants a refund',
    sentiment: 'angry',
    language: 'fr',
  };

  it('posts a late answer while the AI holds the conversation', () => {
    expect(decide(delivery(answer), { config, record: record('ai') })).toEqual({
      action: 'answer',
      conversationSid: CONVERSATION,
      sessionId: 'session-1',
      answer: { answerId: 'm-1', text: 'Here you go.' },
    });
  });

  it.each<ConversationPhase>(['handoff', 'human'])('never posts a late answer once humans hold it (%s)', (phase) => {
    expectAction(
      decide(delivery(answer), {
        config,
        record: record(phase, { handoff: { reason: 'x', at: 'now', routed: true } }),
      }),
      'ignore',
    );
  });

  it('finishes a handoff cut short before its task was routed, without posting the late answer', () => {
    const cutShort = record('handoff', { handoff: { reason: 'AI reply could not be delivered', at: 'now' } });
    expect(decide(delivery(answer), { config, record: cutShort })).toEqual({
      action: 'finish-handoff',
      conversationSid: CONVERSATION,
    });
  });

  it("posts the AI's last words the handoff recorded, until a human holds the conversation", () => {
    const farewell = answerKey('session-1', answer);
    const handingOff = { handoff: { reason: 'x', at: 'now', routed: true, farewell } };
    expectAction(decide(delivery(answer), { config, record: record('handoff', handingOff) }), 'answer');
    expectAction(decide(delivery(answer), { config, record: record('human', handingOff) }), 'ignore');
    const otherWords = { handoff: { ...handingOff.handoff, farewell: answerKey('session-1', { text: 'Bye' }) } };
    expectAction(decide(delivery(answer), { config, record: record('handoff', otherWords) }), 'ignore');
  });

  it("posts this session's answer as the last words when OpenCX's own handoff event came first", () => {
    const byAi = { handoff: { reason: 'x', at: 'now', routed: true, byAi: true } };
    // Only the first answer to record itself as the last words is posted.
    expect(decide(delivery(answer), { config, record: record('handoff', byAi) })).toMatchObject({
      action: 'answer',
      asFarewell: true,
    });
    const recorded = { handoff: { ...byAi.handoff, farewell: answerKey('session-1', answer) } };
    expect(decide(delivery(answer), { config, record: record('handoff', recorded) })).not.toHaveProperty('asFarewell');
    expectAction(decide(delivery(answer), { config, record: record('human', byAi) }), 'ignore');
    const otherSession = record('handoff', { ...byAi, sessionId: 'session-2' });
    expectAction(decide(delivery(answer), { config, record: otherSession }), 'ignore');
    // Handed off for the AI's silence or failure: a late answer is not its last words.
    const timedOut = { handoff: { reason: 'x', at: 'now', routed: true } };
    expectAction(decide(delivery(answer), { config, record: record('handoff', timedOut) }), 'ignore');
    // Handed off in an answer that said nothing: another message's answer, late, is not its last words.
    const silent = { handoff: { ...byAi.handoff, farewell: NO_LAST_WORDS } };
    expectAction(decide(delivery(answer), { config, record: record('handoff', silent) }), 'ignore');
  });

  it('hands off with what OpenCX said', () => {
    expect(decide(delivery(handoff), { config, record: record('ai') })).toEqual({
      action: 'handoff',
      conversationSid: CONVERSATION,
      request: {
        reason: 'AI requested human handoff',
        summary: 'Wants a refund',
        sentiment: 'angry',
        language: 'fr',
        byAi: true,
      },
    });
    // OpenCX's time of it goes with it: answers it made later are not its last words.
    const at = Date.parse('2026-03-01T10:00:00Z');
    expect(decide(delivery({ ...handoff, at }), { config, record: record('ai') })).toMatchObject({
      action: 'handoff',
      request: { byAi: true, aiAt: at },
    });
  });

  it('a second handoff finishes an unfinished one, or is ignored', () => {
    expectAction(
      decide(delivery(handoff), { config, record: record('handoff', { handoff: { reason: 'x', at: 'now' } }) }),
      'finish-handoff',
    );
    expectAction(
      decide(delivery(handoff), {
        config,
        record: record('handoff', { handoff: { reason: 'x', at: 'now', routed: true } }),
      }),
      'ignore',
    );
  });

  it('ignores sessions we do not know and other event types', () => {
    expectAction(decide(delivery(answer, undefined), { config }), 'ignore');
    expectAction(decide(delivery({ ...answer, sessionId: 'session-9' }), { config, record: record('ai') }), 'ignore');
    expectAction(
      decide(delivery({ kind: 'not-handled', type: 'csat.requested' }), { config, record: record('ai') }),
      'ignore',
    );
  });
});

describe('decide: the idle timer (an AI conversation nobody writes in)', () => {
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE, aiIdleCloseMinutes: 30 };
  const timer = {
    opencxTimer: 'idle',
    conversationSid: CONVERSATION,
    sessionId: 'session-1',
    interactionSid: 'KD00000000000000000000000000000001',
    channelSid: 'UO00000000000000000000000000000001',
    since: 1000,
  };
  const fired = (attributes: Record<string, unknown> = timer) =>
    taskEvent('task.canceled', {
      workspaceSid: TIMER_WORKSPACE,
      taskSid: 'WT0000000000000000000000000000ti09',
      reason: 'Task TTL Exceeded',
      taskAttributes: attributes,
      occurredAt: 5000,
    });

  it('looks at the conversation while the AI holds it, by the time TaskRouter fired the timer', () => {
    const { opencxTimer: _kind, ...carried } = timer;
    expect(decide(fired(), { config: withTimer, record: record('ai') })).toEqual({
      action: 'close-if-idle',
      conversationSid: CONVERSATION,
      timer: carried,
      minutes: 30,
      firedAt: 5000,
    });
  });

  it.each<ConversationPhase>(['handoff', 'human', 'handback'])('never closes a conversation in phase %s', (phase) => {
    expectAction(decide(fired(), { config: withTimer, record: record(phase) }), 'ignore');
  });

  it('ignores a timer of an ended or later session and a malformed one', () => {
    expectAction(decide(fired(), { config: withTimer }), 'ignore');
    expectAction(decide(fired(), { config: withTimer, record: record('ai', { sessionId: 'session-2' }) }), 'ignore');
    expectAction(decide(fired({ ...timer, since: '1000' }), { config: withTimer, record: record('ai') }), 'ignore');
  });

  it('once the setting is off, leaves the session owing a timer (armed when it is on again), not closed', () => {
    const off = { ...withTimer, aiIdleCloseMinutes: 0 };
    expect(decide(fired(), { config: off, record: record('ai') })).toEqual({
      action: 'owe-idle-timer',
      conversationSid: CONVERSATION,
    });
    expectAction(decide(fired(), { config: off, record: record('human') }), 'ignore');
  });

  it('is armed again when its check failed', () => {
    expect(timerToRearm(fired(), withTimer)).toEqual({ ...timer, rearmed: 1 });
  });
});

describe('watchdogAfterFailure (a customer message whose handling failed, which Conversations does not retry)', () => {
  const message = messageEvent('Cancel my plan');
  const relayed = decide(message, { config, record: record('ai') });
  const watching = { opencxTimer: 'answer', conversationSid: CONVERSATION, sessionId: 'session-1', rearmed: 1 };

  it('arms the answer watchdog after the usual wait while the AI holds the conversation', () => {
    expect(watchdogAfterFailure(message, relayed, { decidedOn: record('ai') }, config)).toEqual({
      attributes: { ...watching, messageSid: message.message!.sid },
      afterSeconds: config.aiAnswerTimeoutSeconds,
    });
  });

  it('keeps a message queued behind a resend waiting for it (its own watchdog could not be armed)', () => {
    const sid = message.message!.sid;
    const queued = record('ai', {
      resendQueue: { sessionId: 'session-1', owner: 'IM0', messageSids: [sid], until: 9 },
    });
    expect(watchdogAfterFailure(message, relayed, { decidedOn: record('ai'), now: queued }, config)).toEqual({
      attributes: { ...watching, messageSid: sid, parked: true, queued: true },
      afterSeconds: config.aiAnswerTimeoutSeconds,
    });
  });

  it('looks again soon once the failure left a handoff begun (the customer was told a human is coming)', () => {
    const begun = record('handoff', { handoff: { reason: 'AI requested human handoff', at: '2026-12-02T10:00:00Z' } });
    expect(watchdogAfterFailure(message, relayed, { decidedOn: record('ai'), now: begun }, config)).toEqual({
      attributes: { ...watching, messageSid: message.message!.sid },
      afterSeconds: undefined,
    });
  });

  it('arms nothing for what needs no answer, before a session, or before the settings were read', () => {
    const ignored = decide(message, { config, record: record('human') });
    expect(watchdogAfterFailure(message, ignored, { decidedOn: record('human') }, config)).toBeUndefined();
    expect(watchdogAfterFailure(message, undefined, { decidedOn: record('ai') }, config)).toBeUndefined();
    const noSession = record('handoff', { sessionId: undefined });
    expect(watchdogAfterFailure(message, relayed, { decidedOn: noSession }, config)).toBeUndefined();
    expect(watchdogAfterFailure(message, relayed, { decidedOn: record('ai') }, undefined)).toBeUndefined();
  });

  it('arms one for a message that failed while the session was being made: nobody else would send it', () => {
    const engaging = record('ai', { sessionId: undefined });
    const decided = decide(message, { config, record: engaging });
    expect(watchdogAfterFailure(message, decided, { decidedOn: engaging }, config)).toEqual({
      attributes: {
        opencxTimer: 'answer',
        conversationSid: CONVERSATION,
        messageSid: message.message!.sid,
        unparked: true,
        claimedAt: 0,
        rearmed: 1,
      },
      afterSeconds: config.aiAnswerTimeoutSeconds,
    });
    // Also when the engage recorded its session before the failure's re-read: the park may have failed.
    expect(watchdogAfterFailure(message, decided, { decidedOn: engaging, now: record('ai') }, config)).toMatchObject({
      attributes: { unparked: true, claimedAt: 0 },
    });
  });

  it("arms one soon for a customer's message when the record could not be read at all: nobody looked at it", () => {
    expect(watchdogAfterFailure(message, undefined, { unread: true }, config)).toEqual({
      attributes: {
        opencxTimer: 'answer',
        conversationSid: CONVERSATION,
        messageSid: message.message!.sid,
        unread: true,
        rearmed: 0,
      },
    });
    // With the message's index, it watches that message and every later one of the conversation.
    const indexed = { ...message, message: { ...message.message!, index: 12 } };
    expect(watchdogAfterFailure(indexed, undefined, { unread: true }, config)?.attributes).toMatchObject({
      unread: true,
      fromIndex: 12,
    });
    // A record that reads as absent: the AI does not hold the conversation.
    expect(watchdogAfterFailure(message, undefined, {}, config)).toBeUndefined();
    // Not the customer's: nothing for the AI to answer.
    const ours = { ...message, message: { ...message.message!, author: config.aiAuthorName } };
    expect(watchdogAfterFailure(ours, undefined, { unread: true }, config)).toBeUndefined();
  });
});

describe("coveringWatchdog (the watchdogs that decide a message met by a Sync outage: TaskRouter's filter)", () => {
  const unreadWatchdog = {
    opencxTimer: 'answer',
    conversationSid: CONVERSATION,
    messageSid: 'IM5',
    unread: true,
    fromIndex: 5,
    rearmed: 0,
  };
  const covers = (timer: Record<string, unknown>, index: number) =>
    evaluateExpression(coveringWatchdog(CONVERSATION, index), timer);

  it("selects the conversation's unread watchdog armed from the message or before it, in its first minute", () => {
    expect(covers(unreadWatchdog, 5)).toBe(true);
    expect(covers(unreadWatchdog, 9)).toBe(true);
    // Armed again thrice (fires 60 s after the first arm): at least 18 of the message's 19 minutes left.
    expect(covers({ ...unreadWatchdog, rearmed: 3 }, 9)).toBe(true);
  });

  it('not one with too few retries left for a later message: it would give up before that one had its time', () => {
    expect(covers({ ...unreadWatchdog, rearmed: 4 }, 9)).toBe(false);
    expect(covers({ ...unreadWatchdog, rearmed: 7 }, 9)).toBe(false);
    // Armed with no count (before counting began): its retries left are unknown.
    const { rearmed: _unknown, ...uncounted } = unreadWatchdog;
    expect(covers(uncounted, 9)).toBe(false);
  });

  it("not one armed from a later message, another conversation's, one of a single message, or another timer", () => {
    expect(covers(unreadWatchdog, 4)).toBe(false);
    expect(covers({ ...unreadWatchdog, conversationSid: 'CH2' }, 9)).toBe(false);
    const { fromIndex: _none, ...single } = unreadWatchdog;
    expect(covers(single, 9)).toBe(false);
    const { unread: _read, ...answer } = unreadWatchdog;
    expect(covers({ ...answer, sessionId: 'session-1' }, 9)).toBe(false);
    expect(covers({ ...unreadWatchdog, opencxTimer: 'resend' }, 9)).toBe(false);
  });
});

describe('textForAi (what the AI reads of a customer message)', () => {
  it('is the text, with a note when a photo or a file came with it', () => {
    expect(textForAi({ body: 'Hello' })).toBe('Hello');
    expect(textForAi({ body: 'Hello', hasMedia: false })).toBe('Hello');
    expect(textForAi({ body: 'Here is the label', hasMedia: true })).toBe(`Here is the label\n${ATTACHMENT_NOTE}`);
  });
});

describe('isCustomerText (a message the AI owes an answer)', () => {
  const from = (author: string, body: string, over: { participantSid?: string } = {}) => ({
    author,
    body,
    attributes: {},
    ...over,
  });
  test("the customer's text, by the recorded author when there is one", () => {
    expect(isCustomerText(from('+15550100', 'Hi'), config)).toBe(true);
    expect(isCustomerText(from('+15550100', 'Hi'), config, '+15550100')).toBe(true);
    expect(isCustomerText(from('marketing-bot', 'Our sale starts today!'), config, '+15550100')).toBe(false);
    expect(isCustomerText(from('+15550100', '   '), config)).toBe(false);
    expect(isCustomerText(from('AI Support Agent', 'Hello'), config)).toBe(false);
  });
});

describe('a conversation whose task lives in a workspace the settings left (a save moved them since it began)', () => {
  const BEFORE = 'WS000000000000000000000000000000b0';
  const LEFT_AI_WORKER = 'WK000000000000000000000000000000b1';
  const TIMER_WORKSPACE = 'WS000000000000000000000000000000f1';
  const withTimer = { ...config, timerWorkspaceSid: TIMER_WORKSPACE, timerWorkflowSid: 'WW1' };
  const there = record('ai', { workspaceSid: BEFORE });
  const from = (type: TaskRouterEventType, over: Partial<TaskRouterEvent> = {}) =>
    taskEvent(type, { workspaceSid: BEFORE, ...over });

  it("checkOrigin serves that workspace's events for the conversation its record names there, and no other", () => {
    expect(checkOrigin(from('reservation.accepted'), config, ACCOUNT, there)).toBeUndefined();
    expect(checkOrigin(from('task.canceled'), config, ACCOUNT, there)).toBeUndefined();
    expect(checkOrigin(from('reservation.created'), config, ACCOUNT)).toContain(BEFORE);
    expect(checkOrigin(from('reservation.created'), config, ACCOUNT, record('ai'))).toContain(BEFORE);
    expect(checkOrigin(taskEvent('task.created'), config, ACCOUNT, there)).toBeUndefined();
  });

  it("a decision about the event's task names that workspace; in the settings' own, none is named", () => {
    const offer = from('reservation.created', { workerSid: LEFT_AI_WORKER, workerIsAi: true });
    expect(decide(offer, { config, record: record('handoff', { workspaceSid: BEFORE }) })).toMatchObject({
      action: 'decline',
      workspaceSid: BEFORE,
    });
    expect(decide({ ...offer, taskSid: OTHER_TASK, reservationSid: 'WR2' }, { config, record: there })).toMatchObject({
      action: 'reengage',
      workspaceSid: BEFORE,
    });
    expect(decide(offer, { config })).toMatchObject({ action: 'engage', workspaceSid: BEFORE });
    expect(decide(taskEvent('reservation.created'), { config })).not.toHaveProperty('workspaceSid');
  });

  it("a reservation timeout of that workspace's AI worker names the workspace, where it is not put back", () => {
    const timedOut = from('reservation.timeout', { workerSid: LEFT_AI_WORKER, workerIsAi: true });
    expect(decide(timedOut, { config, record: there })).toEqual({
      action: 'restore-ai-worker',
      taskSid: AI_TASK,
      reservationSid: RESERVATION,
      workerSid: LEFT_AI_WORKER,
      workspaceSid: BEFORE,
    });
  });

  it('a timer for a failed event of that workspace names it, and is decided there while the record does', () => {
    const accepted = from('reservation.accepted', { workerSid: HUMAN_WORKER, workerName: 'Alice', occurredAt: 5 });
    const timer = timerToRearm(accepted, withTimer)!;
    expect(timer).toMatchObject({ opencxTimer: 'accepted', eventWorkspaceSid: BEFORE });
    expect(timerToRearm(taskEvent('reservation.accepted', { workerSid: HUMAN_WORKER }), withTimer)).not.toHaveProperty(
      'eventWorkspaceSid',
    );
    const fired = firedTimer(timer);
    const handingOff = record('handoff', { workspaceSid: BEFORE });
    expect(decide(fired, { config: withTimer, record: handingOff })).toMatchObject({
      action: 'record-human',
      taskSid: AI_TASK,
      workerSid: HUMAN_WORKER,
    });
    expectAction(decide(fired, { config: withTimer, record: record('handoff') }), 'ignore');
  });

  it('a timer armed before the save, naming no workspace, acts where the record names its task', () => {
    // Armed while the settings named the task's workspace: no origin on it.
    const offer = taskEvent('reservation.created', { workerSid: AI_WORKER, workerIsAi: true, workspaceSid: BEFORE });
    const timer = timerToRearm(offer, { ...withTimer, workspaceSid: BEFORE })!;
    expect(timer).not.toHaveProperty('eventWorkspaceSid');
    const waiting = record('ai', { workspaceSid: BEFORE, phase: 'engaging' as never });
    const decided = decide(firedTimer(timer), { config: withTimer, record: waiting });
    expect(decided).toMatchObject({ workspaceSid: BEFORE });
    // A timer of another task: the settings' workspace, as before.
    expect(
      decide(firedTimer(timer), { config: withTimer, record: record('ai', { taskSid: 'WT8' }) }),
    ).not.toMatchObject({
      workspaceSid: BEFORE,
    });
  });

  function firedTimer(attributes: Record<string, unknown>): TaskRouterEvent {
    return {
      surface: 'taskrouter',
      type: 'task.canceled',
      eventSid: 'EV1',
      accountSid: ACCOUNT,
      workspaceSid: TIMER_WORKSPACE,
      taskSid: 'WT9',
      taskAttributes: attributes,
      reason: 'Task TTL Exceeded',
    };
  }
});

describe("aiAnswersSinceCustomer: the answers a handoff event's note may have to follow", () => {
  const item = (id: unknown, type: string, text?: string, event = 'message') => ({
    id,
    event: { type: event, sender: { type }, content: { type: 'text', text } },
  });

  it("are the AI's answers after the customer's last message, as the relay keys them", () => {
    const history = [item('a1', 'ai', 'Hello'), item('m2', 'contact', 'A person'), item('a2', 'ai', 'Your parcel')];
    const answers = aiAnswersSinceCustomer([...history, item(7, 'ai', 'Bye'), item('h', 'ai', undefined, 'handoff')]);
    expect(answers).toEqual([
      { answerId: 'a2', text: 'Your parcel' },
      { answerId: '7', text: 'Bye' },
    ]);
    expect(answerKey('s-1', answers[1])).toBe(answerKey('s-1', { answerId: '7', text: 'Bye' }));
  });

  it('leave out answers without an id or text, and items that are not history items at all', () => {
    const history = [item('m1', 'contact', 'Hi'), null, item(undefined, 'ai', 'Bye'), item('a2', 'ai', '  ')];
    expect(aiAnswersSinceCustomer(history as never)).toEqual([]);
    expect(aiAnswersSinceCustomer([item('m1', 'contact', 'Hi')])).toEqual([]);
  });
});

describe('answeredInHistory: whether OpenCX answered a message written while an earlier one waited', () => {
  const at = (seconds: number) => new Date(Date.parse('2026-03-01T10:00:00Z') + seconds * 1000).toISOString();
  const said = (type: string, text: string, seconds = 0, event = 'message') => ({
    id: `${type}-${text}`,
    created_at: at(seconds),
    event: { type: event, sender: { type }, content: { type: 'text', text } },
  });
  const first = { text: 'Where is order 7?' };
  const second = { text: 'Can I change its address?' };
  const taken = [said('ai', 'Hi'), said('contact', first.text), said('contact', second.text)];

  it('each AI message answers the oldest message still waiting, from the first of the earlier ones on', () => {
    expect(answeredInHistory([...taken, said('ai', 'It ships today')], [first], second, 1)).toBe(false);
    expect(answeredInHistory([...taken, said('ai', 'Ships'), said('ai', 'Changed')], [first], second, 1)).toBe(true);
    // Neither an agent's note nor OpenCX's handoff event answers anything.
    const others = [said('human_agent', 'Task WT1'), said('ai', 'x', 0, 'handoff')];
    expect(answeredInHistory([...taken, said('ai', 'Ships'), ...others], [first], second, 1)).toBe(false);
  });

  it('cannot tell from fewer AI messages than the conversation shows since (a lagging history, another name)', () => {
    expect(answeredInHistory([...taken, said('ai', 'Ships')], [first], second, 2)).toBeUndefined();
    expect(answeredInHistory([...taken, said('assistant', 'Ships')], [first], second, 1)).toBeUndefined();
  });

  it('a later message and its answer come after it: the turn of the answers is all history tells', () => {
    const history = [said('contact', first.text), said('contact', second.text), said('ai', 'Ships')];
    expect(answeredInHistory([...history, said('contact', 'Hello?')], [first], second, 1)).toBe(false);
    const answeredLater = [...history, said('contact', 'Hello?'), said('ai', 'Yes?')];
    expect(answeredInHistory(answeredLater, [first], second, 1)).toBe(true);
  });

  it('messages taken as one text are answered by one AI message', () => {
    const together = said('contact', `${first.text}\n${second.text}`);
    expect(answeredInHistory([together, said('ai', 'Both done')], [first], second, 1)).toBe(true);
    expect(answeredInHistory([together], [first], second, 0)).toBe(false);
  });

  it('an earlier message of the same text is not the one written; a repeated "yes" is its own', () => {
    const yes = { text: 'yes', writtenAt: Date.parse(at(100)) };
    const later = { ...yes, writtenAt: yes.writtenAt + 1000 };
    const history = [said('contact', 'yes', 0), said('ai', 'Great'), said('contact', 'yes', 100)];
    expect(answeredInHistory([...history, said('contact', 'yes', 101)], [yes], later, 0)).toBe(false);
    expect(answeredInHistory([...history, said('ai', 'OK'), said('contact', 'yes', 101)], [yes], later, 1)).toBe(false);
    const both = [...history, said('contact', 'yes', 101), said('ai', 'OK'), said('ai', 'OK')];
    expect(answeredInHistory(both, [yes], later, 1)).toBe(true);
  });

  it('two of the same text taken as one and answered: a third sent alone after them is not taken for it', () => {
    const yes = { text: 'yes', writtenAt: Date.parse(at(100)) };
    const later = { ...yes, writtenAt: yes.writtenAt + 1000 };
    const history = [said('contact', 'yes\nyes', 102), said('ai', 'Great'), said('contact', 'yes', 130)];
    expect(answeredInHistory(history, [yes], later, 1)).toBe(true);
  });

  it('cannot tell when the history does not hold them (not taken, not yet), nor from items that are not items', () => {
    expect(answeredInHistory([said('contact', second.text), said('ai', 'x')], [first], second, 1)).toBeUndefined();
    expect(answeredInHistory([said('contact', first.text), said('ai', 'x')], [first], second, 1)).toBeUndefined();
    expect(answeredInHistory([said('contact', first.text)], [], second, 0)).toBeUndefined();
    const broken = [null, said('contact', first.text), { event: null }, said('contact', second.text), said('ai', 'x')];
    expect(answeredInHistory(broken as never, [first], second, 1)).toBe(false);
  });
});

describe('lastWordsMayFollow: a handoff whose note may have to wait for the AI', () => {
  it("is OpenCX's own event: decided by the AI, outside an answer", () => {
    expect(lastWordsMayFollow({ reason: 'r', byAi: true })).toBe(true);
    expect(lastWordsMayFollow({ reason: 'r', byAi: true, inAnswer: true })).toBe(false);
    expect(lastWordsMayFollow({ reason: 'r', byAi: true, reply: 'Bye' })).toBe(false);
    expect(lastWordsMayFollow({ reason: 'r' })).toBe(false);
  });
});

describe("lastWordsVerdict: OpenCX's history says whether an answer may be its last words", () => {
  const T = Date.parse('2026-03-01T10:00:05Z');
  const at = (seconds: number) => new Date(Date.parse('2026-03-01T10:00:00Z') + seconds * 1000).toISOString();
  const said = (id: string, seconds: number, type = 'contact') => ({
    id,
    created_at: at(seconds),
    event: { type: 'message', sender: { type }, content: { type: 'text', text: `${id} text` } },
  });
  const answered = (id: string, seconds: number) => said(id, seconds, 'ai');
  // OpenCX's own record of the handoff, in whatever shape: not an answer, whoever it names.
  const handoffItem = { id: 'h1', created_at: at(5), event: { type: 'handoff', sender: { type: 'ai' } } };
  const verdict = (history: object[], id: string) => lastWordsVerdict(history as never, id, T, 2000);

  it("the goodbye made with the handoff may be; an earlier message's answer made after it is not", () => {
    const history = [said('m1', 0), said('m2', 1), answered('g2', 5), handoffItem, answered('a1', 20)];
    expect(verdict(history, 'g2')).toBe('maybe');
    expect(verdict(history, 'a1')).toBe('late');
  });

  it('of a goodbye and a slow earlier answer made about the handoff, the one made closest to it goes', () => {
    const goodbyeFirst = [said('m1', 0), said('m2', 1), answered('g2', 5), answered('a1', 6.5)];
    expect(verdict(goodbyeFirst, 'g2')).toBe('maybe');
    expect(verdict(goodbyeFirst, 'a1')).toBe('late');
    // OpenCX stamped the goodbye just after the handoff; the earlier answer came before it.
    const stampedAfter = [said('m1', 0), said('m2', 1), answered('a1', 3), answered('g2', 5.5)];
    expect(verdict(stampedAfter, 'g2')).toBe('maybe');
    expect(verdict(stampedAfter, 'a1')).toBe('late');
    // The AI handed off without a word: the answer made within the grace may be its last words.
    expect(verdict([said('m1', 0), said('m2', 1), handoffItem, answered('a1', 6)], 'a1')).toBe('maybe');
  });

  it('an answer with a newer one made by the handoff is not; a record of the handoff is no answer', () => {
    expect(verdict([said('m1', 0), answered('a1', 3), said('m2', 4), answered('g2', 5)], 'a1')).toBe('late');
    expect(verdict([said('m1', 0), answered('a1', 4), handoffItem], 'a1')).toBe('maybe');
    // Two made at the handoff's instant: the newer.
    expect(verdict([said('m1', 0), answered('a1', 5), answered('g2', 5)], 'g2')).toBe('maybe');
  });

  it("is chosen among the answers after the customer's last message, however close an earlier one is", () => {
    // The AI answered the first message at the handoff; its goodbye to the second is stamped 1.6 s after.
    const history = [said('m1', 0), answered('a1', 5), said('m2', 5), answered('g2', 6.6)];
    expect(verdict(history, 'g2')).toBe('maybe');
    expect(verdict(history, 'a1')).toBe('late');
    // A customer's message or an empty answer at the handoff's instant is no answer.
    const noise = [
      said('m1', 0),
      said('m2', 5),
      answered('g2', 5.5),
      { ...answered('e', 5), event: { type: 'message', sender: { type: 'ai' }, content: { text: ' ' } } },
    ];
    expect(verdict(noise, 'g2')).toBe('maybe');
  });

  it('weighs each side of the handoff alike, made by it winning only a tie, up to 2 s after', () => {
    expect(verdict([said('m1', 0), answered('a1', 4), answered('g2', 6)], 'a1')).toBe('maybe');
    expect(verdict([said('m1', 0), answered('a1', 4), answered('g2', 6)], 'g2')).toBe('late');
    expect(verdict([said('m1', 0), answered('a1', 4.5), answered('g2', 5.4)], 'g2')).toBe('maybe');
    expect(verdict([said('m1', 0), answered('g2', 7)], 'g2')).toBe('maybe');
    expect(verdict([said('m1', 0), answered('g2', 7.001)], 'g2')).toBe('late');
    // An answer made 5 s before, with the next 3 s after (past the grace): the earlier one.
    expect(verdict([said('m1', 0), answered('a1', 0), answered('g2', 8)], 'a1')).toBe('maybe');
  });

  it('matches an id OpenCX gives as a number, and skips an answer without one', () => {
    const numbered = { ...answered('x', 5), id: 42 };
    expect(verdict([said('m1', 0), numbered], '42')).toBe('maybe');
    const { id: _, ...unnamed } = answered('x', 5);
    expect(verdict([said('m1', 0), answered('g2', 5.5), unnamed], 'g2')).toBe('maybe');
  });

  it('does not say when the history lacks the answer or its time', () => {
    expect(verdict([said('m1', 0), answered('g2', 5)], 'a1')).toBeUndefined();
    expect(verdict([said('m1', 0), { ...answered('a1', 20), created_at: 1_772_359_220_000 }], 'a1')).toBeUndefined();
  });
});
