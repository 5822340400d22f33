import { SUBSCRIBED_TASKROUTER_EVENTS } from '../bridge/events';
import { BridgeConfig, parseConfig } from '../common/config';
import type { WorkerRouting, WorkflowRouting } from '../common/twilio';
import { adminErrorOf } from './admin-error.testing';
import {
  aiMembership,
  aiQueueCheck,
  aiQueueSids,
  aiReservationTimeoutCheck,
  AiPoolFacts,
  aiWorkerCheck,
  aiWorkerQueuesCheck,
  chooseWorkflow,
  configCheck,
  conversationsWebhookCheck,
  conversationsWebhookAfterSave,
  conversationsWebhookUpdate,
  humanQueueProblem,
  isHandedOffFilter,
  notConfiguredChecks,
  opencxTokenCheck,
  opencxRateLimitCheck,
  RATE_LIMITED_PROBLEM_SHARE,
  opencxWebhookCheck,
  OpenCxWebhookFacts,
  parseEventsFilter,
  pointsHere,
  parseSetupForm,
  routesToAi,
  RoutingFacts,
  SetupFacts,
  setupChecks,
  timerWorkspaceCheck,
  workflowConfigurationUpdate,
  workflowFiltersCheck,
  workspaceCallbackAfterSave,
  workspaceCallbackUpdate,
  workspaceEventsCheck,
} from './setup';

const URL = 'https://acme-1234.twil.io/webhook';
/** This deployment's webhook as registered after a save: with the config version. */
const VERSIONED = `${URL}?cv=v2`;
const OPENCX_WEBHOOK_URL = 'https://acme-1234.twil.io/opencx-webhook';
const TIMER_WS = 'WS' + '9'.repeat(32);
const TIMER_WW = 'WW' + '9'.repeat(32);
const OTHER_URL = 'https://sandbox-9999.twil.io/webhook';
const WS = 'WS' + '1'.repeat(32);
const IS = 'IS' + '2'.repeat(32);
const WK = 'WK' + '3'.repeat(32);
const AI_QUEUE = 'WQ' + 'a'.repeat(32);
const HUMAN_QUEUE = 'WQ' + 'b'.repeat(32);
const WW = 'WW' + 'c'.repeat(32);
const EVENTS = SUBSCRIBED_TASKROUTER_EVENTS.join(',');
const CONVERSATION_FILTERS = ['onMessageAdded', 'onConversationAdded', 'onParticipantAdded'];

const handedOffFilter = { filter_friendly_name: 'Handed off', expression: 'handedOff == true', targets: [{ queue: HUMAN_QUEUE }] };
const aiFilter = { filter_friendly_name: 'OpenCX AI', expression: "channelType IN ['web','sms']", targets: [{ queue: AI_QUEUE }] };
const voiceFilter = { filter_friendly_name: 'Voice', expression: "channelType == 'voice'", targets: [{ queue: HUMAN_QUEUE, priority: 5 }] };

const workflow = (filters: object[], sid = WW, friendlyName = 'Assign to Anyone', taskReservationTimeout = 3600): WorkflowRouting => ({
  sid,
  friendlyName,
  configuration: { task_routing: { filters, default_filter: { queue: HUMAN_QUEUE } } },
  taskReservationTimeout,
});

const routing = (filters: object[], over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  workflows: [workflow(filters)],
  queues: [
    { sid: AI_QUEUE, friendlyName: 'OpenCX AI', targetWorkers: 'opencx_ai == true' },
    { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" },
  ],
  aiWorkerSids: [WK],
  ...over,
});

const worker = (over: Partial<WorkerRouting> = {}): WorkerRouting => ({
  sid: WK,
  friendlyName: 'OpenCX AI',
  activityName: 'Available',
  available: true,
  channels: [
    { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: 0 },
    { taskChannel: 'voice', capacity: 1, available: false, assignedTasks: 0 },
  ],
  ...over,
});

describe('parseSetupForm', () => {
  it('reads the optional fields, trimmed, and the confirmation', () => {
    expect(parseSetupForm({ Token: 't', workflowSid: ` ${WW} `, humanQueueSid: HUMAN_QUEUE, replaceCallbackUrl: 'true' })).toEqual({
      workflowSid: WW,
      humanQueueSid: HUMAN_QUEUE,
      replaceCallbackUrl: true,
    });
    expect(parseSetupForm({ Token: 't', workflowSid: '', replaceCallbackUrl: 'false' })).toEqual({ workflowSid: undefined, humanQueueSid: undefined, replaceCallbackUrl: false });
  });

  it.each([
    ['workflowSid', AI_QUEUE],
    ['humanQueueSid', WW],
    ['humanQueueSid', 'WQ123'],
    ['replaceCallbackUrl', 'yes'],
    ['replaceCallbackUrl', ['true', 'true']],
  ])('refuses %s = %j with a 400 on that field', (field, value) => {
    expect(adminErrorOf(() => parseSetupForm({ [field]: value }))).toMatchObject({ status: 400, code: 'invalid_input', field });
  });
});

