import type { ConversationRecord } from '../conversation-record';
import type { BridgeDeps, KnownRecord } from '../deps';
import { BRIDGE_CONFIG, CONVERSATION, WORKSPACE } from '../fixtures.testing';
import { closeIfIdle } from './idle';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const CLAIMED_AT = NOW - 30 * MINUTE;
/** The workspace the conversation began in, which a save has since replaced in the settings. */
const TASK_HOME = 'WS00000000000000000000000000000002';
const TASK = 'WT1';

const held: ConversationRecord = {
  workspaceSid: TASK_HOME,
  taskSid: TASK,
  phase: 'ai',
  claimedAt: CLAIMED_AT,
  sessionId: 'session-1',
};
const known: KnownRecord = { record: held, revision: '1' };
const fired = {
  action: 'close-if-idle' as const,
  conversationSid: CONVERSATION,
  timer: { conversationSid: CONVERSATION, sessionId: 'session-1', interactionSid: 'KD1', channelSid: 'UO1', since: 0 },
  minutes: 10,
  firedAt: NOW,
};

/** A conversation silent for 20 minutes whose task has `taskAttributes`; the settings name another workspace. */
function depsWith(taskAttributes: Record<string, unknown>) {
  const sync = { record: held };
  const fetchTask = jest.fn(async () => ({ sid: TASK, attributes: taskAttributes }));
  const closeChannel = jest.fn(async () => undefined);
  const createTask = jest.fn(async () => 'WTtimer');
  const deps = {
    config: {
      ...BRIDGE_CONFIG,
      workspaceSid: WORKSPACE,
      customerIdleCloseNote: '',
      timerWorkspaceSid: 'WStimers',
      timerWorkflowSid: 'WWtimers',
    },
    now: () => new Date(NOW),
    state: {
      conversation: async () => ({ record: sync.record, revision: '1' }),
      beginHandoff: async (_sid: string, handoff: ConversationRecord['handoff']) => {
        sync.record = { ...sync.record, phase: 'handoff', handoff };
        return sync.record;
      },
    },
    twilio: {
      conversations: { listMessages: async () => [] },
      taskrouter: { fetchTask, createTask },
      flex: { closeChannel },
    },
    warn: jest.fn(),
  } as unknown as BridgeDeps;
  return { deps, sync, fetchTask, closeChannel, createTask };
}

const handedOffAt = (at: number) => ({ handedOff: true, handoffTimestamp: new Date(at).toISOString() });

test('a task handed to humans though the record missed it stays open, and the AI is silenced', async () => {
  const { deps, sync, fetchTask, closeChannel, createTask } = depsWith(handedOffAt(NOW - 20 * MINUTE));

  await expect(closeIfIdle(fired, known, deps)).resolves.toMatchObject({ outcome: 'ai-silenced' });

  expect(fetchTask).toHaveBeenCalledWith(TASK_HOME, TASK);
  expect(closeChannel).not.toHaveBeenCalled();
  expect(createTask).not.toHaveBeenCalled();
  expect(sync.record).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
});

test('a handoff older than the AI holding the conversation does not keep a silent chat open', async () => {
  const { deps, closeChannel } = depsWith(handedOffAt(CLAIMED_AT - MINUTE));

  await expect(closeIfIdle(fired, known, deps)).resolves.toMatchObject({ outcome: 'idle-closed' });

  expect(closeChannel).toHaveBeenCalledWith('KD1', 'UO1');
});

test('a record that cannot be set right fails the check (the timer looks again); the chat stays open', async () => {
  const { deps, closeChannel } = depsWith(handedOffAt(NOW - 20 * MINUTE));
  (deps.state as { beginHandoff: unknown }).beginHandoff = async () => {
    throw new Error('Sync 503');
  };

  await expect(closeIfIdle(fired, known, deps)).rejects.toThrow('Sync 503');

  expect(closeChannel).not.toHaveBeenCalled();
});
