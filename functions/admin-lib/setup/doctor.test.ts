import { type BridgeConfig, parseConfig } from '../../common/config';
import { configCheck, notConfiguredChecks, type SetupFacts, setupChecks } from './doctor';
import {
  ALL_CHECKS,
  ALL_CHECKS_WITH_AI_QUEUE,
  CHECKS_WITHOUT_WORKFLOW,
  CHECKS_WITHOUT_WORKSPACE,
} from './check-ids.testing';
import { opencxTokenCheck } from './opencx-checks';
import {
  LOCAL_DEPLOYMENT,
  VERSIONED,
  OPENCX_WEBHOOK_URL,
  TIMER_WS,
  TIMER_WW,
  WS,
  IS,
  WK,
  AI_QUEUE,
  EVENTS,
  CONVERSATION_FILTERS,
  handedOffFilter,
  aiFilter,
  workflow,
  routing,
  worker,
} from './fixtures.testing';

describe('config and OpenCX token', () => {
  it('asks for the settings before anything else can be checked', () => {
    expect(notConfiguredChecks(LOCAL_DEPLOYMENT)).toEqual([
      expect.objectContaining({ id: 'api_urls', status: 'ok' }),
      expect.objectContaining({ id: 'sync_service', status: 'ok' }),
      {
        id: 'config',
        title: 'OpenCX settings',
        status: 'problem',
        detail: expect.stringMatching(/not saved/),
        fix: expect.stringMatching(/Test & Save/),
        autoFixable: false,
      },
    ]);
    expect(configCheck(true)).toMatchObject({ status: 'ok', autoFixable: false });
  });

  it('warns of a further key OpenCX rejects or that is of another organisation, naming it by its hint', () => {
    const main = { kind: 'valid' as const, orgName: 'Acme', orgId: 'org-1' };
    const good = { hint: '••••••••aaaa', state: main };
    expect(opencxTokenCheck(main, [good])).toMatchObject({
      status: 'ok',
      detail: 'OpenCX accepts the saved API key (organisation "Acme"), and its further keys.',
    });
    // One OpenCX could not check (busy) is not a fault: it may well be fine, and the detail says so.
    const busy = { hint: '••••••••bbbb', state: { kind: 'unavailable' as const, rateLimited: true } };
    expect(opencxTokenCheck(main, [good, busy])).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('and 1 of its 2 further keys (OpenCX could not check the others now)'),
    });
    const revoked = { hint: '••••••••cccc', state: { kind: 'rejected' as const } };
    const foreign = { hint: '••••••••dddd', state: { ...main, orgId: 'org-2', orgName: 'Other' } };
    expect(opencxTokenCheck(main, [good, revoked, foreign])).toMatchObject({
      id: 'opencx_token',
      status: 'warning',
      detail: expect.stringContaining(
        '••••••••cccc is rejected (revoked or rotated?); ••••••••dddd is of another organisation.',
      ),
      fix: expect.stringContaining('More API keys of the same organisation'),
    });
    expect(opencxTokenCheck(main, [good, revoked]).detail).not.toContain('aaaa');

    // The main key over its limit: a revoked spare is why nothing takes over, not a reason to add one.
    const limited = { kind: 'unavailable' as const, rateLimited: true };
    expect(opencxTokenCheck(limited, [revoked, foreign])).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('not every further key can take over: ••••••••cccc is rejected'),
      fix: expect.stringContaining('More API keys of the same organisation'),
    });
    expect(opencxTokenCheck(limited, [revoked]).detail).not.toContain('dddd');
    expect(opencxTokenCheck(limited, [good]).fix).toContain('add another API key');
  });

  it('is ok with the org name, a problem when rejected, a warning when OpenCX is unreachable', () => {
    expect(opencxTokenCheck({ kind: 'valid', orgName: 'Acme', orgId: 'org-1' })).toMatchObject({
      id: 'opencx_token',
      status: 'ok',
      detail: expect.stringContaining('"Acme"'),
    });
    expect(opencxTokenCheck({ kind: 'rejected' })).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(/current API key/),
      autoFixable: false,
    });
    expect(opencxTokenCheck({ kind: 'unavailable' })).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('could not be reached'),
      autoFixable: false,
    });
    // Over its limit, the key is not "unreachable": the admin is told what is happening and what helps.
    expect(opencxTokenCheck({ kind: 'unavailable', rateLimited: true })).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('rate-limiting the saved API key (429)'),
      fix: expect.stringContaining('add another API key of the same organisation'),
    });
    expect(opencxTokenCheck({ kind: 'not_sent' })).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/not checked.*OPENCX_API_URL/),
      fix: expect.stringMatching(/API URLs/),
    });
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
    deployment: LOCAL_DEPLOYMENT,
    config,
    webhookUrl: VERSIONED,
    opencx: { kind: 'valid', orgName: 'Acme', orgId: 'org-1' },
    opencxFurtherKeys: [],
    opencxWebhook: {
      secretSaved: true,
      url: OPENCX_WEBHOOK_URL,
      health: { lastVerifiedAt: '2026-12-02T11:00:00.000Z', lastEvent: 'conversation.ai_response' },
      now,
    },
    opencxUsage: { minutes: 15, keys: [{ masked: '••••••••f3a9', requests: 40, limited: 0 }] },
    workspace: { eventCallbackUrl: VERSIONED, eventsFilter: EVENTS },
    conversationsWebhook: { postWebhookUrl: VERSIONED, method: 'POST', filters: CONVERSATION_FILTERS },
    conversationsService: {
      savedSid: IS,
      flexConfiguration: { workspaceSid: WS, targetWorkflowSid: null, chatServiceSid: IS, flexServiceSid: null },
      defaultServiceSid: IS,
      names: { [IS]: 'Flex Chat Service' },
    },
    timerWorkspace: {
      sid: TIMER_WS,
      callback: { eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' },
      workflowFound: true,
    },
    aiPool: { peak: 50, pool: [{ sid: WK, routing: worker() }], draining: [] },
    routing: routing([handedOffFilter, aiFilter]),
  };

  it('runs every check, the AI queue only when one is configured', () => {
    const checks = setupChecks(facts);
    expect(checks.map((c) => [c.id, c.status])).toEqual(ALL_CHECKS.map((id) => [id, 'ok']));
    expect(checks.every((c) => c.fix === undefined && !c.autoFixable)).toBe(true);
    expect(setupChecks({ ...facts, config: { ...config, aiQueueSid: AI_QUEUE } }).map((c) => c.id)).toEqual(
      ALL_CHECKS_WITH_AI_QUEUE,
    );
  });

  it('leaves out the reservation timeout and human queue checks while the workflow cannot be chosen', () => {
    const ambiguous = routing([], {
      workflows: [
        workflow([handedOffFilter, aiFilter], 'WW' + '1'.repeat(32), 'A'),
        workflow([handedOffFilter, aiFilter], 'WW' + '2'.repeat(32), 'B'),
      ],
    });
    const checks = setupChecks({ ...facts, routing: ambiguous });
    expect(checks.map((c) => c.id)).toEqual(CHECKS_WITHOUT_WORKFLOW);
    expect(
      setupChecks({ ...facts, routing: { ...ambiguous, workflowSid: 'WW' + '2'.repeat(32) } }).map((c) => c.id),
    ).toContain('ai_worker_queues');
  });

  it('leaves out what needs the workspace while it is missing', () => {
    expect(setupChecks({ ...facts, workspace: undefined }).map((c) => c.id)).toEqual(CHECKS_WITHOUT_WORKSPACE);
  });
});