describe('config and OpenCX token', () => {
  it('asks for the settings before anything else can be checked', () => {
    expect(notConfiguredChecks()).toEqual([
      { id: 'config', title: 'OpenCX settings', status: 'problem', detail: expect.stringMatching(/not saved/), fix: expect.stringMatching(/Test & Save/), autoFixable: false },
    ]);
    expect(configCheck(true)).toMatchObject({ status: 'ok', autoFixable: false });
  });

  it('is ok with the org name, a problem when rejected, a warning when OpenCX is unreachable', () => {
    expect(opencxTokenCheck({ kind: 'valid', orgName: 'Acme' })).toMatchObject({ id: 'opencx_token', status: 'ok', detail: expect.stringContaining('"Acme"') });
    expect(opencxTokenCheck({ kind: 'rejected' })).toMatchObject({ status: 'problem', fix: expect.stringMatching(/current API key/), autoFixable: false });
    expect(opencxTokenCheck({ kind: 'unavailable' })).toMatchObject({ status: 'warning', autoFixable: false });
  });
});

describe('aiWorkerCheck: the AI worker pool', () => {
  const WK2 = 'WK' + '2'.repeat(32);
  const WK3 = 'WK' + '3'.repeat(32);
  const busy = (sid: string, name: string, chat: number, over: Partial<WorkerRouting> = {}): WorkerRouting =>
    worker({ sid, friendlyName: name, channels: [{ taskChannel: 'chat', capacity: 50, available: true, assignedTasks: chat }, { taskChannel: 'sms', capacity: 50, available: true, assignedTasks: 0 }], ...over });
  const pool = (peak: number, ...workers: (WorkerRouting | string)[]): AiPoolFacts => ({
    peak,
    pool: workers.map((w) => (typeof w === 'string' ? { sid: w } : { sid: w.sid, routing: w })),
    draining: [],
  });

  it('is ok for one available worker with chat capacity, settings saved before the pool', () => {
    expect(aiWorkerCheck(pool(50, worker()))).toMatchObject({ id: 'ai_worker', status: 'ok', detail: expect.stringContaining('1 of 1 AI worker serving (a peak of 50 concurrent conversations, 50 a worker)') });
  });

  it('reports each worker and the utilisation per channel from the assigned tasks and capacities', () => {
    const check = aiWorkerCheck(pool(100, busy(WK, 'OpenCX AI', 30), busy(WK2, 'OpenCX AI 2', 20)));
    expect(check.status).toBe('ok');
    expect(check.detail).toBe(
      `2 of 2 AI workers serving (a peak of 100 concurrent conversations, 50 a worker): "OpenCX AI" (${WK}) Available, chat 30/50, sms 0/50; "OpenCX AI 2" (${WK2}) Available, chat 20/50, sms 0/50. ` +
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
    if (status === 'warning') expect(check).toMatchObject({ detail: expect.stringMatching(new RegExp(`^The AI pool is ${inUse} % full on chat`)), fix: expect.stringMatching(/raise the peak/), autoFixable: false });
  });

  it('names the draining workers and what they still hold', () => {
    const facts = { ...pool(50, busy(WK, 'OpenCX AI', 1)), draining: [{ sid: WK2, routing: busy(WK2, 'OpenCX AI 2', 4, { channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 4 }] }) }] };
    const check = aiWorkerCheck(facts);
    expect(check.status).toBe('ok');
    expect(check.detail).toContain(`Draining, taking no new conversation, deleted by a save once they hold none: "OpenCX AI 2" (${WK2}) holds 4.`);
    expect(check.detail).toContain('chat: 1 of 50 slots in use');
  });

  it('is a problem when the settings keep fewer workers than the peak needs', () => {
    expect(aiWorkerCheck(pool(120, worker(), busy(WK2, 'OpenCX AI 2', 0)))).toMatchObject({ status: 'problem', detail: expect.stringMatching(/keep 2 AI workers, 1 fewer than the peak needs/), fix: expect.stringMatching(/Test & Save/) });
  });

  it('counts only the serving workers, and says what is wrong with each other one', () => {
    const check = aiWorkerCheck(pool(150, busy(WK, 'OpenCX AI', 10), worker({ sid: WK2, friendlyName: 'OpenCX AI 2', activityName: 'Offline', available: false }), WK3));
    expect(check).toMatchObject({ status: 'problem', autoFixable: false });
    expect(check.detail).toMatch(/"OpenCX AI 2" .* is in the "Offline" activity.*The AI worker WK3{32} saved in the settings is not in the workspace any more.*1 of 3 AI workers serving/);
    expect(check.fix).toMatch(/set "OpenCX AI 2" .* to Available.*Test & Save/);
  });

  it.each([
    ['missing', WK, /not in the workspace any more/, /Test & Save/],
    ['offline', worker({ activityName: 'Offline', available: false }), /"Offline" activity/, /set .* to Available/],
    ['without chat', worker({ channels: [] }), /has no chat channel/, /make chat available/],
    ['with chat closed', worker({ channels: [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: 0 }] }), /chat channel closed/, /make chat available/],
    ['with chat capacity 0', worker({ channels: [{ taskChannel: 'chat', capacity: 0, available: true, assignedTasks: 0 }] }), /capacity of 0/, /capacity of 50/],
  ])('is a problem for a worker %s, not auto-fixable', (_case, facts, detail, fix) => {
    expect(aiWorkerCheck(pool(50, facts))).toMatchObject({ status: 'problem', detail: expect.stringMatching(detail), fix: expect.stringMatching(fix), autoFixable: false });
  });
});

