import type { HandbackDeps } from './handback';
import { handBack, handbackUntaken, transferWaiting, WORKSPACE_LEFT, WORKSPACE_LEFT_AGAIN } from './handback';

const CALLER = 'WT00000000000000000000000000000001';
const EARLIER = 'WT00000000000000000000000000000002';
const LIVE = 'WT00000000000000000000000000000003';

/** The interaction's invites as Flex lists them, and each task as TaskRouter reads it now. */
function depsWith(listed: Record<string, string>, live: Record<string, string | 'deleted'>) {
  const warn = jest.fn();
  const deps = {
    config: { workspaceSid: 'WS1' },
    warn,
    twilio: {
      flex: {
        listInvitedTasks: async () =>
          Object.entries(listed).map(([sid, assignmentStatus]) => ({ sid, assignmentStatus, attributes: {} })),
      },
      taskrouter: {
        fetchTask: async (_workspace: string, sid: string) => {
          if (live[sid] === 'deleted') throw Object.assign(new Error('not found'), { status: 404 });
          return { sid, assignmentStatus: live[sid] };
        },
      },
    },
  } as unknown as HandbackDeps;
  return { deps, warn };
}

describe('transferWaiting (a hand-back waits while a transfer of the chat waits for a colleague)', () => {
  test("finds a transfer TaskRouter still routes, past one deleted since Flex's list was made", async () => {
    const { deps, warn } = depsWith(
      { [CALLER]: 'assigned', [EARLIER]: 'pending', [LIVE]: 'pending' },
      { [CALLER]: 'assigned', [EARLIER]: 'deleted', [LIVE]: 'reserved' },
    );
    await expect(transferWaiting('WS1', 'KD1', 'UO1', CALLER, deps)).resolves.toBe(LIVE);
    expect(warn).not.toHaveBeenCalled();
  });

  test('trusts TaskRouter over the list: a transfer accepted or canceled since waits for nobody', async () => {
    const { deps } = depsWith(
      { [EARLIER]: 'pending', [LIVE]: 'reserved' },
      { [EARLIER]: 'canceled', [LIVE]: 'assigned' },
    );
    await expect(transferWaiting('WS1', 'KD1', 'UO1', CALLER, deps)).resolves.toBeUndefined();
  });

  test('lets the hand-back go ahead when the invites cannot be read, saying so', async () => {
    const { deps, warn } = depsWith({}, {});
    (deps.twilio.flex as { listInvitedTasks: unknown }).listInvitedTasks = async () => {
      throw Object.assign(new Error('Service unavailable'), { status: 503 });
    };
    await expect(transferWaiting('WS1', 'KD1', 'UO1', CALLER, deps)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith('could not look for a pending transfer of the conversation', expect.anything());
  });
});

/** The agent's task a hand-back starts from, the record of the conversation it holds, and settings with timers. */
const HANDING_BACK = {
  sid: CALLER,
  workflowSid: 'WW1',
  taskChannelUniqueName: 'chat',
  attributes: { flexInteractionSid: 'KD1', flexInteractionChannelSid: 'UO1' },
};
const HELD_BY_AGENT = { workspaceSid: 'WS1', taskSid: CALLER, phase: 'human' as const, claimedAt: 0, sessionId: 's1' };
const WITH_TIMERS = {
  workspaceSid: 'WS1',
  conversationsServiceSid: 'IS1',
  timerWorkspaceSid: 'WS2',
  timerWorkflowSid: 'WW2',
};
const handBackBy = (deps: HandbackDeps) =>
  handBack({ conversationSid: 'CH1', task: HANDING_BACK, agent: { sid: 'WK1', name: 'Alice' } } as never, deps);

describe('handBack when the timer for an untaken hand-back cannot be armed', () => {
  const record = HELD_BY_AGENT;

  test('invites nothing, and undoes the hand-back on a budget of its own (the arm may have used it up)', async () => {
    const invite = jest.fn();
    const undone = jest.fn(async () => undefined);
    const deps = {
      config: WITH_TIMERS,
      twilio: {
        conversations: { listMessages: async () => [] },
        flex: { listInvitedTasks: async () => [], inviteToWorkflow: invite },
        taskrouter: {
          createTask: async () => {
            throw new Error('deadline exceeded');
          },
        },
      },
      state: {
        conversation: async () => ({ record, revision: '1' }),
        beginHandback: async () => true,
        undoHandback: async () => {
          throw new Error('deadline exceeded');
        },
      },
      lastStepState: () => ({ undoHandback: undone }),
      now: () => new Date('2026-12-06T10:00:00Z'),
      warn: () => undefined,
    } as unknown as HandbackDeps;

    const result = await handBackBy(deps);

    expect(result).toMatchObject({ outcome: 'failed', mayHaveHappened: false });
    expect(invite).not.toHaveBeenCalled();
    expect(undone).toHaveBeenCalledWith('CH1', '2026-12-06T10:00:00.000Z', 'human');
  });
});

describe('handBack of a task in a workspace the settings no longer name', () => {
  test('is refused before anything is written: the AI has no open worker there to take it', async () => {
    const invite = jest.fn();
    const begin = jest.fn(async () => true);
    const deps = {
      config: {
        workspaceSid: 'WS_NOW',
        conversationsServiceSid: 'IS1',
        timerWorkspaceSid: 'WS2',
        timerWorkflowSid: 'WW2',
      },
      twilio: {
        conversations: { listMessages: async () => [] },
        flex: { listInvitedTasks: async () => [], inviteToWorkflow: invite },
        taskrouter: { createTask: jest.fn() },
      },
      state: {
        conversation: async () => ({
          record: { workspaceSid: 'WS_BEFORE', taskSid: CALLER, phase: 'human', claimedAt: 0, sessionId: 's1' },
          revision: '1',
        }),
        beginHandback: begin,
      },
      now: () => new Date('2026-12-06T10:00:00Z'),
      warn: () => undefined,
    } as unknown as HandbackDeps;
    const task = {
      sid: CALLER,
      workflowSid: 'WW1',
      taskChannelUniqueName: 'chat',
      attributes: { flexInteractionSid: 'KD1', flexInteractionChannelSid: 'UO1' },
    };

    const result = await handBack(
      { conversationSid: 'CH1', task, workspaceSid: 'WS_BEFORE', agent: { sid: 'WK1', name: 'Alice' } } as never,
      deps,
    );

    expect(result).toEqual({ outcome: 'refused', reason: WORKSPACE_LEFT });
    expect(begin).not.toHaveBeenCalled();
    expect(invite).not.toHaveBeenCalled();
  });
});

describe('handBack again after an invite whose answer was lost', () => {
  const at = '2026-12-06T09:59:00.000Z';
  const task = {
    sid: CALLER,
    workflowSid: 'WW1',
    taskChannelUniqueName: 'chat',
    attributes: { flexInteractionSid: 'KD1', flexInteractionChannelSid: 'UO1' },
  };
  const record = {
    workspaceSid: 'WS1',
    taskSid: CALLER,
    phase: 'handback' as const,
    claimedAt: 0,
    handback: { at, agentSid: 'WK1', agentName: 'Alice', fromTaskSid: CALLER, afterIndex: -1 },
  };

  /** Flex lists the earlier invite's task as pending; TaskRouter says `live`. */
  function depsWith(live: string | 'deleted') {
    const invite = jest.fn(async () => LIVE);
    const deps = {
      config: { workspaceSid: 'WS1', conversationsServiceSid: 'IS1' },
      twilio: {
        conversations: { listMessages: async () => [] },
        flex: {
          listInvitedTasks: async () => [
            { sid: EARLIER, assignmentStatus: 'pending', attributes: { opencxHandbackAt: at } },
          ],
          inviteToWorkflow: invite,
          wrapUpAgent: async () => 'wrapup',
        },
        taskrouter: {
          fetchTask: async () => {
            if (live === 'deleted') throw Object.assign(new Error('not found'), { status: 404 });
            return { sid: EARLIER, assignmentStatus: live };
          },
        },
      },
      state: {
        conversation: async () => ({ record, revision: '1' }),
        update: async (_c: string, change: (r: object) => object | undefined) => {
          const next = change(record);
          return next && { record: next, revision: '2' };
        },
        noteInvitedTask: async () => undefined,
        recordInsight: async () => undefined,
      },
      now: () => new Date('2026-12-06T10:00:00Z'),
      warn: () => undefined,
    } as unknown as HandbackDeps;
    return { deps, invite };
  }
  const click = (deps: HandbackDeps) =>
    handBack({ conversationSid: 'CH1', task, agent: { sid: 'WK1', name: 'Alice' } } as never, deps).catch(
      () => undefined,
    );

  test('is refused in a workspace the settings left, as a first click is', async () => {
    const { deps, invite } = depsWith('canceled');
    const request = { conversationSid: 'CH1', task, workspaceSid: 'WS_BEFORE', agent: { sid: 'WK1', name: 'Alice' } };
    await expect(handBack(request as never, deps)).resolves.toEqual({
      outcome: 'refused',
      reason: WORKSPACE_LEFT_AGAIN,
    });
    expect(invite).not.toHaveBeenCalled();
  });

  test('takes the task it made while TaskRouter still routes it: nothing is invited again', async () => {
    const { deps, invite } = depsWith('pending');
    await expect(click(deps)).resolves.toMatchObject({ outcome: 'handed-back', invitedTaskSid: EARLIER });
    expect(invite).not.toHaveBeenCalled();
  });

  test("arms a timer of its own, named on the record, so the first click's cannot cut this invite short", async () => {
    const { deps } = depsWith('canceled');
    const armed: Record<string, unknown>[] = [];
    const written: object[] = [];
    const update = deps.state.update;
    Object.assign(deps.config, { timerWorkspaceSid: 'WS2', timerWorkflowSid: 'WW2' });
    Object.assign(deps.twilio.taskrouter, {
      createTask: async (_ws: string, task: { attributes: Record<string, unknown> }) => {
        armed.push(task.attributes);
        return 'WTtimer';
      },
    });
    deps.state.update = (async (sid: string, change: (r: object) => object | undefined, known: unknown) => {
      expect(armed).toHaveLength(1);
      const next = await update(sid, change as never, known as never);
      if (next) written.push(next.record);
      return next;
    }) as typeof update;

    await click(deps);
    const invitedAt = '2026-12-06T10:00:00.000Z';
    expect(armed).toEqual([
      expect.objectContaining({ opencxTimer: 'handback', handbackAt: at, handbackInvitedAt: invitedAt }),
    ]);
    expect(written).toEqual([expect.objectContaining({ handback: expect.objectContaining({ at, invitedAt }) })]);
  });

  test("a task the earlier invite made, still routed: no new timer, the first click's stays in charge", async () => {
    const { deps } = depsWith('pending');
    const createTask = jest.fn();
    const update = jest.spyOn(deps.state, 'update');
    Object.assign(deps.config, { timerWorkspaceSid: 'WS2', timerWorkflowSid: 'WW2' });
    Object.assign(deps.twilio.taskrouter, { createTask });
    await expect(click(deps)).resolves.toMatchObject({ outcome: 'handed-back', invitedTaskSid: EARLIER });
    expect(createTask).not.toHaveBeenCalled();
    const written = await update.mock.results[0].value;
    expect(written.record.handback).not.toHaveProperty('invitedAt');
  });

  test('two stale clicks at once: the one whose note lands second invites nothing', async () => {
    const { deps, invite } = depsWith('canceled');
    const update = deps.state.update;
    // The other click noted its invite between this click's read and its write.
    deps.state.update = ((sid: string, change: (r: object) => object | undefined) =>
      update(
        sid,
        (r) => change({ ...r, handback: { ...record.handback, invitedAt: '2026-12-06T09:59:59.000Z' } }) as never,
      )) as never;
    await expect(click(deps)).resolves.toMatchObject({ outcome: 'in-progress' });
    expect(invite).not.toHaveBeenCalled();
  });

  test("an invite Flex certainly did not make takes the retry's note back: the agent may retry at once", async () => {
    const { deps, invite } = depsWith('canceled');
    invite.mockRejectedValue(Object.assign(new Error('Bad Request'), { status: 400 }));
    const writes: { handback: Record<string, unknown> }[] = [];
    let current: object = record;
    deps.state.update = (async (_c: string, change: (r: object) => object | undefined) => {
      const next = change(current);
      if (next) {
        current = next;
        writes.push(next as never);
      }
      return next && { record: next, revision: String(writes.length + 1) };
    }) as never;
    await expect(click(deps)).resolves.toMatchObject({ outcome: 'failed', mayHaveHappened: false });
    expect(writes.map((w) => w.handback.invitedAt)).toEqual(['2026-12-06T10:00:00.000Z', undefined]);
    expect(writes[1].handback).not.toHaveProperty('invitedAt');
  });

  test("a timer that cannot be armed leaves the record as it was: the first click's timer still governs", async () => {
    const { deps, invite } = depsWith('canceled');
    const update = jest.spyOn(deps.state, 'update');
    Object.assign(deps.config, { timerWorkspaceSid: 'WS2', timerWorkflowSid: 'WW2' });
    Object.assign(deps.twilio.taskrouter, {
      createTask: async () => {
        throw new Error('Service Unavailable');
      },
    });
    await expect(click(deps)).resolves.toMatchObject({ outcome: 'failed', mayHaveHappened: true });
    expect(update).not.toHaveBeenCalled();
    expect(invite).not.toHaveBeenCalled();
  });

  test.each(['canceled', 'deleted'])(
    'invites again when that task has ended since (%s), whatever the list says',
    async (live) => {
      const { deps, invite } = depsWith(live);
      await click(deps);
      expect(invite).toHaveBeenCalledTimes(1);
    },
  );
});

describe('handbackUntaken after an invite whose answer was lost (the record names no invited task)', () => {
  const at = '2026-12-06T09:59:00.000Z';
  const known = {
    record: {
      workspaceSid: 'WS1',
      taskSid: CALLER,
      phase: 'handback' as const,
      claimedAt: 0,
      handback: { at, agentSid: 'WK1', agentName: 'Alice', fromTaskSid: CALLER, afterIndex: -1 },
    },
    revision: '1',
  };
  const fired = {
    action: 'handback-untaken',
    conversationSid: 'CH1',
    at,
    interaction: { sid: 'KD1', channelSid: 'UO1' },
  } as never;

  test.each(['canceled', 'deleted'])(
    'leaves alone a task Flex lists as pending that has ended since (%s): humans get no dead task',
    async (live) => {
      const untakenHandback = jest.fn();
      const deps = {
        config: { workspaceSid: 'WS1' },
        twilio: {
          flex: {
            listInvitedTasks: async () => [
              { sid: EARLIER, assignmentStatus: 'pending', attributes: { opencxHandbackAt: at } },
            ],
          },
          taskrouter: {
            fetchTask: async () => {
              if (live === 'deleted') throw Object.assign(new Error('not found'), { status: 404 });
              return { sid: EARLIER, assignmentStatus: live };
            },
          },
        },
        state: { untakenHandback },
        now: () => new Date('2026-12-06T10:00:00Z'),
        warn: () => undefined,
      } as never;
      await expect(handbackUntaken(fired, known as never, deps)).resolves.toMatchObject({ outcome: 'ignore' });
      expect(untakenHandback).not.toHaveBeenCalled();
    },
  );

  test('takes a routed invite when another could not be read, and fails only when none is routed', async () => {
    const untakenHandback = jest.fn(async () => undefined);
    const marked = { opencxHandbackAt: at };
    const depsWhere = (live: string) =>
      ({
        config: { workspaceSid: 'WS1' },
        twilio: {
          flex: {
            listInvitedTasks: async () => [
              { sid: EARLIER, assignmentStatus: 'pending', attributes: marked },
              { sid: LIVE, assignmentStatus: 'pending', attributes: marked },
            ],
          },
          taskrouter: {
            fetchTask: async (_workspace: string, sid: string) => {
              if (sid === EARLIER) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
              return { sid, assignmentStatus: live };
            },
          },
        },
        state: { untakenHandback },
        now: () => new Date('2026-12-06T10:00:00Z'),
        warn: () => undefined,
      }) as never;
    await handbackUntaken(fired, known as never, depsWhere('reserved'));
    expect(untakenHandback).toHaveBeenCalledWith('CH1', expect.anything(), LIVE, expect.anything(), known);
    await expect(handbackUntaken(fired, known as never, depsWhere('canceled'))).rejects.toThrow('Service Unavailable');
  });

  test('takes the invite made again when the first one, listed before it, has ended', async () => {
    const untakenHandback = jest.fn(async () => undefined);
    const marked = { opencxHandbackAt: at };
    const deps = {
      config: { workspaceSid: 'WS1' },
      twilio: {
        flex: {
          listInvitedTasks: async () => [
            { sid: EARLIER, assignmentStatus: 'pending', attributes: marked },
            { sid: LIVE, assignmentStatus: 'pending', attributes: marked },
          ],
        },
        taskrouter: {
          fetchTask: async (_workspace: string, sid: string) => ({
            sid,
            assignmentStatus: sid === EARLIER ? 'canceled' : 'pending',
          }),
        },
      },
      state: { untakenHandback },
      now: () => new Date('2026-12-06T10:00:00Z'),
      warn: () => undefined,
    } as never;
    await handbackUntaken(fired, known as never, deps);
    expect(untakenHandback).toHaveBeenCalledWith('CH1', expect.anything(), LIVE, expect.anything(), known);
  });
});

describe('handBack whose write another one beat (a second tab, a colleague, the end of the task)', () => {
  const held = HELD_BY_AGENT;
  const now = new Date('2026-12-06T10:00:00Z');
  const begun = { at: '2026-12-06T09:59:58.000Z', id: 'h1', agentSid: 'WK1', agentName: 'Alice', afterIndex: 0 };

  async function handBackAfter(reread: () => Promise<unknown>) {
    const invite = jest.fn();
    const reads = [async () => ({ record: held, revision: '1' }), reread];
    const deps = {
      config: WITH_TIMERS,
      twilio: {
        conversations: { listMessages: async () => [] },
        flex: { listInvitedTasks: async () => [], inviteToWorkflow: invite },
        taskrouter: { createTask: jest.fn() },
      },
      state: { conversation: () => reads.shift()!(), beginHandback: async () => undefined },
      now: () => now,
      warn: () => undefined,
    } as unknown as HandbackDeps;
    const result = await handBackBy(deps);
    expect(invite).not.toHaveBeenCalled();
    return result;
  }
  const handingBack = (handback: Record<string, unknown>) => async () => ({
    record: { ...held, phase: 'handback', handback: { ...begun, fromTaskSid: CALLER, ...handback } },
    revision: '2',
  });

  test("another click's hand-back with its invite not known yet is under way, not done: it may fail", async () => {
    await expect(handBackAfter(handingBack({}))).resolves.toMatchObject({ outcome: 'in-progress' });
  });

  test('one whose invite is known, or the AI holding the conversation, is done already', async () => {
    await expect(handBackAfter(handingBack({ invitedTaskSid: 'WTnew' }))).resolves.toMatchObject({
      outcome: 'already',
    });
    const resumed = async () => ({ record: { ...held, phase: 'ai' }, revision: '3' });
    await expect(handBackAfter(resumed)).resolves.toMatchObject({ outcome: 'already' });
  });

  test('a conversation that ended meanwhile is refused; one that cannot be read is not said to be done', async () => {
    await expect(handBackAfter(async () => undefined)).resolves.toMatchObject({ outcome: 'refused' });
    const unread = async () => Promise.reject(new Error('Service unavailable'));
    await expect(handBackAfter(unread)).resolves.toMatchObject({ outcome: 'failed', mayHaveHappened: true });
  });
});
