import { planAiPool, type PoolWorker, poolWorkerName, servesAsAi, tasksHeld } from './ai-pool';

const AI = { opencx_ai: true, full_name: 'AI Support Agent', routing: { skills: ['opencx_ai'] } };

/** An AI worker serving as the pool's are: Available, chat and sms open at 50, voice closed. */
function worker(
  sid: string,
  over: {
    tasks?: number;
    name?: string;
    available?: boolean;
    paused?: boolean;
    closed?: boolean;
    attributes?: Record<string, unknown>;
  } = {},
): PoolWorker {
  const open = !over.closed;
  return {
    sid,
    friendlyName: over.name ?? `worker ${sid}`,
    attributes: over.attributes ?? AI,
    available: over.available ?? true,
    ...(over.paused ? { paused: true } : {}),
    channels: [
      { taskChannel: 'chat', capacity: 50, available: open, assignedTasks: over.tasks ?? 0 },
      { taskChannel: 'sms', capacity: 50, available: open, assignedTasks: 0 },
      { taskChannel: 'voice', capacity: 1, available: false, assignedTasks: 0 },
    ],
  };
}

const kept = (sid: string) => ({ sid, reopen: false, makeAvailable: false });
const none = { pool: [], draining: [] };

describe('planAiPool: growing', () => {
  it('creates the whole pool in a workspace without AI workers, under the pool names', () => {
    expect(planAiPool(3, none, [])).toEqual({
      keep: [],
      create: ['OpenCX AI', 'OpenCX AI 2', 'OpenCX AI 3'],
      drain: [],
      draining: [],
      remove: [],
      createAvailable: true,
    });
  });

  it('keeps the stored worker and creates the missing ones under names no AI worker has', () => {
    const plan = planAiPool(3, { pool: ['WK1'], draining: [] }, [worker('WK1', { name: 'OpenCX AI', tasks: 50 })]);
    expect(plan).toEqual({
      keep: [kept('WK1')],
      create: ['OpenCX AI 2', 'OpenCX AI 3'],
      drain: [],
      draining: [],
      remove: [],
      createAvailable: true,
    });
  });

  it('adopts AI workers the settings do not know (a save cut short), before creating any', () => {
    const plan = planAiPool(2, { pool: ['WK1'], draining: [] }, [
      worker('WK1', { name: 'OpenCX AI' }),
      worker('WK2', { name: 'OpenCX AI 2' }),
    ]);
    expect(plan).toMatchObject({ keep: [kept('WK1'), kept('WK2')], create: [], remove: [] });
  });

  it('reopens a draining worker rather than create one, and makes it Available', () => {
    const draining = worker('WK2', { tasks: 3, closed: true, available: false });
    const plan = planAiPool(2, { pool: ['WK1'], draining: ['WK2'] }, [worker('WK1'), draining]);
    expect(plan).toMatchObject({
      keep: [kept('WK1'), { sid: 'WK2', reopen: true, makeAvailable: true }],
      create: [],
      draining: [],
    });
  });

  // Here chat's capacity was changed by hand and voice opened.
  it('reopens a worker whose channels are not exactly chat and sms at 50, and adds the routing skill', () => {
    const tampered: PoolWorker = {
      ...worker('WK1', { attributes: { opencx_ai: true, full_name: 'OpenCX AI', routing: { skills: ['vip'] } } }),
      channels: [
        { taskChannel: 'chat', capacity: 10, available: true, assignedTasks: 0 },
        { taskChannel: 'voice', capacity: 1, available: true, assignedTasks: 0 },
      ],
    };
    expect(servesAsAi(tampered)).toBe(false);
    expect(planAiPool(1, { pool: ['WK1'], draining: [] }, [tampered]).keep).toEqual([
      {
        sid: 'WK1',
        reopen: true,
        makeAvailable: false,
        attributes: { opencx_ai: true, full_name: 'OpenCX AI', routing: { skills: ['vip', 'opencx_ai'] } },
      },
    ]);
  });

  it('a second save of a pool that serves changes nothing', () => {
    const workers = [worker('WK1', { tasks: 12 }), worker('WK2', { tasks: 40 })];
    expect(planAiPool(2, { pool: ['WK1', 'WK2'], draining: [] }, workers)).toEqual({
      keep: [kept('WK1'), kept('WK2')],
      create: [],
      drain: [],
      draining: [],
      remove: [],
      createAvailable: true,
    });
  });
});