describe('workspace event callback', () => {
  it('reads an EventsFilter; none means every event', () => {
    expect(parseEventsFilter(' task.created , worker.activity.update,')).toEqual(['task.created', 'worker.activity.update']);
    expect(parseEventsFilter(null)).toBeUndefined();
    expect(parseEventsFilter('')).toBeUndefined();
  });

  it('is ok at this URL with every needed event, or with no filter at all', () => {
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: URL, eventsFilter: EVENTS }, URL)).toMatchObject({ id: 'workspace_events', status: 'ok' });
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: URL, eventsFilter: null }, URL).status).toBe('ok');
    expect(workspaceCallbackUpdate({ eventCallbackUrl: URL, eventsFilter: `worker.activity.update,${EVENTS}` }, URL, false)).toBeUndefined();
    expect(workspaceCallbackUpdate({ eventCallbackUrl: URL, eventsFilter: null }, URL, true)).toBeUndefined();
  });

  it('sets an unset URL with the needed events', () => {
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: null, eventsFilter: null }, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/nowhere/),
      fix: expect.stringContaining(URL),
      autoFixable: true,
    });
    expect(workspaceCallbackUpdate({ eventCallbackUrl: null, eventsFilter: null }, URL, false)).toEqual({ eventCallbackUrl: URL, eventsFilter: EVENTS });
  });

  it('adds the missing events after the admin\'s own, dropping none', () => {
    const current = { eventCallbackUrl: URL, eventsFilter: 'worker.activity.update,task.created' };
    expect(workspaceEventsCheck(WS, current, URL)).toMatchObject({ status: 'problem', detail: expect.stringContaining('reservation.created'), autoFixable: true });
    const update = workspaceCallbackUpdate(current, URL, false)!;
    const events = update.eventsFilter.split(',');
    expect(events.slice(0, 2)).toEqual(['worker.activity.update', 'task.created']);
    expect(new Set(events)).toEqual(new Set(['worker.activity.update', ...SUBSCRIBED_TASKROUTER_EVENTS]));
    expect(events).toHaveLength(SUBSCRIBED_TASKROUTER_EVENTS.length + 1);
  });

  it('reports a URL elsewhere as events routed to the wrong place, replaced only when confirmed', () => {
    const current = { eventCallbackUrl: OTHER_URL, eventsFilter: 'task.created,worker.activity.update' };
    expect(workspaceEventsCheck(WS, current, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/another environment or org/),
      fix: expect.stringMatching(/confirm replacing it/),
      autoFixable: true,
      confirm: 'replaceCallbackUrl',
    });
    expect(workspaceCallbackUpdate(current, URL, false)).toBeUndefined();
    expect(workspaceCallbackUpdate(current, URL, true)).toEqual({ eventCallbackUrl: URL, eventsFilter: `task.created,worker.activity.update,${EVENTS.replace('task.created,', '')}` });
  });

  it('compares URLs without the config version: an old version is a warning apply fixes, keeping the events', () => {
    const old = { eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: `worker.activity.update,${EVENTS}` };
    expect(workspaceEventsCheck(WS, old, VERSIONED)).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/carries settings version v1 and the last save is settings version v2/),
      fix: 'Apply setup: it registers the URL again with the current settings version.',
      autoFixable: true,
    });
    expect(workspaceEventsCheck(WS, { ...old, eventCallbackUrl: URL }, VERSIONED).detail).toMatch(/carries no settings version/);
    expect(workspaceCallbackUpdate(old, VERSIONED, false)).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: old.eventsFilter });
    expect(workspaceEventsCheck(WS, { ...old, eventCallbackUrl: VERSIONED }, VERSIONED)).toMatchObject({ status: 'ok', detail: expect.stringContaining(`to ${URL}.`) });
    expect(workspaceCallbackUpdate({ ...old, eventCallbackUrl: VERSIONED }, VERSIONED, false)).toBeUndefined();
  });

  it('registers an unset URL with the config version, and shows it without', () => {
    const check = workspaceEventsCheck(WS, { eventCallbackUrl: null, eventsFilter: null }, VERSIONED);
    expect(check.fix).toBe(`Apply setup: it sets the Event Callback URL to ${URL} and subscribes ${SUBSCRIBED_TASKROUTER_EVENTS.join(', ')}.`);
    expect(workspaceCallbackUpdate({ eventCallbackUrl: null, eventsFilter: null }, VERSIONED, false)).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: EVENTS });
  });

  it('names a workspace that is not in the account', () => {
    expect(workspaceEventsCheck(WS, undefined, URL)).toMatchObject({ status: 'problem', detail: expect.stringContaining(WS), autoFixable: false });
  });
});

