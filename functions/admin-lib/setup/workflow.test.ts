import { aiQueueSids, isHandedOffFilter, isPlainHandoffFilter, matchesEveryTask, routesToAi } from './expressions';
import {
  aiQueueCheck,
  aiUnroutedAfterApply,
  HANDOFF_FILTER_NAME,
  humanQueueProblem,
  workflowConfigurationUpdate,
  workflowFiltersCheck,
  workflowWithoutIntegration,
} from './workflow';
import { AI_FILTER_EXPRESSION, AI_QUEUE_TARGET_WORKERS, aiFilterFor } from './ai-queue';
import {
  WS,
  WK,
  AI_QUEUE,
  HUMAN_QUEUE,
  handedOffFilter,
  aiFilter,
  voiceFilter,
  workflow,
  routing,
} from './fixtures.testing';
import { pattern } from '../../common/pattern.testing';

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
    expect(routesToAi({ targets: [{ queue: HUMAN_QUEUE, expression: 'worker.opencx_ai == true' }] }, ai, [WK])).toBe(
      true,
    );
    expect(routesToAi(voiceFilter, ai, [WK])).toBe(false);
    expect(routesToAi({ expression: '1==1' }, ai, [WK])).toBe(false);
  });

  it('recognises a handedOff filter by its expression', () => {
    expect(isHandedOffFilter(handedOffFilter)).toBe(true);
    expect(isHandedOffFilter({ expression: 'handedOff==true AND channelType == "web"' })).toBe(true);
    expect(isHandedOffFilter({ expression: 'handedOffReason == true' })).toBe(false);
    expect(isHandedOffFilter({})).toBe(false);
    expect(isPlainHandoffFilter({ expression: ' ( handedOff==true ) ' })).toBe(true);
    expect(isPlainHandoffFilter({ expression: 'handedOff == true AND channelType == "web"' })).toBe(false);
    expect([{ expression: '1==1' }, { expression: 'TRUE' }, {}].every(matchesEveryTask)).toBe(true);
    expect(matchesEveryTask({ expression: "channelType == 'web'" })).toBe(false);
  });
});

