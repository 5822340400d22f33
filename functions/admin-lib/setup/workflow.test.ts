import { aiQueueSids, isHandedOffFilter, routesToAi } from './expressions';
import { aiQueueCheck, chooseWorkflow, humanQueueProblem, workflowConfigurationUpdate, workflowFiltersCheck } from './workflow';
import { WS, WK, AI_QUEUE, HUMAN_QUEUE, WW, handedOffFilter, aiFilter, voiceFilter, workflow, routing, worker } from './fixtures.testing';

describe('which filters route to the AI', () => {
  it('counts the configured AI queue and queues whose workers expression mentions opencx_ai', () => {
    const queues = [
      { sid: AI_QUEUE, friendlyName: 'AI', targetWorkers: 'routing.skills HAS "opencx_ai"' },
      { sid: HUMAN_QUEUE, friendlyName: 'Everyone', targetWorkers: '1==1' },
    ];
    expect(aiQueueSids(queues, undefined)).toEqual(new Set([AI_QUEUE]));
    expect(aiQueueSids(queues, HUMAN_QUEUE)).toEqual(new Set([AI_QUEUE, HUMAN_QUEUE]));
  });

  it('recognises AI targets by queue, worker SID or worker expression', () => {
    const ai = new Set([AI_QUEUE]);
    expect(routesToAi(aiFilter, ai, [WK])).toBe(true);
    expect(routesToAi({ targets: [{ queue: HUMAN_QUEUE, known_worker_sid: WK }] }, ai, [WK])).toBe(true);
    expect(routesToAi({ targets: [{ queue: HUMAN_QUEUE, expression: 'worker.opencx_ai == true' }] }, ai, [WK])).toBe(true);
    expect(routesToAi(voiceFilter, ai, [WK])).toBe(false);
    expect(routesToAi({ expression: '1==1' }, ai, [WK])).toBe(false);
  });

  it('recognises a handedOff filter by its expression', () => {
    expect(isHandedOffFilter(handedOffFilter)).toBe(true);
    expect(isHandedOffFilter({ expression: 'handedOff==true AND channelType == "web"' })).toBe(true);
    expect(isHandedOffFilter({ expression: 'handedOffReason == true' })).toBe(false);
    expect(isHandedOffFilter({})).toBe(false);
  });
});

describe('chooseWorkflow', () => {
  const a = workflow([], 'WW' + '1'.repeat(32), 'Sales');
  const b = workflow([], 'WW' + '2'.repeat(32), 'Assign to Anyone');

  it('takes the named one, else the only one, else "Assign to Anyone"', () => {
    expect(chooseWorkflow([a, b], a.sid)).toEqual({ workflow: a });
    expect(chooseWorkflow([a], undefined)).toEqual({ workflow: a });
    expect(chooseWorkflow([a, b], undefined)).toEqual({ workflow: b });
  });

  it('says why when it cannot choose', () => {
    expect(chooseWorkflow([a, { ...a, sid: 'WW' + '3'.repeat(32) }], undefined)).toMatchObject({ reason: expect.stringMatching(/2 workflows/) });
    expect(chooseWorkflow([], undefined)).toMatchObject({ reason: expect.stringMatching(/no workflow/) });
    expect(chooseWorkflow([a], WW)).toMatchObject({ reason: expect.stringContaining(WW) });
  });
});

describe('workflow filters', () => {
  it('is ok with handedOff above the AI filter', () => {
    const facts = routing([voiceFilter, handedOffFilter, aiFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({ id: 'workflow_filters', status: 'ok', detail: expect.stringMatching(/"Handed off" comes before .*"OpenCX AI"/) });
    expect(workflowConfigurationUpdate(facts.workflows[0], facts, HUMAN_QUEUE)).toBeUndefined();
  });

  it('adds a missing handedOff filter at the top, keeping everything else, once the human queue is known', () => {
    const facts = routing([voiceFilter, aiFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/no handedOff == true filter/),
      fix: expect.stringMatching(/Choose your human agents' queue/),
      autoFixable: true,
      needs: 'humanQueueSid',
    });
    expect(workflowConfigurationUpdate(facts.workflows[0], facts, undefined)).toBeUndefined();
    expect(workflowConfigurationUpdate(facts.workflows[0], facts, HUMAN_QUEUE)).toEqual({
      task_routing: {
        filters: [{ filter_friendly_name: 'OpenCX: handed off to humans', expression: 'handedOff == true', targets: [{ queue: HUMAN_QUEUE }] }, voiceFilter, aiFilter],
        default_filter: { queue: HUMAN_QUEUE },
      },
    });
  });

  it('moves a misordered handedOff filter just above the first AI filter', () => {
    const facts = routing([voiceFilter, aiFilter, { ...aiFilter, filter_friendly_name: 'AI 2' }, handedOffFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/"OpenCX AI" comes before "Handed off".*first match wins/),
      fix: 'Apply setup: it moves "Handed off" above "OpenCX AI".',
      autoFixable: true,
    });
    expect(workflowFiltersCheck(facts).needs).toBeUndefined();
    const update = workflowConfigurationUpdate(facts.workflows[0], facts, undefined)!;
    expect(update.task_routing).toEqual({ filters: [voiceFilter, handedOffFilter, aiFilter, { ...aiFilter, filter_friendly_name: 'AI 2' }], default_filter: { queue: HUMAN_QUEUE } });
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
    expect(workflowConfigurationUpdate(fixed.workflows[0], fixed, HUMAN_QUEUE)).toBeUndefined();
  });

  it('finds the AI filter through the configured AI queue too', () => {
    const facts = routing([{ ...voiceFilter, targets: [{ queue: HUMAN_QUEUE }] }, handedOffFilter], { aiQueueSid: HUMAN_QUEUE, queues: [] });
    expect(workflowFiltersCheck(facts)).toMatchObject({ status: 'problem', detail: expect.stringMatching(/sends handed-off tasks back to the AI/), autoFixable: false });
  });

  it('warns when no filter is recognised as the AI\'s', () => {
    expect(workflowFiltersCheck(routing([handedOffFilter, voiceFilter]))).toMatchObject({ status: 'warning', detail: expect.stringMatching(/mentions opencx_ai/), autoFixable: false });
  });

  it('is a problem it cannot fix when the workflow is ambiguous', () => {
    const facts = routing([], { workflows: [workflow([aiFilter], 'WW' + '1'.repeat(32), 'A'), workflow([aiFilter], 'WW' + '2'.repeat(32), 'B')] });
    expect(workflowFiltersCheck(facts)).toMatchObject({ status: 'problem', detail: expect.stringMatching(/2 workflows/), autoFixable: false });
  });
});

describe('humanQueueProblem', () => {
  it('accepts a human queue of the workspace and refuses an unknown or the AI\'s', () => {
    const facts = routing([]);
    expect(humanQueueProblem(HUMAN_QUEUE, facts, WS)).toBeUndefined();
    expect(humanQueueProblem('WQ' + 'f'.repeat(32), facts, WS)).toMatchObject({ status: 400, code: 'not_found', field: 'humanQueueSid' });
    expect(humanQueueProblem(AI_QUEUE, facts, WS)).toMatchObject({ status: 400, code: 'invalid_input', field: 'humanQueueSid' });
  });
});

describe('aiQueueCheck', () => {
  it('is ok when the configured queue exists, a problem when not', () => {
    expect(aiQueueCheck(AI_QUEUE, routing([]).queues)).toMatchObject({ id: 'ai_queue', status: 'ok' });
    expect(aiQueueCheck('WQ' + 'f'.repeat(32), [])).toMatchObject({ status: 'problem', autoFixable: false });
  });
});