describe('Conversations webhook', () => {
  const registered = { postWebhookUrl: URL, method: 'POST', filters: CONVERSATION_FILTERS };

  it('is ok at this URL with POST and the three filters', () => {
    expect(conversationsWebhookCheck(IS, registered, URL)).toMatchObject({ id: 'conversations_webhook', status: 'ok' });
    expect(conversationsWebhookUpdate({ ...registered, filters: ['onMessageUpdated', ...CONVERSATION_FILTERS] }, URL, false)).toBeUndefined();
  });

  it('calls an unregistered webhook the most common setup mistake, and registers it', () => {
    const unset = { postWebhookUrl: null, method: null, filters: [] };
    expect(conversationsWebhookCheck(IS, unset, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/never reach the AI.*most common setup mistake/),
      fix: expect.stringContaining('onMessageAdded, onConversationAdded, onParticipantAdded'),
      autoFixable: true,
    });
    expect(conversationsWebhookUpdate(unset, URL, false)).toEqual({ postWebhookUrl: URL, method: 'POST', filters: CONVERSATION_FILTERS });
  });

  it('adds missing filters to the admin\'s own and turns GET into POST', () => {
    const partial = { postWebhookUrl: URL, method: 'GET', filters: ['onConversationUpdated', 'onMessageAdded'] };
    expect(conversationsWebhookCheck(IS, partial, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/does not subscribe onConversationAdded, onParticipantAdded and uses GET/),
      autoFixable: true,
    });
    expect(conversationsWebhookUpdate(partial, URL, false)).toEqual({
      postWebhookUrl: URL,
      method: 'POST',
      filters: ['onConversationUpdated', 'onMessageAdded', 'onConversationAdded', 'onParticipantAdded'],
    });
  });

  it('warns about an old config version and registers the current one, keeping method and filters', () => {
    const old = { ...registered, postWebhookUrl: `${URL}?cv=v1` };
    expect(conversationsWebhookCheck(IS, old, VERSIONED)).toMatchObject({ status: 'warning', autoFixable: true, detail: expect.stringMatching(/^The Conversations events go to this deployment/) });
    expect(conversationsWebhookUpdate(old, VERSIONED, false)).toEqual({ ...registered, postWebhookUrl: VERSIONED });
    expect(conversationsWebhookCheck(IS, { ...registered, postWebhookUrl: VERSIONED }, VERSIONED).status).toBe('ok');
  });

  it('replaces a URL elsewhere only when confirmed', () => {
    const elsewhere = { ...registered, postWebhookUrl: OTHER_URL };
    expect(conversationsWebhookCheck(IS, elsewhere, URL)).toMatchObject({ status: 'problem', confirm: 'replaceCallbackUrl', detail: expect.stringContaining(OTHER_URL) });
    expect(conversationsWebhookUpdate(elsewhere, URL, false)).toBeUndefined();
    expect(conversationsWebhookUpdate(elsewhere, URL, true)).toEqual(registered);
  });
});

describe('pointsHere', () => {
  it('tells this deployment\'s webhook by everything but the config version', () => {
    expect(pointsHere(`${URL}?cv=v1`, VERSIONED)).toBe(true);
    expect(pointsHere(URL, VERSIONED)).toBe(true);
    expect(pointsHere(OTHER_URL, VERSIONED)).toBe(false);
    expect(pointsHere(`${URL}#rc=3`, VERSIONED)).toBe(false);
    expect(pointsHere(null, VERSIONED)).toBe(false);
  });
});