describe('whether chats reach the AI once Apply is done', () => {
  it('they do when a workflow routes to the AI, or Apply adds its filter below a handedOff one', () => {
    expect(aiUnroutedAfterApply(routing([handedOffFilter, aiFilter]), undefined)).toBeUndefined();
    expect(aiUnroutedAfterApply(routing([handedOffFilter]), undefined)).toBeUndefined();
    expect(aiUnroutedAfterApply(routing([voiceFilter]), HUMAN_QUEUE)).toBeUndefined();
  });

  it('they do not with no AI queue for the filter to target, unless Apply just created one', () => {
    const noAiQueue = routing([handedOffFilter], {
      queues: [{ sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" }],
    });
    expect(aiUnroutedAfterApply(noAiQueue, HUMAN_QUEUE)).toContain('no AI queue');
    expect(aiUnroutedAfterApply(noAiQueue, HUMAN_QUEUE, true)).toBeUndefined();
  });

  it('they do not with no AI filter and no human queue to put the handedOff filter on', () => {
    expect(aiUnroutedAfterApply(routing([voiceFilter]), undefined)).toContain('no workflow routes chats to the AI');
    expect(aiUnroutedAfterApply(routing([]), undefined)).toContain('choose the human queue');
  });
});

describe('workflow filters', () => {
  const NEW_QUEUE = 'WQ' + 'd'.repeat(32);
  const defaultAll = { filter_friendly_name: 'Everything else', expression: '1==1', targets: [{ queue: HUMAN_QUEUE }] };
  it('is ok with handedOff above the AI filter', () => {
    const facts = routing([voiceFilter, handedOffFilter, aiFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      id: 'workflow_filters',
      status: 'ok',
      detail: expect.stringMatching(/"Handed off" comes before .*"OpenCX AI"/),
    });
    expect(workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, AI_QUEUE)).toBeUndefined();
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
    expect(workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, AI_QUEUE)).toBeUndefined();
    expect(workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, AI_QUEUE)).toEqual({
      configuration: {
        task_routing: {
          filters: [
            {
              filter_friendly_name: 'OpenCX: handed off to humans',
              expression: 'handedOff == true',
              targets: [{ queue: HUMAN_QUEUE }],
            },
            voiceFilter,
            aiFilter,
          ],
          default_filter: { queue: HUMAN_QUEUE },
        },
      },
      changes: [`added "OpenCX: handed off to humans" (handedOff == true → ${HUMAN_QUEUE}) at the top`],
      aiAdded: false,
    });
  });

  it('moves a misordered handedOff filter just above the first AI filter', () => {
    const facts = routing([voiceFilter, aiFilter, { ...aiFilter, filter_friendly_name: 'AI 2' }, handedOffFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/"OpenCX AI" comes before "Handed off".*first match wins/),
      fix: 'Apply fixes: it moves "Handed off" above "OpenCX AI".',
      autoFixable: true,
    });
    expect(workflowFiltersCheck(facts).needs).toBeUndefined();
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, AI_QUEUE)!;
    expect(update.configuration.task_routing).toEqual({
      filters: [voiceFilter, handedOffFilter, aiFilter, { ...aiFilter, filter_friendly_name: 'AI 2' }],
      default_filter: { queue: HUMAN_QUEUE },
    });
    expect(update.changes).toEqual(['moved "Handed off" above "OpenCX AI"']);
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update.configuration }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
    expect(workflowConfigurationUpdate(fixed.workflows[0].configuration, fixed, HUMAN_QUEUE, AI_QUEUE)).toBeUndefined();
  });

  it('moves the handedOff and AI filters above a filter every task matches, which neither would ever reach', () => {
    // The Console's "Add filter" appends below the admin's catch-all; Apply then added the AI's below it.
    const facts = routing([voiceFilter, defaultAll, handedOffFilter, aiFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/"Everything else" matches every task and comes before "Handed off"/),
      fix: 'Apply fixes: it moves "Handed off" above "Everything else".',
      autoFixable: true,
    });
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, AI_QUEUE)!;
    expect(update.configuration.task_routing).toMatchObject({
      filters: [voiceFilter, handedOffFilter, aiFilter, defaultAll],
    });
    expect(update.changes).toEqual([
      'moved "Handed off" above "Everything else"',
      'moved "OpenCX AI" just below "Handed off", above "Everything else", which every task matches',
    ]);
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update.configuration }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
    expect(workflowConfigurationUpdate(fixed.workflows[0].configuration, fixed, HUMAN_QUEUE, AI_QUEUE)).toBeUndefined();

    // Only the AI's filter below it: the AI is never offered a task. While the AI's routing waits for
    // the bridge (no AI queue to route to), Apply leaves it where it is.
    const aiBelow = routing([handedOffFilter, { ...defaultAll, expression: ' true ' }, aiFilter]);
    expect(workflowFiltersCheck(aiBelow)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(
        /matches every task and comes before the AI's filter "OpenCX AI", so the AI is never offered/,
      ),
      fix: 'Apply fixes: it moves "OpenCX AI" just below "Handed off".',
    });
    expect(
      workflowConfigurationUpdate(aiBelow.workflows[0].configuration, aiBelow, HUMAN_QUEUE, undefined),
    ).toBeUndefined();
    expect(
      workflowConfigurationUpdate(aiBelow.workflows[0].configuration, aiBelow, HUMAN_QUEUE, AI_QUEUE)!.configuration
        .task_routing,
    ).toMatchObject({ filters: [handedOffFilter, aiFilter, { ...defaultAll, expression: ' true ' }] });
  });

  it("adds a plain handedOff filter below the admin's conditional ones, for the handed-off tasks they leave", () => {
    const webOnly = {
      ...handedOffFilter,
      filter_friendly_name: 'Web handoffs',
      expression: "handedOff == true AND channelType == 'web'",
    };
    const facts = routing([voiceFilter, webOnly, aiFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(
        /no plain handedOff == true filter: "Web handoffs" take only .* the AI's among them/,
      ),
      fix: expect.stringMatching(/adds the filter "OpenCX: handed off to humans" .* just below "Web handoffs"\.$/),
      needs: 'humanQueueSid',
    });
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, AI_QUEUE)!;
    expect(update.configuration.task_routing).toMatchObject({
      filters: [
        voiceFilter,
        webOnly,
        {
          filter_friendly_name: HANDOFF_FILTER_NAME,
          expression: 'handedOff == true',
          targets: [{ queue: HUMAN_QUEUE }],
        },
        aiFilter,
      ],
    });
    expect(update.changes).toEqual([
      `added "OpenCX: handed off to humans" (handedOff == true → ${HUMAN_QUEUE}) below "Web handoffs"`,
    ]);
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update.configuration }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
  });

  it('finds the AI filter through the configured AI queue too', () => {
    const facts = routing([{ ...voiceFilter, targets: [{ queue: HUMAN_QUEUE }] }, handedOffFilter], {
      aiQueueSid: HUMAN_QUEUE,
      queues: [],
    });
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/sends handed-off tasks back to the AI/),
      autoFixable: false,
    });
  });

  it('without an AI filter: a problem Apply fixes, adding it below the handedOff filter, to the AI queue', () => {
    const facts = routing([voiceFilter, handedOffFilter, defaultAll]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/No filter of .* routes to the AI .*never offered a task/),
      fix:
        `Apply fixes: it adds the filter "OpenCX: AI agent" (${AI_FILTER_EXPRESSION} → the AI queue "OpenCX AI" ` +
        `(${AI_QUEUE})) just below "Handed off".`,
      autoFixable: true,
    });
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, AI_QUEUE)!;
    const added = {
      filter_friendly_name: 'OpenCX: AI agent',
      expression: AI_FILTER_EXPRESSION,
      targets: [{ queue: AI_QUEUE }],
    };
    expect(update.configuration.task_routing).toEqual({
      filters: [voiceFilter, handedOffFilter, added, defaultAll],
      default_filter: { queue: HUMAN_QUEUE },
    });
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update.configuration }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
    expect(workflowConfigurationUpdate(fixed.workflows[0].configuration, fixed, HUMAN_QUEUE, AI_QUEUE)).toBeUndefined();
  });

  it("points Apply's AI filter at the AI queue the admin saved since, keeping the target's other fields", () => {
    const chosen = 'WQ' + 'd'.repeat(32);
    const added = { ...aiFilterFor(AI_QUEUE), targets: [{ queue: AI_QUEUE, priority: 2 }] };
    const queues = [
      ...routing([]).queues,
      {
        sid: chosen,
        friendlyName: 'AI overflow',
        targetWorkers: "opencx_ai == true AND routing.skills HAS 'opencx_ai'",
      },
    ];
    const facts = routing([handedOffFilter, added, voiceFilter], { aiQueueSid: chosen, queues });
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining(
        `"OpenCX: AI agent" sends chats to queue ${AI_QUEUE}, ` +
          `not to the AI queue in the settings, "AI overflow" (${chosen}).`,
      ),
      fix: `Apply fixes: it points "OpenCX: AI agent" at "AI overflow" (${chosen}).`,
      autoFixable: true,
    });
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, chosen)!;
    expect(update.changes).toEqual([`pointed "OpenCX: AI agent" at the AI queue ${chosen} (it targeted ${AI_QUEUE})`]);
    expect(update.aiAdded).toBe(false);
    expect((update.configuration.task_routing as { filters: object[] }).filters).toEqual([
      handedOffFilter,
      { ...added, targets: [{ queue: chosen, priority: 2 }] },
      voiceFilter,
    ]);
    const fixed = { ...facts, workflows: [{ ...facts.workflows[0], configuration: update.configuration }] };
    expect(workflowFiltersCheck(fixed).status).toBe('ok');
    // While the AI's routing waits for the bridge (no AI queue passed), the filter still follows the settings.
    expect(
      workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, undefined)!.changes,
    ).toEqual(update.changes);
    // Without a saved AI queue, the filter is left on whichever AI queue it targets.
    const unsaved = routing([handedOffFilter, added], { queues });
    expect(
      workflowConfigurationUpdate(unsaved.workflows[0].configuration, unsaved, HUMAN_QUEUE, AI_QUEUE),
    ).toBeUndefined();
  });

  it('without an AI queue: the fix says Apply creates one; the filter targets the queue created', () => {
    const facts = routing([handedOffFilter], {
      queues: [{ sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" }],
    });
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      fix: expect.stringContaining(
        `a new queue "OpenCX AI" whose Target Workers are the AI workers (${AI_QUEUE_TARGET_WORKERS})`,
      ),
      autoFixable: true,
    });
    expect(workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, undefined)).toBeUndefined();
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, NEW_QUEUE)!;
    expect(update.configuration.task_routing).toMatchObject({
      filters: [handedOffFilter, { filter_friendly_name: 'OpenCX: AI agent', targets: [{ queue: NEW_QUEUE }] }],
    });
  });

  it('adds both filters in one configuration, handedOff first; never the AI filter without handedOff above it', () => {
    const facts = routing([voiceFilter]);
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(
        pattern(
          /adds the filter "OpenCX: handed off to humans" .* at the top of the workflow, /,
          /and just below it the filter "OpenCX: AI agent"/,
        ),
      ),
      needs: 'humanQueueSid',
    });
    expect(workflowConfigurationUpdate(facts.workflows[0].configuration, facts, undefined, AI_QUEUE)).toBeUndefined();
    const update = workflowConfigurationUpdate(facts.workflows[0].configuration, facts, HUMAN_QUEUE, AI_QUEUE)!;
    expect(
      (update.configuration.task_routing as { filters: { filter_friendly_name: string }[] }).filters.map(
        (f) => f.filter_friendly_name,
      ),
    ).toEqual(['OpenCX: handed off to humans', 'OpenCX: AI agent', 'Voice']);
    expect(update.changes).toHaveLength(2);
  });

  it("an AI queue saved in the settings but gone: the missing AI filter is the admin's to fix first", () => {
    const facts = routing([handedOffFilter], {
      aiQueueSid: NEW_QUEUE,
      queues: [{ sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" }],
    });
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(/pick an existing queue or clear the AI queue/),
      autoFixable: false,
    });
  });

  it('is a problem it cannot fix when the workflow is ambiguous', () => {
    const facts = routing([], {
      workflows: [workflow([aiFilter], 'WW' + '1'.repeat(32), 'A'), workflow([aiFilter], 'WW' + '2'.repeat(32), 'B')],
    });
    expect(workflowFiltersCheck(facts)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/2 workflows/),
      autoFixable: false,
    });
  });
});

