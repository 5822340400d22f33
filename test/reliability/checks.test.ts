// Each reliability check counts what it must, and fails on records that break its guarantee.
import {
  aiRepliesAfterHandoff,
  repliesAfterHandoffExamples,
  brokenGuarantees,
  type ConversationRecords,
  duplicateAiReplies,
  figures,
  handoffCount,
  lostAttributes,
  lostCustomerMessages,
  type RunRecords,
  type TaskEvent,
  waitedForAiSlot,
} from './checks';

const AI_QUEUE = 'WQai';
const HUMAN_QUEUE = 'WQhuman';

function conversation(overrides: Partial<ConversationRecords> = {}): ConversationRecords {
  return {
    conversationSid: 'CH1',
    customerTexts: ['m1', 'm2', 'm3'],
    opencxContactTexts: ['m1', 'm2', 'm3'],
    opencxSessions: 1,
    opencxHandedOff: false,
    ourMessages: [
      { role: 'ai', key: 'a1' },
      { role: 'ai', key: 'a2' },
      { role: 'ai', key: 'a3' },
    ],
    ...overrides,
  };
}

/** A task created, offered at once to the AI (or not), as TaskRouter emits it in one step. */
function taskEntersAiQueue(taskSid: string, conversationSid: string, offered: boolean): TaskEvent[] {
  const base = { taskSid, conversationSid };
  return [
    { ...base, eventType: 'task.created' },
    { ...base, eventType: 'task-queue.entered', taskQueueSid: AI_QUEUE },
    ...(offered ? [{ ...base, eventType: 'reservation.created', taskQueueSid: AI_QUEUE, aiWorker: true }] : []),
  ];
}

const handoffWritten = (conversationSid: string, at: string): TaskEvent => ({
  eventType: 'task.updated',
  taskSid: 'WT1',
  conversationSid,
  attributes: { conversationSid, handedOff: true, handoffTimestamp: at },
});
const enteredHumanQueue = (conversationSid: string): TaskEvent => ({
  eventType: 'task-queue.entered',
  taskSid: 'WT1',
  taskQueueSid: HUMAN_QUEUE,
  conversationSid,
});

describe('lost customer messages', () => {
  test('none when OpenCX got each message exactly once', () => {
    expect(lostCustomerMessages(conversation(), false)).toEqual([]);
  });

  test('a message OpenCX never got is lost while the AI has the conversation', () => {
    expect(lostCustomerMessages(conversation({ opencxContactTexts: ['m1', 'm3'] }), false)).toEqual(['m2']);
  });

  test('a message OpenCX got twice is not "exactly once"', () => {
    expect(lostCustomerMessages(conversation({ opencxContactTexts: ['m1', 'm2', 'm2', 'm3'] }), false)).toEqual(['m2']);
  });

  test('messages after the handoff are safe only once the conversation is in the human queue', () => {
    const handedOff = conversation({ opencxContactTexts: ['m1'] });
    expect(lostCustomerMessages(handedOff, true)).toEqual([]);
    expect(lostCustomerMessages(handedOff, false)).toEqual(['m2', 'm3']);
  });

  test('messages sent together as one text, a line each, each reached OpenCX once', () => {
    expect(lostCustomerMessages(conversation({ opencxContactTexts: ['m1', 'm2\nm3'] }), false)).toEqual([]);
    expect(lostCustomerMessages(conversation({ opencxContactTexts: ['m1\nm2', 'm2\nm3'] }), false)).toEqual(['m2']);
  });

  test('a gap before a message OpenCX got is lost even after a handoff', () => {
    expect(lostCustomerMessages(conversation({ opencxContactTexts: ['m1', 'm3'] }), true)).toEqual(['m2']);
  });
});

test('duplicate AI replies: the same OpenCX answer posted twice counts once per extra post', () => {
  expect(duplicateAiReplies(conversation())).toBe(0);
  const doubled = conversation({
    ourMessages: [
      { role: 'ai', key: 'a1' },
      { role: 'ai', key: 'a1' },
      { role: 'ai', key: 'a1' },
      { role: 'handoff-note', key: 'n' },
    ],
  });
  expect(duplicateAiReplies(doubled)).toBe(2);
  // Posted again under another key (or with no marker at all): the customer read the same text twice.
  const rekeyed = conversation({ aiPostBodies: ['About m1', 'About m2', 'About m1'] });
  expect(duplicateAiReplies(rekeyed)).toBe(1);
  expect(duplicateAiReplies(conversation({ aiPostBodies: ['About m1', 'About m2', 'About m3'] }))).toBe(0);
});

describe('handoffs', () => {
  test('one note and one handoff time written (however often) is one handoff', () => {
    const noted = conversation({ ourMessages: [{ role: 'handoff-note', key: 'n1' }] });
    expect(handoffCount(noted, [handoffWritten('CH1', 't1'), handoffWritten('CH1', 't1')])).toBe(1);
  });

  test('two notes, or two handoff times, are a double handoff', () => {
    const twoNotes = conversation({
      ourMessages: [
        { role: 'handoff-note', key: 'n1' },
        { role: 'handoff-note', key: 'n2' },
      ],
    });
    expect(handoffCount(twoNotes, [handoffWritten('CH1', 't1')])).toBe(2);
    expect(
      handoffCount(conversation(), [
        handoffWritten('CH1', 't1'),
        handoffWritten('CH1', 't2'),
        handoffWritten('CH2', 't3'),
      ]),
    ).toBe(2);
  });
});