describe('planAiPool: shrinking never removes a worker that holds a task', () => {
  it('drains a surplus worker holding tasks (its channels are closed) and deletes an idle one', () => {
    const workers = [worker('WK1', { tasks: 30 }), worker('WK2', { tasks: 5 }), worker('WK3')];
    expect(planAiPool(1, { pool: ['WK1', 'WK2', 'WK3'], draining: [] }, workers)).toEqual({
      keep: [kept('WK1')],
      create: [],
      drain: ['WK2'],
      draining: [],
      remove: ['WK3'],
      createAvailable: true,
    });
  });

  it('keeps the busiest workers, so the ones drained empty soonest', () => {
    const workers = [worker('WK1', { tasks: 2 }), worker('WK2', { tasks: 45 })];
    expect(planAiPool(1, { pool: ['WK1', 'WK2'], draining: [] }, workers)).toMatchObject({
      keep: [kept('WK2')],
      drain: ['WK1'],
    });
  });

  it('a draining worker holding tasks stays draining, with no new write; once it holds none, a save deletes it', () => {
    const stored = { pool: ['WK1'], draining: ['WK2'] };
    expect(planAiPool(1, stored, [worker('WK1'), worker('WK2', { tasks: 1, closed: true })])).toEqual({
      keep: [kept('WK1')],
      create: [],
      drain: [],
      draining: ['WK2'],
      remove: [],
      createAvailable: true,
    });
    expect(planAiPool(1, stored, [worker('WK1'), worker('WK2', { closed: true })])).toEqual({
      keep: [kept('WK1')],
      create: [],
      drain: [],
      draining: [],
      remove: ['WK2'],
      createAvailable: true,
    });
  });

  it('a task on sms counts as much as one on chat', () => {
    const smsBusy: PoolWorker = {
      ...worker('WK2'),
      channels: worker('WK2').channels.map((c) => (c.taskChannel === 'sms' ? { ...c, assignedTasks: 1 } : c)),
    };
    expect(planAiPool(1, { pool: ['WK1', 'WK2'], draining: [] }, [worker('WK1', { tasks: 9 }), smsBusy])).toMatchObject(
      { drain: ['WK2'], remove: [] },
    );
  });

  it('forgets a stored worker that is gone or no longer marked as an AI worker', () => {
    expect(planAiPool(2, { pool: ['WK1', 'WK9'], draining: ['WK8'] }, [worker('WK1', { name: 'OpenCX AI' })])).toEqual({
      keep: [kept('WK1')],
      create: ['OpenCX AI 2'],
      drain: [],
      draining: [],
      remove: [],
      createAvailable: true,
    });
  });
});

test('pool names: "OpenCX AI" first, then numbered from 2', () => {
  expect([0, 1, 9].map(poolWorkerName)).toEqual(['OpenCX AI', 'OpenCX AI 2', 'OpenCX AI 10']);
});

describe('tasksHeld: whether assigned_tasks counts pending reservations or not', () => {
  const pending = { status: 'pending' } as const;

  it('counts the pending reservations when the channels leave them out', () => {
    expect(tasksHeld(worker('WK1'), [pending, pending])).toBe(2);
  });

  it('does not count twice what the channels already count', () => {
    expect(tasksHeld(worker('WK1', { tasks: 2 }), [pending, pending])).toBe(2);
  });

  it('counts accepted and wrapping reservations, not those that ended', () => {
    const ended = (['rejected', 'timeout', 'canceled', 'rescinded', 'completed'] as const).map((status) => ({
      status,
    }));
    expect(tasksHeld(worker('WK1'), ended)).toBe(0);
    expect(tasksHeld(worker('WK1'), [...ended, { status: 'accepted' }, { status: 'wrapping' }])).toBe(2);
  });
});

