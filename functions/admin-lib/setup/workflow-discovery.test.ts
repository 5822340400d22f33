import type { ConversationsAddress, FlexConfigurationFacts, StudioFlow, WorkflowSummary } from '../../common/twilio';
import { conversationsServiceVerdict, flexConversationsService } from './conversations-service';
import { chooseWorkflow, discoverWorkflow, type WorkflowDiscoveryFacts } from './workflow-discovery';

const sid = (prefix: string, digit: string): string => prefix + digit.repeat(32);
const workflow = (digit: string, friendlyName: string): WorkflowSummary =>
  ({ sid: sid('WW', digit), friendlyName, configuration: {} }) as WorkflowSummary;
const ANYONE = workflow('1', 'Assign to Anyone');
const MESSAGING = workflow('2', 'Messaging');
const VOICE = workflow('3', 'Voice');
const WORKFLOWS = [ANYONE, MESSAGING, VOICE];

const flexConfiguration = (over: Partial<FlexConfigurationFacts> = {}): FlexConfigurationFacts => ({
  workspaceSid: sid('WS', 'a'),
  targetWorkflowSid: null,
  chatServiceSid: sid('IS', 'a'),
  flexServiceSid: sid('IS', 'f'),
  ...over,
});
const studioAddress = (address: string, flowSid: string, enabled = true): ConversationsAddress => ({
  sid: sid('IG', address.slice(-1)),
  type: 'sms',
  address,
  friendlyName: address,
  autoCreation: {
    enabled,
    type: 'studio',
    conversationServiceSid: sid('IS', 'a'),
    studioFlowSid: flowSid,
    webhookUrl: null,
  },
});
const flow = (digit: string, friendlyName: string, workflowSids: string[]): StudioFlow => ({
  sid: sid('FW', digit),
  friendlyName,
  widgets: [
    { name: 'Trigger', type: 'trigger', properties: {} },
    ...workflowSids.map((w, i) => ({
      name: `SendToFlex${i + 1}`,
      type: 'send-to-flex',
      properties: { workflow: w, channel: 'TC' },
    })),
  ],
});
const facts = (over: Partial<WorkflowDiscoveryFacts> = {}): WorkflowDiscoveryFacts => ({
  flexConfiguration: flexConfiguration(),
  addresses: [],
  studioFlows: [],
  flexFlows: [],
  ...over,
});

describe('discoverWorkflow', () => {
  it("finds the workflow of Flex's target when nothing routes messaging elsewhere", () => {
    expect(
      discoverWorkflow(facts({ flexConfiguration: flexConfiguration({ targetWorkflowSid: VOICE.sid }) }), WORKFLOWS),
    ).toEqual({
      kind: 'found',
      workflowSid: VOICE.sid,
      evidence: "Flex's configuration names it as its target workflow (taskrouter_target_workflow_sid).",
    });
  });

  it("takes the Send to Flex widget of an address's Studio flow over Flex's target workflow, and says both", () => {
    const found = discoverWorkflow(
      facts({
        flexConfiguration: flexConfiguration({ targetWorkflowSid: ANYONE.sid }),
        addresses: [studioAddress('+15005550006', sid('FW', '1'))],
        studioFlows: [flow('1', 'Inbound', [MESSAGING.sid])],
      }),
      WORKFLOWS,
    );
    expect(found).toEqual({
      kind: 'found',
      workflowSid: MESSAGING.sid,
      evidence:
        `Send to Flex "SendToFlex1" in Studio flow "Inbound" (${sid('FW', '1')}) ` +
        `for address +15005550006 routes to it. Flex's configuration names "Assign to Anyone" (${ANYONE.sid}) ` +
        'as its target workflow, but messaging does not go there.',
    });
  });

  it('takes a legacy Flex Flow task integration as evidence', () => {
    const flexFlow = {
      sid: sid('FO', '1'),
      friendlyName: 'SMS',
      enabled: true,
      contactIdentity: '+1500',
      integrationType: 'task',
      workflowSid: MESSAGING.sid,
      studioFlowSid: null,
    };
    expect(discoverWorkflow(facts({ flexFlows: [flexFlow] }), WORKFLOWS)).toMatchObject({
      kind: 'found',
      workflowSid: MESSAGING.sid,
      evidence: expect.stringContaining('Flex Flow "SMS"'),
    });
  });

  it('is a conflict when the addresses route to different workflows, naming each with its evidence', () => {
    const result = discoverWorkflow(
      facts({
        addresses: [studioAddress('+15005550001', sid('FW', '1')), studioAddress('+15005550002', sid('FW', '2'))],
        studioFlows: [flow('1', 'Sales line', [MESSAGING.sid]), flow('2', 'Support line', [VOICE.sid])],
      }),
      WORKFLOWS,
    );
    expect(result).toMatchObject({ kind: 'conflict', workflowSids: [MESSAGING.sid, VOICE.sid] });
    expect(result.kind === 'conflict' && result.reason).toMatch(
      /2 workflows: "Messaging" .*\+15005550001.*; "Voice" .*\+15005550002/,
    );
  });

  it('is no evidence when nothing names a workflow of the workspace, and says what it looked at', () => {
    const webhook: ConversationsAddress = {
      sid: sid('IG', '9'),
      type: 'whatsapp',
      address: 'whatsapp:+15005550009',
      friendlyName: 'wa',
      autoCreation: {
        enabled: true,
        type: 'webhook',
        conversationServiceSid: null,
        studioFlowSid: null,
        webhookUrl: 'https://example.com/in',
      },
    };
    const result = discoverWorkflow(
      facts({
        addresses: [
          webhook,
          studioAddress('+15005550001', sid('FW', '1')),
          studioAddress('+15005550002', sid('FW', '2')),
          studioAddress('+15005550003', sid('FW', '3'), false),
        ],
        studioFlows: [flow('1', 'No widget', []), flow('2', 'Other workspace', [sid('WW', 'e')])],
      }),
      WORKFLOWS,
    );
    expect(result.kind).toBe('none');
    const reason = result.kind === 'none' ? result.reason : '';
    expect(reason).toContain("Flex's configuration names no target workflow");
    expect(reason).toContain('https://example.com/in, which chooses the workflow itself');
    expect(reason).toContain('"No widget"');
    expect(reason).toContain(`names workflow ${sid('WW', 'e')}, which is not in the workspace`);
    expect(reason).not.toContain('+15005550003');
  });

  it('is no evidence on an account without Flex, Conversations addresses or Flex Flows', () => {
    expect(discoverWorkflow({ addresses: [], studioFlows: [], flexFlows: [] }, WORKFLOWS)).toEqual({
      kind: 'none',
      reason:
        "The account's configuration names no workflow for Flex's messaging: " +
        'this account has no Flex configuration; no Conversations address or Flex Flow routes to Flex.',
    });
  });
});

