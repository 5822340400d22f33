import type { WorkerRouting } from '../../common/twilio';
import { type AiPoolFacts, aiWorkerCheck } from './ai-worker-check';
import { WK, worker } from './fixtures.testing';
import { pattern } from '../../common/pattern.testing';

describe('aiWorkerCheck: the AI worker pool', () => {
  const WK2 = 'WK' + '2'.repeat(32);
  const WK3 = 'WK' + '3'.repeat(32);
  const busy = (sid: string, name: string, chat: number, over: Partial<WorkerRouting> = {}): WorkerRouting =>
    worker({
      sid,
      friendlyName: name,
      channels: [
        { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: chat },
        { taskChannel: 'sms', capacity: 50, available: true, assignedTasks: 0 },
      ],
      ...over,
    });
  const pool = (peak: number, ...workers: (WorkerRouting | string)[]): AiPoolFacts => ({
    peak,
    pool: workers.map((w) => (typeof w === 'string' ? { sid: w } : { sid: w.sid, routing: w })),
    draining: [],
  });

  it('is ok for one available worker with chat capacity, settings saved before the pool', () => {
    expect(aiWorkerCheck(pool(50, worker()))).toMatchObject({
      id: 'ai_worker',
      status: 'ok',
      detail: expect.stringContaining('1 of 1 AI worker serving (a peak of 50 concurrent conversations, 50 a worker)'),
    });
  });

  it('is a problem Apply fixes when a worker lacks the AI skill, and not for one that has it', () => {
    const skilled = { opencx_ai: true, routing: { skills: ['opencx_ai'] } };
    expect(aiWorkerCheck(pool(50, worker({ attributes: skilled }))).status).toBe('ok');
    expect(aiWorkerCheck(pool(50, worker({ attributes: { opencx_ai: true } })))).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringContaining('lacks the "opencx_ai" routing skill, so'),
      fix: expect.stringContaining('it adds the skill to'),
    });
    // Hand-edited without opencx_ai: true, the queue Apply makes (opencx_ai == true AND the skill) never matches it.
    expect(aiWorkerCheck(pool(50, worker({ attributes: { routing: { skills: ['opencx_ai'] } } })))).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringContaining('lacks the attribute "opencx_ai": true, so'),
      fix: expect.stringContaining('it adds the attribute to'),
    });
    expect(aiWorkerCheck(pool(50, worker({ attributes: {} })))).toMatchObject({
      detail: expect.stringContaining('lacks the attribute "opencx_ai": true and the "opencx_ai" routing skill, so'),
      fix: expect.stringContaining('it adds the attribute and the skill to'),
    });
  });

  it('is a problem Apply fixes when sms is closed or another channel is open', () => {
    const smsClosed = busy(WK, 'OpenCX AI', 0, {
      channels: [
        { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: 0 },
        { taskChannel: 'sms', capacity: 50, available: false, assignedTasks: 0 },
      ],
    });
    const voiceOpen = busy(WK, 'OpenCX AI', 0, {
      channels: [
        { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: 0 },
        { taskChannel: 'voice', capacity: 1, available: true, assignedTasks: 0 },
      ],
    });
    for (const gap of [smsClosed, voiceOpen])
      expect(aiWorkerCheck(pool(50, gap))).toMatchObject({
        status: 'problem',
        autoFixable: true,
        detail: expect.stringContaining('channels are not chat and sms open at 50'),
      });
  });

  it('reports each worker and the utilisation per channel from the assigned tasks and capacities', () => {
    const check = aiWorkerCheck(pool(100, busy(WK, 'OpenCX AI', 30), busy(WK2, 'OpenCX AI 2', 20)));
    expect(check.status).toBe('ok');
    expect(check.detail).toBe(
      `2 of 2 AI workers serving (a peak of 100 concurrent conversations, 50 a worker): "OpenCX AI" (${WK}) ` +
        `Available, chat 30/50, sms 0/50; "OpenCX AI 2" (${WK2}) Available, chat 20/50, sms 0/50. ` +
        'chat: 50 of 100 slots in use (50 %). sms: 0 of 100 slots in use (0 %).',
    );
  });

  it.each([
    [79, 'ok'],
    [80, 'warning'],
    [100, 'warning'],
  ])('with %i of 100 chat slots in use it is %s', (inUse, status) => {
    const check = aiWorkerCheck(pool(100, busy(WK, 'OpenCX AI', 50), busy(WK2, 'OpenCX AI 2', inUse - 50)));
    expect(check.status).toBe(status);
    if (status === 'warning')
      expect(check).toMatchObject({
        detail: expect.stringMatching(new RegExp(`^The AI pool is ${inUse} % full on chat`)),
        fix: expect.stringMatching(/raise the peak/),
        autoFixable: false,
      });
  });

  it("warns from the AI queue's statistics when the channels' assigned tasks leave pending reservations out", () => {
    const facts = { ...pool(100, busy(WK, 'OpenCX AI', 0), busy(WK2, 'OpenCX AI 2', 0)), queueHeld: { chat: 85 } };
    const check = aiWorkerCheck(facts);
    expect(check).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^The AI pool is 85 % full on chat/),
    });
    // The larger count wins: the channels' when the queue's statistics say less.
    expect(
      aiWorkerCheck({ ...pool(100, busy(WK, 'OpenCX AI', 50), busy(WK2, 'OpenCX AI 2', 40)), queueHeld: { chat: 3 } }),
    ).toMatchObject({ status: 'warning', detail: expect.stringMatching(/^The AI pool is 90 % full on chat/) });
  });

  it('names the draining workers and what they still hold', () => {
    const facts = {
      ...pool(50, busy(WK, 'OpenCX AI', 1)),
      draining: [
        {
          sid: WK2,
          routing: busy(WK2, 'OpenCX AI 2', 4, {
            channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 4 }],
          }),
        },
      ],
    };
    const check = aiWorkerCheck(facts);
    expect(check.status).toBe('ok');
    expect(check.detail).toContain(
      `Draining, taking no new conversation, deleted by a save once they hold none: "OpenCX AI 2" (${WK2}) holds 4.`,
    );
    expect(check.detail).toContain('chat: 1 of 50 slots in use');
  });

  it("counts a draining worker's reservations when its channels show none", () => {
    const closed = busy(WK2, 'OpenCX AI 2', 0, {
      channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 0 }],
    });
    const facts = { ...pool(50, busy(WK, 'OpenCX AI', 1)), draining: [{ sid: WK2, routing: closed, held: 3 }] };
    expect(aiWorkerCheck(facts).detail).toContain(`"OpenCX AI 2" (${WK2}) holds 3.`);
  });

  it("after a shrink, leaves the draining workers' tasks in the AI queue's statistics out of the serving slots", () => {
    const closed = (sid: string, name: string, chat: number) =>
      busy(sid, name, chat, {
        channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: chat }],
      });
    // A pool of three shrunk to one: the queue holds the 100 conversations of the draining two and the pool's 10,
    // one draining worker's channels showing its 50, the other's only its reservations.
    const shrunk = {
      ...pool(50, busy(WK, 'OpenCX AI', 10)),
      draining: [
        { sid: WK2, routing: closed(WK2, 'OpenCX AI 2', 50) },
        { sid: WK3, routing: closed(WK3, 'OpenCX AI 3', 0), held: 50 },
      ],
      queueHeld: { chat: 110 },
    };
    const check = aiWorkerCheck(shrunk);
    expect(check.status).toBe('ok');
    expect(check.detail).toContain('chat: 10 of 50 slots in use (20 %).');
    // The serving worker's pending reservations its channels leave out still count.
    expect(
      aiWorkerCheck({ ...shrunk, pool: pool(50, busy(WK, 'OpenCX AI', 0)).pool, queueHeld: { chat: 145 } }),
    ).toMatchObject({ status: 'warning', detail: expect.stringMatching(/^The AI pool is 90 % full on chat/) });
  });

  it("warns by what may be in use when the draining workers' conversations are on channels not known", () => {
    // The serving worker's channels leave its pending reservations out; the draining one's show none of its 40.
    const closed = busy(WK2, 'OpenCX AI 2', 0, {
      channels: [
        { taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 0 },
        { taskChannel: 'sms', capacity: 50, available: false, assignedTasks: 0 },
      ],
    });
    const facts = {
      ...pool(50, busy(WK, 'OpenCX AI', 0)),
      draining: [{ sid: WK2, routing: closed, held: 40 }],
      queueHeld: { chat: 45, sms: 40 },
    };
    const check = aiWorkerCheck(facts);
    expect(check).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^The AI pool is up to 90 % full on chat/),
    });
    expect(check.detail).toContain(
      'chat: 5 to 45 of 50 slots in use (10 to 90 %). sms: 0 to 40 of 50 slots in use (0 to 80 %). TaskRouter does not',
    );
    // The queue holding chat only: the draining worker's 40 are there, and the figure is exact.
    const chatOnly = aiWorkerCheck({ ...facts, queueHeld: { chat: 85 } });
    expect(chatOnly.detail).toMatch(/^The AI pool is 90 % full on chat/);
    expect(chatOnly.detail).toContain('chat: 45 of 50 slots in use (90 %).');
  });

  describe('AI workers left in a workspace the settings no longer name', () => {
    const WS_LEFT = 'WS' + '9'.repeat(32);
    const closed = busy(WK2, 'OpenCX AI', 2, {
      channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 2 }],
    });

    it('lists those closed with what they hold, the check staying ok', () => {
      const check = aiWorkerCheck({
        ...pool(50, busy(WK, 'OpenCX AI', 1)),
        former: [{ workspaceSid: WS_LEFT, workers: [{ sid: WK2, routing: closed }] }],
      });
      expect(check.status).toBe('ok');
      expect(check.detail).toContain(
        `In workspace ${WS_LEFT}, which the settings no longer name, AI workers are left, taking no new task, ` +
          `deleted by a save once they hold none: "OpenCX AI" (${WK2}) holds 2.`,
      );
    });

    it('is a problem while one still takes new tasks there, which Test & Save closes', () => {
      const check = aiWorkerCheck({
        ...pool(50, busy(WK, 'OpenCX AI', 1)),
        former: [{ workspaceSid: WS_LEFT, workers: [{ sid: WK3, routing: busy(WK3, 'OpenCX AI 2', 0) }] }],
      });
      expect(check).toMatchObject({
        status: 'problem',
        autoFixable: false,
        detail: expect.stringContaining(
          `In workspace ${WS_LEFT}, which the settings no longer name, AI workers still take new tasks, ` +
            `which nothing answers: "OpenCX AI 2" (${WK3}).`,
        ),
        fix: expect.stringContaining('click Test & Save: it closes the AI workers of the workspaces'),
      });
    });

    it('says so when they could not be read', () => {
      const check = aiWorkerCheck({ ...pool(50, busy(WK, 'OpenCX AI', 1)), former: [{ workspaceSid: WS_LEFT }] });
      expect(check.detail).toContain(
        `In workspace ${WS_LEFT}, which the settings no longer name, the AI workers could not be read.`,
      );
    });
  });

  it("leaves a pool worker's tasks out of the serving slots while it does not serve", () => {
    const offline = busy(WK2, 'OpenCX AI 2', 30, { activityName: 'Offline', available: false });
    const check = aiWorkerCheck({ ...pool(100, busy(WK, 'OpenCX AI', 0), offline), queueHeld: { chat: 40 } });
    expect(check.detail).toContain('1 of 2 AI workers serving');
    expect(check.detail).toContain('chat: 10 of 50 slots in use (20 %).');
  });

  it('is a problem when the settings keep fewer workers than the peak needs', () => {
    expect(aiWorkerCheck(pool(120, worker(), busy(WK2, 'OpenCX AI 2', 0)))).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/keep 2 AI workers, 1 fewer than the peak needs/),
      fix: expect.stringMatching(/Test & Save/),
    });
  });

  it('counts only the serving workers, and says what is wrong with each other one', () => {
    const check = aiWorkerCheck(
      pool(
        150,
        busy(WK, 'OpenCX AI', 10),
        worker({ sid: WK2, friendlyName: 'OpenCX AI 2', activityName: 'Offline', available: false }),
        WK3,
      ),
    );
    // A missing worker needs Test & Save, so the whole is not Apply's to fix, though Apply repairs the offline one.
    expect(check).toMatchObject({ status: 'problem', autoFixable: false });
    expect(check.detail).toMatch(
      pattern(
        /"OpenCX AI 2" .* is in the "Offline" activity.*/,
        /The AI worker WK3{32} saved in the settings is not in the workspace any more.*/,
        /1 of 3 AI workers serving/,
      ),
    );
    expect(check.fix).toMatch(
      /^Apply fixes: it sets "OpenCX AI 2" .* to Available\. .*Test & Save: it creates the missing AI workers/,
    );
  });

  it.each([
    ['missing', WK, /not in the workspace any more/, /Test & Save: it creates/],
    [
      'without chat (the workspace has no chat channel)',
      worker({ channels: [] }),
      /has no chat channel/,
      /create the "chat" channel/,
    ],
  ])('is a problem for a worker %s that Apply cannot fix', (_case, facts, detail, fix) => {
    expect(aiWorkerCheck(pool(50, facts))).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
      autoFixable: false,
    });
  });

  it.each([
    [
      'offline',
      worker({ activityName: 'Offline', available: false }),
      /"Offline" activity/,
      /^Apply fixes: it sets .* to Available\.$/,
    ],
    [
      'with chat closed',
      worker({ channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 0 }] }),
      /chat channel closed/,
      /^Apply fixes: it opens .* chat and sms channels with a capacity of 50\.$/,
    ],
    [
      'with chat capacity 0',
      worker({ channels: [{ taskChannel: 'chat', capacity: 0, available: true, assignedTasks: 0 }] }),
      /capacity of 0/,
      /^Apply fixes: it opens .*capacity of 50\.$/,
    ],
  ])('is a problem Apply fixes for a worker %s', (_case, facts, detail, fix) => {
    expect(aiWorkerCheck(pool(50, facts))).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
      autoFixable: true,
    });
  });

  it('says an offline worker waits for routing while no workflow routes chats to the AI', () => {
    const unrouted = 'no workflow routes chats to the AI (choose the human queue, so Apply adds the AI filter)';
    const offline = pool(50, worker({ activityName: 'Offline', available: false }));
    expect(aiWorkerCheck(offline, unrouted).fix).toMatch(
      /^Apply fixes sets .* to Available once chats reach the AI: today no workflow routes .*choose the human queue/,
    );
  });
});
