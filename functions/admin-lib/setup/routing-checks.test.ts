import { aiReservationTimeoutCheck, aiWorkerQueuesCheck } from './routing-checks';
import type { RoutingFacts } from './workflow';
import { WK, AI_QUEUE, HUMAN_QUEUE, handedOffFilter, aiFilter, voiceFilter, routing } from './fixtures.testing';
import { pattern } from '../../common/pattern.testing';

describe('aiReservationTimeoutCheck', () => {
  const timed = (taskReservationTimeout: number, filters: object[] = [handedOffFilter, aiFilter]) => {
    const facts = routing(filters);
    return aiReservationTimeoutCheck({ ...facts.workflows[0], taskReservationTimeout }, facts);
  };
  const aiWithTimeout = (timeout: number) => ({ ...aiFilter, targets: [{ queue: AI_QUEUE, timeout }] });

  it('is ok from 600 s on, saying how long the AI keeps a conversation', () => {
    expect(timed(3600)).toEqual({
      id: 'ai_reservation_timeout',
      title: 'AI reservation timeout',
      status: 'ok',
      detail: expect.stringMatching(/Task Reservation Timeout of 3600 s.*at least 3600 s/),
      autoFixable: false,
    });
    expect(timed(600).status).toBe('ok');
    expect(timed(3600, [handedOffFilter, aiWithTimeout(900)])).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/timeout of 900 s.*at least 900 s/),
    });
  });

  it("warns on TaskRouter's default 120 s, with a fix the admin applies (never apply setup)", () => {
    expect(timed(120)).toEqual({
      id: 'ai_reservation_timeout',
      title: 'AI reservation timeout',
      status: 'warning',
      detail: expect.stringMatching(
        /times a reservation out after 120 s.*the bridge never accepts it.*routes the task again/,
      ),
      fix:
        'In TaskRouter → Workflows → "Assign to Anyone", set Task Reservation ' +
        'Timeout to 3600 s (longer than your AI conversations).',
      autoFixable: false,
    });
    expect(timed(599).status).toBe('warning');
  });

  it("warns on a short timeout of the AI's target, even with a long reservation timeout", () => {
    const check = timed(3600, [handedOffFilter, aiWithTimeout(300)]);
    expect(check).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^The AI's target in "OpenCX AI" has a timeout of 300 s/),
      autoFixable: false,
    });
    expect(check.fix).toBe(
      'In TaskRouter → Workflows → "Assign to Anyone", raise the timeout of ' +
        'the AI\'s target in "OpenCX AI" to 3600 s, or remove it.',
    );
    expect(timed(120, [handedOffFilter, aiWithTimeout(300)]).fix).toMatch(
      /set Task Reservation Timeout to 3600 s .* and raise the timeout of the AI's target/,
    );
  });

  it("reads only the AI's target, and the workflow alone when no filter is recognised as the AI's", () => {
    const mixed = { ...aiFilter, targets: [{ queue: HUMAN_QUEUE, timeout: 10 }, { queue: AI_QUEUE }] };
    expect(timed(3600, [handedOffFilter, mixed]).status).toBe('ok');
    expect(timed(3600, [handedOffFilter, voiceFilter]).status).toBe('ok');
    expect(timed(120, [handedOffFilter, voiceFilter]).status).toBe('warning');
  });
});

describe('aiWorkerQueuesCheck', () => {
  const withQueue = (
    targetWorkers: string,
    filters: object[] = [handedOffFilter, aiFilter],
    over: Partial<RoutingFacts> = {},
  ) => {
    const facts = routing(filters, {
      queues: [
        { sid: AI_QUEUE, friendlyName: 'OpenCX AI', targetWorkers: 'opencx_ai == true' },
        { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers },
      ],
      ...over,
    });
    return aiWorkerQueuesCheck(facts.workflows[0], facts);
  };

  it.each([
    ["role == 'agent'"],
    ["routing.skills HAS 'support'"],
    ["'opencx_ai' NOT IN routing.skills"],
    ["opencx_ai != true OR role == 'agent'"],
  ])('is ok when the human queue is %j', (targetWorkers) => {
    expect(withQueue(targetWorkers)).toEqual({
      id: 'ai_worker_queues',
      title: 'AI worker out of the human queues',
      status: 'ok',
      detail: expect.stringMatching(/"Handed off" leave the AI worker out/),
      autoFixable: false,
    });
  });

  it.each([['opencx_ai != true'], ["role == 'agent' AND opencx_ai == false"]])(
    'is a problem when the human queue is %j: it leaves out every human agent too',
    (targetWorkers) => {
      const check = withQueue(targetWorkers);
      expect(check).toMatchObject({
        status: 'problem',
        detail: expect.stringMatching(
          pattern(
            /^Handed-off tasks would wait for nobody: in Workflow .*, "Handed off" targets queue "Support" \(WQb+\), /,
            /whose Target Workers ".*" leave out every worker without an opencx_ai attribute, your human agents too/,
          ),
        ),
        autoFixable: false,
      });
      expect(check.fix).toMatch(/^In TaskRouter → TaskQueues → "Support", set Target Workers .*routing\.skills HAS/);
    },
  );

  it.each([['1==1'], [' 1 == 1'], ['']])(
    'is a problem when the human queue is %j: it matches the AI worker too',
    (targetWorkers) => {
      const check = withQueue(targetWorkers);
      expect(check).toMatchObject({
        status: 'problem',
        detail: expect.stringMatching(
          pattern(
            /^Handed-off tasks would be offered back to the AI worker: /,
            /.*"Handed off" targets queue "Support" \(WQb+\), whose Target Workers .* matches every worker/,
          ),
        ),
        autoFixable: false,
      });
      expect(check.fix).toMatch(
        pattern(
          /^In TaskRouter → TaskQueues → "Support", set Target Workers /,
          /.* routing\.skills HAS 'support' .*not opencx_ai != true/,
        ),
      );
    },
  );

  it("lets a target's own worker expression, or a known human worker, narrow a queue of everyone", () => {
    const narrowed = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, expression: "worker.role == 'agent'" }] };
    expect(withQueue('1==1', [narrowed, aiFilter]).status).toBe('ok');
    const human = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, known_worker_sid: 'WK' + '9'.repeat(32) }] };
    expect(withQueue('1==1', [human, aiFilter]).status).toBe('ok');
    const open = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, expression: '1==1' }] };
    expect(withQueue('1==1', [open, aiFilter]).status).toBe('problem');
  });

  it("asks to point the filter at the human queue when it targets the AI's queue or worker", () => {
    const toAi = { ...handedOffFilter, targets: [{ queue: AI_QUEUE }] };
    expect(withQueue("role == 'agent'", [toAi, aiFilter])).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/targets the AI's queue "OpenCX AI"/),
      fix: 'Point "Handed off" at your human agents\' queue.',
    });
    const toWorker = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, known_worker_sid: WK }] };
    expect(withQueue("role == 'agent'", [toWorker, aiFilter])).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/names the AI worker/),
    });
    expect(withQueue("role == 'agent'", [handedOffFilter, aiFilter], { aiQueueSid: HUMAN_QUEUE }).status).toBe(
      'problem',
    );
  });

  it('is ok, pointing to the workflow filters check, while there is no handedOff filter', () => {
    expect(withQueue('1==1', [aiFilter])).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/no handedOff == true filter yet/),
    });
  });
});