describe('workflowWithoutIntegration: what Uninstall leaves of a workflow', () => {
  const ours = {
    filter_friendly_name: HANDOFF_FILTER_NAME,
    expression: 'handedOff == true',
    targets: [{ queue: HUMAN_QUEUE }],
  };
  const configuration = (filters: object[], fallback: object = { queue: HUMAN_QUEUE }) => ({
    task_routing: { filters, default_filter: fallback },
    other: 'kept',
  });
  const ai = new Set([AI_QUEUE]);

  it("removes both of the integration's filters when none of the admin's routes to the AI", () => {
    const plan = workflowWithoutIntegration(configuration([ours, voiceFilter, aiFilterFor(AI_QUEUE)]), ai, [WK]);
    expect(plan).toEqual({ configuration: configuration([voiceFilter]), changed: true, stillToAi: [] });
  });

  it("keeps the integration's handedOff filter and names the admin's filter while that still routes to the AI", () => {
    const plan = workflowWithoutIntegration(configuration([ours, aiFilterFor(AI_QUEUE), aiFilter]), ai, [WK]);
    expect(plan).toEqual({
      configuration: configuration([ours, aiFilter]),
      changed: true,
      stillToAi: ['"OpenCX AI"'],
      keptHandoff: `"${HANDOFF_FILTER_NAME}"`,
    });
    // Nothing of the integration's to remove then: no write.
    expect(workflowWithoutIntegration(configuration([ours, aiFilter]), ai, [WK])).toMatchObject({
      changed: false,
      stillToAi: ['"OpenCX AI"'],
    });
  });

  it('reads a route to the AI as the check does: an AI worker named, an expression, the default filter', () => {
    const named = { filter_friendly_name: 'VIP', expression: 'vip == true', targets: [{ known_worker_sid: WK }] };
    const byExpression = {
      filter_friendly_name: 'Bots',
      expression: '1==1',
      targets: [{ queue: HUMAN_QUEUE, expression: 'worker.opencx_ai == true' }],
    };
    expect(workflowWithoutIntegration(configuration([ours, named]), ai, [WK]).stillToAi).toEqual(['"VIP"']);
    expect(workflowWithoutIntegration(configuration([ours, byExpression]), ai, [WK]).stillToAi).toEqual(['"Bots"']);
    expect(workflowWithoutIntegration(configuration([ours, voiceFilter], { queue: AI_QUEUE }), ai, [WK])).toMatchObject(
      { changed: false, stillToAi: ['the default filter'], keptHandoff: `"${HANDOFF_FILTER_NAME}"` },
    );
  });
});