describe('what a settings save re-registers', () => {
  it('puts the new config version on a workspace callback and a Conversations webhook that point here', () => {
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: EVENTS }, VERSIONED)).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: EVENTS });
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: URL, eventsFilter: EVENTS }, VERSIONED)).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: EVENTS });
    const webhook = { postWebhookUrl: URL, method: 'POST', filters: ['onMessageUpdated', ...CONVERSATION_FILTERS] };
    expect(conversationsWebhookAfterSave(webhook, VERSIONED)).toEqual({ ...webhook, postWebhookUrl: VERSIONED });
  });

  it('writes nothing when the version is already current, or the URL is unset or elsewhere', () => {
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: VERSIONED, eventsFilter: EVENTS }, VERSIONED)).toBeUndefined();
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: null, eventsFilter: null }, VERSIONED)).toBeUndefined();
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: OTHER_URL, eventsFilter: EVENTS }, VERSIONED)).toBeUndefined();
    expect(conversationsWebhookAfterSave({ postWebhookUrl: null, method: null, filters: [] }, VERSIONED)).toBeUndefined();
    expect(conversationsWebhookAfterSave({ postWebhookUrl: OTHER_URL, method: 'POST', filters: CONVERSATION_FILTERS }, VERSIONED)).toBeUndefined();
  });
});

describe('timerWorkspaceCheck', () => {
  const config = parseConfig({ opencxToken: 'k', workspaceSid: WS, aiWorkerSid: WK, conversationsServiceSid: IS, timerWorkspaceSid: TIMER_WS, timerWorkflowSid: TIMER_WW, configVersion: 'v2' })!;
  const timer = (callback: { eventCallbackUrl: string | null; eventsFilter: string | null }, workflowFound = true) => ({ sid: TIMER_WS, callback, workflowFound });

  it('is ok when the timer workspace sends task.canceled here with the current version', () => {
    expect(timerWorkspaceCheck(config, timer({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }), VERSIONED)).toEqual({
      id: 'timer_workspace',
      title: 'AI answer timer',
      status: 'ok',
      detail: `The timer workspace "OpenCX timers" (${TIMER_WS}) sends task.canceled to ${URL}: an AI answer that has not come after 60 s hands the conversation to humans.`,
      autoFixable: false,
    });
    expect(workspaceCallbackUpdate({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }, VERSIONED, false, ['task.canceled'])).toBeUndefined();
  });

  it.each([
    ['no timer workspace is saved', parseConfig({ ...config, timerWorkspaceSid: undefined })!, undefined, /No timer workspace is saved/],
    ['the saved workspace is gone', config, undefined, new RegExp(`${TIMER_WS} saved in the settings is not in this Twilio account`)],
    ['its workflow is gone', config, timer({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }, false), new RegExp(`no longer has the timer workflow saved in the settings \\(${TIMER_WW}\\)`)],
  ])('is a problem fixed by saving the settings again when %s', (_case, saved, found, detail) => {
    expect(timerWorkspaceCheck(saved, found, VERSIONED)).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringMatching(detail),
      fix: 'Open the OpenCX settings and click Test & Save: it creates the "OpenCX timers" workspace, queue and workflow.',
    });
  });

  it('sets an unset callback and adds task.canceled to a filter without it', () => {
    const unset = { eventCallbackUrl: null, eventsFilter: null };
    expect(timerWorkspaceCheck(config, timer(unset), VERSIONED)).toMatchObject({ status: 'problem', autoFixable: true, detail: expect.stringMatching(/sends its events nowhere, so a slow AI answer is never timed out/) });
    expect(workspaceCallbackUpdate(unset, VERSIONED, false, ['task.canceled'])).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' });
    const filtered = { eventCallbackUrl: VERSIONED, eventsFilter: 'task.created' };
    expect(timerWorkspaceCheck(config, timer(filtered), VERSIONED)).toMatchObject({ status: 'problem', autoFixable: true, detail: expect.stringMatching(/does not send task.canceled/) });
    expect(workspaceCallbackUpdate(filtered, VERSIONED, false, ['task.canceled'])).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.created,task.canceled' });
  });

  it('replaces a callback elsewhere only when confirmed, and re-registers an old version', () => {
    const elsewhere = { eventCallbackUrl: OTHER_URL, eventsFilter: 'task.canceled' };
    expect(timerWorkspaceCheck(config, timer(elsewhere), VERSIONED)).toMatchObject({ status: 'problem', confirm: 'replaceCallbackUrl', autoFixable: true });
    expect(workspaceCallbackUpdate(elsewhere, VERSIONED, false, ['task.canceled'])).toBeUndefined();
    expect(workspaceCallbackUpdate(elsewhere, VERSIONED, true, ['task.canceled'])).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' });
    const old = { eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: 'task.canceled' };
    expect(timerWorkspaceCheck(config, timer(old), VERSIONED)).toMatchObject({ status: 'warning', autoFixable: true });
    expect(workspaceCallbackUpdate(old, VERSIONED, false, ['task.canceled'])).toEqual({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' });
  });
});