describe('planAiPool: a paused AI worker', () => {
  it("stays paused when it is the pool's: a save of other settings does not put the AI back on", () => {
    const paused = worker('WK1', { available: false, paused: true });
    expect(planAiPool(1, { pool: ['WK1'], draining: [] }, [paused]).keep).toEqual([kept('WK1')]);
  });

  it('is made Available after a reservation timeout, and when the save adopts it into the pool', () => {
    const timedOut = worker('WK1', { available: false });
    expect(planAiPool(1, { pool: ['WK1'], draining: [] }, [timedOut]).keep).toEqual([
      { ...kept('WK1'), makeAvailable: true },
    ]);
    const adopted = worker('WK1', { available: false, paused: true });
    expect(planAiPool(1, none, [adopted]).keep).toEqual([{ ...kept('WK1'), makeAvailable: true }]);
  });
});

describe('planAiPool: while an admin has the AI paused', () => {
  const paused = (sid: string, over: { tasks?: number } = {}) => ({
    ...worker(sid, { available: false, paused: true, ...over }),
    activitySid: 'WA_BREAK',
  });

  it('a shrink keeps the worker that serves and lets the paused one go', () => {
    const plan = planAiPool(1, { pool: ['WK1', 'WK2'], draining: [] }, [paused('WK1', { tasks: 3 }), worker('WK2')]);
    expect(plan.keep).toEqual([kept('WK2')]);
    expect(plan).toMatchObject({ drain: ['WK1'], remove: [] });
  });

  it('growing the pool adds workers paused like the others: a save does not put the AI back on', () => {
    const plan = planAiPool(2, { pool: ['WK1'], draining: [] }, [paused('WK1')]);
    expect(plan.keep).toEqual([kept('WK1')]);
    expect(plan).toMatchObject({ create: ['OpenCX AI'], createAvailable: false, createPausedIn: 'WA_BREAK' });
  });

  it('adopts no other worker, which would serve: a draining one keeps draining, a left-behind one goes', () => {
    const draining = worker('WK2', { closed: true, tasks: 3, name: 'OpenCX AI 2' });
    const leftover = worker('WK3', { available: false, name: 'OpenCX AI 3' });
    const plan = planAiPool(3, { pool: ['WK1'], draining: ['WK2'] }, [paused('WK1'), draining, leftover]);
    expect(plan.keep).toEqual([kept('WK1')]);
    expect(plan).toMatchObject({
      create: ['OpenCX AI', 'OpenCX AI 4'],
      createAvailable: false,
      createPausedIn: 'WA_BREAK',
      draining: ['WK2'],
      remove: ['WK3'],
    });
  });

  it('new workers serve when any worker kept of the pool does', () => {
    const plan = planAiPool(3, { pool: ['WK1', 'WK2'], draining: [] }, [paused('WK1'), worker('WK2')]);
    expect(plan).toMatchObject({ create: ['OpenCX AI'], createAvailable: true });
    expect(plan.createPausedIn).toBeUndefined();
  });
});

describe('planAiPool: before the workspace events come here', () => {
  it('makes no worker Available, new or kept: TaskRouter would offer it chats nothing answers', () => {
    const timedOut = worker('WK1', { available: false, name: 'OpenCX AI' });
    const plan = planAiPool(2, { pool: ['WK1'], draining: [] }, [timedOut], false);
    expect(plan.keep).toEqual([kept('WK1')]);
    expect(plan).toMatchObject({ create: ['OpenCX AI 2'], createAvailable: false });
  });
});