describe('humanQueueProblem', () => {
  it("accepts a human queue of the workspace and refuses an unknown or the AI's", () => {
    const facts = routing([]);
    expect(humanQueueProblem(HUMAN_QUEUE, facts, WS)).toBeUndefined();
    expect(humanQueueProblem('WQ' + 'f'.repeat(32), facts, WS)).toMatchObject({
      status: 400,
      code: 'not_found',
      field: 'humanQueueSid',
    });
    expect(humanQueueProblem(AI_QUEUE, facts, WS)).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field: 'humanQueueSid',
    });
  });

  it('refuses a queue of opencx_ai != true: TaskRouter leaves every human agent out of it too', () => {
    const facts = routing([]);
    const nobody = {
      ...facts,
      queues: [{ sid: HUMAN_QUEUE, friendlyName: 'Humans', targetWorkers: 'opencx_ai != true' }],
    };
    expect(humanQueueProblem(HUMAN_QUEUE, nobody, WS)).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field: 'humanQueueSid',
      message: expect.stringMatching(/"opencx_ai != true", which TaskRouter evaluates as false .* wait for nobody/),
    });
  });

  it.each([['1==1'], ['']])(
    'refuses a queue whose Target Workers %j the AI workers match: handed-off chats would be offered to the AI',
    (targetWorkers) => {
      const facts = routing([]);
      const open = { ...facts, queues: [{ sid: HUMAN_QUEUE, friendlyName: 'Everyone', targetWorkers }] };
      expect(humanQueueProblem(HUMAN_QUEUE, open, WS)).toMatchObject({
        status: 400,
        code: 'invalid_input',
        field: 'humanQueueSid',
        message: expect.stringMatching(/^Queue "Everyone" \(WQ\w+\) has Target Workers .*which the AI workers match/),
      });
      const narrowed = { ...open, queues: [{ ...open.queues[0], targetWorkers: "routing.skills HAS 'support'" }] };
      expect(humanQueueProblem(HUMAN_QUEUE, narrowed, WS)).toBeUndefined();
    },
  );
});