describe('opencxRateLimitCheck', () => {
  const key = (masked: string, requests: number, limited: number) => ({ masked, requests, limited });

  it('is ok while OpenCX refused nothing, saying how much was counted', () => {
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('••••••••f3a9', 120, 0)] })).toEqual({
      id: 'opencx_rate_limit',
      title: 'OpenCX rate limit',
      status: 'ok',
      detail: 'OpenCX refused no request for its rate limit in the last 15 minutes (120 counted, the API key).',
      autoFixable: false,
    });
  });

  it('warns at any 429, with the share per key and how to add a key', () => {
    const check = opencxRateLimitCheck({ minutes: 15, keys: [key('••••••••f3a9', 200, 6), key('••••••••b2b2', 100, 0)] });
    expect(check).toMatchObject({ status: 'warning', autoFixable: false });
    expect(check.detail).toContain('2 % of the requests of the last 15 minutes with 429');
    expect(check.detail).toContain('••••••••f3a9: 6 of 200 (3 %); ••••••••b2b2: 0 of 100 (0 %)');
    expect(check.fix).toMatch(/Add another API key of the same OpenCX organisation/);
  });

  it(`is a problem from ${RATE_LIMITED_PROBLEM_SHARE * 100} % of requests refused, even when only 429s were counted`, () => {
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 100, 10)] }).status).toBe('problem');
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 100, 9)] }).status).toBe('warning');
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 3, 3)] })).toMatchObject({ status: 'problem', detail: expect.stringContaining('100 %') });
  });
});

describe('opencxWebhookCheck', () => {
  const now = new Date('2026-12-02T12:00:00.000Z');
  const facts = (over: Partial<OpenCxWebhookFacts> = {}): OpenCxWebhookFacts => ({
    secretSaved: true,
    url: OPENCX_WEBHOOK_URL,
    health: { lastVerifiedAt: '2026-12-02T11:00:00.000Z', lastEvent: 'conversation.ai_response' },
    now,
    ...over,
  });

  it('is ok with the last signed event and its time', () => {
    expect(opencxWebhookCheck(facts())).toEqual({
      id: 'opencx_webhook',
      title: 'OpenCX webhook',
      status: 'ok',
      detail: 'The last signed OpenCX event, conversation.ai_response, arrived at 2026-12-02T11:00:00.000Z.',
      autoFixable: false,
    });
  });

  it('is a problem without a signing secret, the fix naming where to paste it', () => {
    expect(opencxWebhookCheck(facts({ secretSaved: false }))).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringMatching(/No OpenCX webhook signing secret is saved/),
      fix: `In OpenCX → Settings → Integrations → Webhooks, add ${OPENCX_WEBHOOK_URL} with the events conversation.ai_response, conversation.handoff_to_human, then paste its signing secret in the OpenCX settings and click Test & Save.`,
    });
  });

  it('warns when no signed event came in the last 24 hours, or never', () => {
    const stale = opencxWebhookCheck(facts({ health: { lastVerifiedAt: '2026-12-01T11:59:59.000Z', lastEvent: 'conversation.handoff_to_human' } }));
    expect(stale).toMatchObject({
      status: 'warning',
      autoFixable: false,
      detail: expect.stringMatching(/^The last signed OpenCX event \(conversation.handoff_to_human\) arrived at 2026-12-01T11:59:59.000Z, none in the last 24 hours/),
      fix: expect.stringContaining(`add ${OPENCX_WEBHOOK_URL} with the events conversation.ai_response, conversation.handoff_to_human`),
    });
    expect(opencxWebhookCheck(facts({ health: undefined }))).toMatchObject({ status: 'warning', detail: expect.stringMatching(/^No signed OpenCX event has arrived yet/) });
    expect(opencxWebhookCheck(facts({ health: { lastVerifiedAt: '2026-12-01T12:00:00.000Z', lastEvent: 'conversation.ai_response' } })).status).toBe('ok');
  });
});

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