describe('waiting for an AI slot', () => {
  test('a task offered to an AI worker as it enters the AI queue did not wait', () => {
    expect(
      waitedForAiSlot([...taskEntersAiQueue('WT1', 'CH1', true), ...taskEntersAiQueue('WT2', 'CH2', true)], AI_QUEUE),
    ).toEqual(new Set());
  });

  test('a task offered only after other tasks moved (a slot freed), or never, waited', () => {
    const events = [
      ...taskEntersAiQueue('WT1', 'CH1', false),
      ...taskEntersAiQueue('WT2', 'CH2', false),
      { eventType: 'reservation.rejected', taskSid: 'WT9', aiWorker: true },
      {
        eventType: 'reservation.created',
        taskSid: 'WT1',
        taskQueueSid: AI_QUEUE,
        aiWorker: true,
        conversationSid: 'CH1',
      },
    ];
    expect(waitedForAiSlot(events, AI_QUEUE)).toEqual(new Set(['CH1', 'CH2']));
  });

  test('an offer to a human does not count as an AI slot', () => {
    const events = [
      ...taskEntersAiQueue('WT1', 'CH1', false),
      { eventType: 'reservation.created', taskSid: 'WT1', aiWorker: false, conversationSid: 'CH1' },
    ];
    expect(waitedForAiSlot(events, AI_QUEUE)).toEqual(new Set(['CH1']));
  });
});

describe('the figures of a run', () => {
  const handedOff = conversation({
    conversationSid: 'CH2',
    customerTexts: ['h1', 'h2'],
    opencxContactTexts: ['h1'],
    opencxHandedOff: true,
    ourMessages: [{ role: 'handoff-note', key: 'n' }],
  });
  const records = (events: TaskEvent[], conversations = [conversation(), handedOff]): RunRecords => ({
    conversations,
    taskEvents: [...taskEntersAiQueue('WT1', 'CH1', true), ...taskEntersAiQueue('WT2', 'CH2', true), ...events],
    aiQueueSid: AI_QUEUE,
    humanQueueSid: HUMAN_QUEUE,
  });

  test('a clean run breaks no guarantee', () => {
    const result = figures(records([handoffWritten('CH2', 't1'), enteredHumanQueue('CH2')]));
    expect(result).toEqual({
      conversations: 2,
      customerMessages: 5,
      lostCustomerMessages: 0,
      duplicateAiReplies: 0,
      duplicateSessions: 0,
      handoffs: 1,
      doubleHandoffs: 0,
      aiRepliesAfterHandoff: 0,
      handoffsNotInHumanQueue: 0,
      waitedForAiSlot: 0,
    });
    expect(brokenGuarantees(result)).toEqual([]);
  });

  test('a handoff that never reached the human queue breaks two guarantees: its later messages are lost too', () => {
    expect(brokenGuarantees(figures(records([handoffWritten('CH2', 't1')])))).toEqual([
      'lostCustomerMessages = 1',
      'handoffsNotInHumanQueue = 1',
    ]);
  });

  test('a second OpenCX session for a conversation is reported', () => {
    const twoSessions = [conversation({ opencxSessions: 2 }), handedOff];
    expect(brokenGuarantees(figures(records([enteredHumanQueue('CH2')], twoSessions)))).toEqual([
      'duplicateSessions = 1',
    ]);
  });
});

describe('AI replies after the handoff note', () => {
  const messages = (...roles: string[]) =>
    conversation({ ourMessages: roles.map((role, i) => ({ role, key: `k${i}` })) });

  test('last words before the note, answers after a hand-back note: none while humans held it', () => {
    expect(aiRepliesAfterHandoff(messages('ai', 'ai', 'handoff-note', 'handback-note', 'ai'))).toBe(0);
  });

  test('an answer the customer read after the note is counted, and breaks a guarantee', () => {
    const late = messages('ai', 'handoff-note', 'ai', 'handback-note', 'ai', 'handoff-note', 'ai');
    expect(aiRepliesAfterHandoff(late)).toBe(2);
    const result = figures({ conversations: [late], taskEvents: [], aiQueueSid: AI_QUEUE, humanQueueSid: HUMAN_QUEUE });
    expect(brokenGuarantees(result)).toContain('aiRepliesAfterHandoff = 2');
    // The report names the conversation and the order the customer read our posts in.
    const run = {
      conversations: [messages('ai'), late],
      taskEvents: [],
      aiQueueSid: AI_QUEUE,
      humanQueueSid: HUMAN_QUEUE,
    };
    expect(repliesAfterHandoffExamples(run)).toEqual([
      `${late.conversationSid}: ai, handoff-note, ai, handback-note, ai, handoff-note, ai`,
    ]);
  });
});

describe('lost attributes with a concurrent writer', () => {
  const ours = {
    handedOff: true,
    handoffReason: 'r',
    handoffSummary: 's',
    handoffSentiment: 'neutral',
    handoffLanguage: 'en',
    handoffTimestamp: 't',
  };

  test('nothing lost when both writers\u2019 attributes are on the task', () => {
    expect(lostAttributes({ ...ours, plugin_note: 'x' }, { plugin_note: 'x' }, true)).toEqual([]);
  });

  test('their attribute overwritten or dropped, and ours dropped, are each reported', () => {
    expect(lostAttributes({ handedOff: true, plugin_note: 'old' }, { plugin_note: 'new', other: 1 }, true)).toEqual([
      'theirs: plugin_note',
      'theirs: other',
      'ours: handoffReason',
      'ours: handoffSummary',
      'ours: handoffSentiment',
      'ours: handoffLanguage',
      'ours: handoffTimestamp',
    ]);
  });

  test('a conversation that did not hand off owes no handoff attributes', () => {
    expect(lostAttributes({ plugin_note: 'x' }, { plugin_note: 'x' }, false)).toEqual([]);
  });
});