describe('aiQueueCheck', () => {
  it('is ok when the configured queue exists, a problem when not', () => {
    expect(aiQueueCheck(AI_QUEUE, routing([]).queues)).toMatchObject({ id: 'ai_queue', status: 'ok' });
    expect(aiQueueCheck('WQ' + 'f'.repeat(32), [])).toMatchObject({ status: 'problem', autoFixable: false });
  });

  it("says when the queue's Target Workers leave the AI workers out: its chats would wait for nobody", () => {
    const queue = (targetWorkers: string) => [{ sid: AI_QUEUE, friendlyName: 'Bots', targetWorkers }];
    expect(aiQueueCheck(AI_QUEUE, queue("routing.skills HAS 'bot'"))).toMatchObject({
      status: 'warning',
      detail: pattern(
        /^The AI queue "Bots" \(WQ\w+\) has Target Workers "routing\.skills HAS 'bot'", /,
        /which do not name the AI workers/,
      ),
      fix: /set its Target Workers to "opencx_ai == true"/,
    });
    expect(aiQueueCheck(AI_QUEUE, queue('opencx_ai != true'))).toMatchObject({ status: 'problem' });
    expect(aiQueueCheck(AI_QUEUE, queue('1==1'))).toMatchObject({ status: 'ok' });
  });
});