describe('chooseWorkflow', () => {
  const found = { kind: 'found' as const, workflowSid: MESSAGING.sid, evidence: 'Send to Flex … routes to it.' };

  it('takes the form, else the saved choice, else the discovered one, else the only one', () => {
    expect(
      chooseWorkflow(WORKFLOWS, { workflowSid: VOICE.sid, savedWorkflowSid: ANYONE.sid, discovery: found }),
    ).toEqual({
      workflow: VOICE,
      why: 'It is the workflow named in the setup form.',
    });
    expect(chooseWorkflow(WORKFLOWS, { savedWorkflowSid: ANYONE.sid, discovery: found })).toEqual({
      workflow: ANYONE,
      why: 'It is the workflow chosen in the OpenCX settings.',
    });
    expect(chooseWorkflow(WORKFLOWS, { discovery: found })).toEqual({ workflow: MESSAGING, why: found.evidence });
    expect(chooseWorkflow([VOICE], {})).toEqual({ workflow: VOICE, why: "It is the workspace's only workflow." });
  });

  it('never guesses by name: several workflows without evidence are a reason, with the missing evidence', () => {
    const none = { kind: 'none' as const, reason: 'The account names nothing.' };
    expect(chooseWorkflow(WORKFLOWS, { discovery: none })).toEqual({
      reason:
        'The workspace has 3 workflows and it is unclear which one routes your ' +
        'inbound conversations. The account names nothing.',
      fix: expect.stringContaining('OpenCX settings'),
    });
  });

  it('says when the named or saved workflow is gone', () => {
    expect(chooseWorkflow(WORKFLOWS, { workflowSid: sid('WW', 'e') })).toMatchObject({
      reason: expect.stringContaining(sid('WW', 'e')),
    });
    expect(chooseWorkflow(WORKFLOWS, { savedWorkflowSid: sid('WW', 'e'), discovery: found })).toMatchObject({
      reason: expect.stringMatching(/chosen in the OpenCX settings is not in the workspace/),
    });
    expect(chooseWorkflow([], {})).toMatchObject({ reason: expect.stringMatching(/no workflow/) });
  });
});

describe('the Flex Conversations service', () => {
  const FLEX = sid('IS', 'a');
  const OTHER = sid('IS', 'b');
  const names = { [FLEX]: 'Flex Chat Service', [OTHER]: 'Default Conversations Service' };

  it("is Flex's chat_service_instance_sid, else the account's default service", () => {
    expect(flexConversationsService({ flexConfiguration: flexConfiguration(), defaultServiceSid: OTHER })).toEqual({
      sid: FLEX,
      source: "Flex's configuration (chat_service_instance_sid)",
    });
    expect(
      flexConversationsService({
        flexConfiguration: flexConfiguration({ chatServiceSid: null }),
        defaultServiceSid: OTHER,
      }),
    ).toMatchObject({
      sid: OTHER,
    });
    expect(flexConversationsService({})).toBeUndefined();
  });

  it('is ok when the saved service is Flex’s and the default', () => {
    expect(
      conversationsServiceVerdict({
        savedSid: FLEX,
        flexConfiguration: flexConfiguration(),
        defaultServiceSid: FLEX,
        names,
      }),
    ).toEqual({
      status: 'ok',
      detail:
        `The saved Conversations service "Flex Chat Service" (${FLEX}) ` +
        "is the one Flex uses (Flex's configuration (chat_service_instance_sid)).",
    });
  });

  it('warns when the saved service differs from Flex’s, with the fix', () => {
    const verdict = conversationsServiceVerdict({
      savedSid: OTHER,
      flexConfiguration: flexConfiguration(),
      defaultServiceSid: FLEX,
      names,
    });
    expect(verdict.status).toBe('warning');
    expect(verdict.detail).toContain(
      `"Default Conversations Service" (${OTHER}) is not the one Flex uses: ` +
        `Flex's configuration (chat_service_instance_sid) names "Flex Chat Service" (${FLEX})`,
    );
    expect(verdict.fix).toContain(`enter ${FLEX} as the Conversations service`);
  });

  it("warns when Flex's service is not the account's default, and when nothing names Flex's service", () => {
    expect(
      conversationsServiceVerdict({
        savedSid: FLEX,
        flexConfiguration: flexConfiguration(),
        defaultServiceSid: OTHER,
        names,
      }),
    ).toMatchObject({
      status: 'warning',
      fix: expect.stringContaining('Conversations → Manage → Defaults'),
    });
    expect(conversationsServiceVerdict({ savedSid: FLEX, names })).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('this account has no Flex configuration'),
    });
  });
});