describe('setupChecks', () => {
  const config: BridgeConfig = parseConfig({
    opencxToken: 'k',
    workspaceSid: WS,
    aiWorkerSid: WK,
    conversationsServiceSid: IS,
    aiAuthorName: 'AI',
    opencxWebhookSecret: 'whsec_1',
    timerWorkspaceSid: TIMER_WS,
    timerWorkflowSid: TIMER_WW,
    configVersion: 'v2',
  })!;
  const now = new Date('2026-12-02T12:00:00.000Z');
  const facts: SetupFacts = {
    config,
    webhookUrl: VERSIONED,
    opencx: { kind: 'valid', orgName: 'Acme' },
    opencxWebhook: { secretSaved: true, url: OPENCX_WEBHOOK_URL, health: { lastVerifiedAt: '2026-12-02T11:00:00.000Z', lastEvent: 'conversation.ai_response' }, now },
    opencxUsage: { minutes: 15, keys: [{ masked: '••••••••f3a9', requests: 40, limited: 0 }] },
    workspace: { eventCallbackUrl: VERSIONED, eventsFilter: EVENTS },
    conversationsWebhook: { postWebhookUrl: VERSIONED, method: 'POST', filters: CONVERSATION_FILTERS },
    timerWorkspace: { sid: TIMER_WS, callback: { eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }, workflowFound: true },
    aiPool: { peak: 50, pool: [{ sid: WK, routing: worker() }], draining: [] },
    routing: routing([handedOffFilter, aiFilter]),
  };

  it('runs every check, the AI queue only when one is configured', () => {
    const checks = setupChecks(facts);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['config', 'ok'],
      ['opencx_token', 'ok'],
      ['opencx_webhook', 'ok'],
      ['opencx_rate_limit', 'ok'],
      ['workspace_events', 'ok'],
      ['conversations_webhook', 'ok'],
      ['timer_workspace', 'ok'],
      ['ai_worker', 'ok'],
      ['workflow_filters', 'ok'],
      ['ai_reservation_timeout', 'ok'],
      ['ai_worker_queues', 'ok'],
    ]);
    expect(checks.every((c) => c.fix === undefined && !c.autoFixable)).toBe(true);
    expect(setupChecks({ ...facts, config: { ...config, aiQueueSid: AI_QUEUE } }).map((c) => c.id)).toEqual([
      'config',
      'opencx_token',
      'opencx_webhook',
      'opencx_rate_limit',
      'workspace_events',
      'conversations_webhook',
      'timer_workspace',
      'ai_worker',
      'workflow_filters',
      'ai_queue',
      'ai_reservation_timeout',
      'ai_worker_queues',
    ]);
  });

  it('leaves out the reservation timeout and human queue checks while the workflow cannot be chosen', () => {
    const ambiguous = routing([], { workflows: [workflow([handedOffFilter, aiFilter], 'WW' + '1'.repeat(32), 'A'), workflow([handedOffFilter, aiFilter], 'WW' + '2'.repeat(32), 'B')] });
    const checks = setupChecks({ ...facts, routing: ambiguous });
    expect(checks.map((c) => c.id)).toEqual(['config', 'opencx_token', 'opencx_webhook', 'opencx_rate_limit', 'workspace_events', 'conversations_webhook', 'timer_workspace', 'ai_worker', 'workflow_filters']);
    expect(setupChecks({ ...facts, routing: { ...ambiguous, workflowSid: 'WW' + '2'.repeat(32) } }).map((c) => c.id)).toContain('ai_worker_queues');
  });

  it('leaves out what needs the workspace while it is missing', () => {
    expect(setupChecks({ ...facts, workspace: undefined }).map((c) => c.id)).toEqual(['config', 'opencx_token', 'opencx_webhook', 'opencx_rate_limit', 'workspace_events', 'conversations_webhook', 'timer_workspace']);
  });
});

describe('aiMembership: whom a worker expression selects, as far as the AI worker goes', () => {
  it.each([
    ['', 'everyone'],
    ['  ', 'everyone'],
    [undefined, 'everyone'],
    ['1==1', 'everyone'],
    [' 1 == 1 ', 'everyone'],
    ['opencx_ai == true', 'includes'],
    ["routing.skills HAS 'opencx_ai'", 'includes'],
    ['worker.opencx_ai != false', 'includes'],
    ["opencx_ai == true OR role == 'agent'", 'includes'],
    ['opencx_ai != true', 'excludes'],
    ['opencx_ai == false', 'excludes'],
    ["'opencx_ai' NOT IN routing.skills", 'excludes'],
    ["role == 'agent' AND (opencx_ai != true)", 'excludes'],
    ["role == 'agent'", 'others'],
    ["routing.skills HAS 'support'", 'others'],
    ['1==1 AND available == true', 'others'],
  ])('%j → %s', (expression, membership) => {
    expect(aiMembership(expression)).toBe(membership);
  });

  it('does not count a queue that only excludes opencx_ai as an AI queue', () => {
    const queues = [{ sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent' AND opencx_ai != true" }];
    expect(aiQueueSids(queues, undefined)).toEqual(new Set());
    expect(routesToAi({ targets: [{ queue: HUMAN_QUEUE, expression: 'worker.opencx_ai != true' }] }, new Set(), [WK])).toBe(false);
  });
});

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
    expect(timed(3600, [handedOffFilter, aiWithTimeout(900)])).toMatchObject({ status: 'ok', detail: expect.stringMatching(/timeout of 900 s.*at least 900 s/) });
  });

  it('warns on TaskRouter\'s default 120 s, with a fix the admin applies (never apply setup)', () => {
    expect(timed(120)).toEqual({
      id: 'ai_reservation_timeout',
      title: 'AI reservation timeout',
      status: 'warning',
      detail: expect.stringMatching(/times a reservation out after 120 s.*the bridge never accepts it.*routes the task again/),
      fix: 'In TaskRouter → Workflows → "Assign to Anyone", set Task Reservation Timeout to 3600 s (longer than your AI conversations).',
      autoFixable: false,
    });
    expect(timed(599).status).toBe('warning');
  });

  it('warns on a short timeout of the AI\'s target, even with a long reservation timeout', () => {
    const check = timed(3600, [handedOffFilter, aiWithTimeout(300)]);
    expect(check).toMatchObject({ status: 'warning', detail: expect.stringMatching(/^The AI's target in "OpenCX AI" has a timeout of 300 s/), autoFixable: false });
    expect(check.fix).toBe('In TaskRouter → Workflows → "Assign to Anyone", raise the timeout of the AI\'s target in "OpenCX AI" to 3600 s, or remove it.');
    expect(timed(120, [handedOffFilter, aiWithTimeout(300)]).fix).toMatch(/set Task Reservation Timeout to 3600 s .* and raise the timeout of the AI's target/);
  });

  it('reads only the AI\'s target, and the workflow alone when no filter is recognised as the AI\'s', () => {
    const mixed = { ...aiFilter, targets: [{ queue: HUMAN_QUEUE, timeout: 10 }, { queue: AI_QUEUE }] };
    expect(timed(3600, [handedOffFilter, mixed]).status).toBe('ok');
    expect(timed(3600, [handedOffFilter, voiceFilter]).status).toBe('ok');
    expect(timed(120, [handedOffFilter, voiceFilter]).status).toBe('warning');
  });
});

describe('aiWorkerQueuesCheck', () => {
  const withQueue = (targetWorkers: string, filters: object[] = [handedOffFilter, aiFilter], over: Partial<RoutingFacts> = {}) => {
    const facts = routing(filters, {
      queues: [
        { sid: AI_QUEUE, friendlyName: 'OpenCX AI', targetWorkers: 'opencx_ai == true' },
        { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers },
      ],
      ...over,
    });
    return aiWorkerQueuesCheck(facts.workflows[0], facts);
  };

  it.each([["role == 'agent'"], ["routing.skills HAS 'support'"], ['opencx_ai != true'], ["'opencx_ai' NOT IN routing.skills"]])('is ok when the human queue is %j', (targetWorkers) => {
    expect(withQueue(targetWorkers)).toEqual({
      id: 'ai_worker_queues',
      title: 'AI worker out of the human queues',
      status: 'ok',
      detail: expect.stringMatching(/"Handed off" leave the AI worker out/),
      autoFixable: false,
    });
  });

  it.each([['1==1'], [' 1 == 1'], ['']])('is a problem when the human queue is %j: it matches the AI worker too', (targetWorkers) => {
    const check = withQueue(targetWorkers);
    expect(check).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/^Handed-off tasks would be offered back to the AI worker: .*"Handed off" targets queue "Support" \(WQb+\), whose Target Workers .* matches every worker/),
      autoFixable: false,
    });
    expect(check.fix).toMatch(/^In TaskRouter → TaskQueues → "Support", set Target Workers .* routing\.skills HAS 'support' .*not opencx_ai != true/);
  });

  it('lets a target\'s own worker expression, or a known human worker, narrow a queue of everyone', () => {
    const narrowed = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, expression: "worker.role == 'agent'" }] };
    expect(withQueue('1==1', [narrowed, aiFilter]).status).toBe('ok');
    const human = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, known_worker_sid: 'WK' + '9'.repeat(32) }] };
    expect(withQueue('1==1', [human, aiFilter]).status).toBe('ok');
    const open = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, expression: '1==1' }] };
    expect(withQueue('1==1', [open, aiFilter]).status).toBe('problem');
  });

  it('asks to point the filter at the human queue when it targets the AI\'s queue or worker', () => {
    const toAi = { ...handedOffFilter, targets: [{ queue: AI_QUEUE }] };
    expect(withQueue("role == 'agent'", [toAi, aiFilter])).toMatchObject({ status: 'problem', detail: expect.stringMatching(/targets the AI's queue "OpenCX AI"/), fix: 'Point "Handed off" at your human agents\' queue.' });
    const toWorker = { ...handedOffFilter, targets: [{ queue: HUMAN_QUEUE, known_worker_sid: WK }] };
    expect(withQueue("role == 'agent'", [toWorker, aiFilter])).toMatchObject({ status: 'problem', detail: expect.stringMatching(/names the AI worker/) });
    expect(withQueue("role == 'agent'", [handedOffFilter, aiFilter], { aiQueueSid: HUMAN_QUEUE }).status).toBe('problem');
  });

  it('is ok, pointing to the workflow filters check, while there is no handedOff filter', () => {
    expect(withQueue('1==1', [aiFilter])).toMatchObject({ status: 'ok', detail: expect.stringMatching(/no handedOff == true filter yet/) });
  });
});
