// The account configuration the setup reads: Flex's Configuration and Flex Flows, Conversations'
// default service and Address Configurations, and Studio flows, as Twilio's APIs answer them.
import { createTwilioApis, type TwilioApis, type TwilioClient } from '../../../functions/common/twilio';
import { Deadline } from '../../../functions/common/retry';
import { ConversationsSim } from './conversations';
import { FlexSim } from './flex';
import type { TwilioSimulator } from './simulator';
import { StudioSim } from './studio';
import { TaskRouterSim } from './taskrouter';
import { clientFor, startSimulator, stopAndExpectNoViolations } from './test-support';

describe('account configuration simulator', () => {
  let sim: TwilioSimulator;
  let conversations: ConversationsSim;
  let flex: FlexSim;
  let studio: StudioSim;
  let client: TwilioClient;
  let apis: TwilioApis;
  const WORKFLOW = 'WW' + '1'.repeat(32);

  beforeEach(async () => {
    conversations = new ConversationsSim();
    flex = new FlexSim();
    studio = new StudioSim();
    sim = await startSimulator({ taskrouter: new TaskRouterSim(), conversations, flex, studio });
    client = clientFor(sim);
    apis = createTwilioApis(
      { ACCOUNT_SID: sim.accountSid, AUTH_TOKEN: sim.authToken, TWILIO_API_BASE_URL: sim.url },
      new Deadline(10000),
    );
  });

  afterEach(() => stopAndExpectNoViolations(sim));

  it("answers Flex's configuration with the seeded fields, and 404 on an account without Flex", async () => {
    await expect(client.flexApi.v1.configuration().fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await apis.flex.fetchConfiguration()).toBeUndefined();

    const service = conversations.createService('Flex Chat Service');
    flex.configuration = { taskrouter_target_workflow_sid: WORKFLOW, chat_service_instance_sid: service.sid };
    const fetched = await client.flexApi.v1.configuration().fetch();
    expect(fetched).toMatchObject({
      accountSid: sim.accountSid,
      taskrouterTargetWorkflowSid: WORKFLOW,
      chatServiceInstanceSid: service.sid,
      flexServiceInstanceSid: null,
    });
    expect(await apis.flex.fetchConfiguration()).toEqual({
      workspaceSid: null,
      targetWorkflowSid: WORKFLOW,
      chatServiceSid: service.sid,
      flexServiceSid: null,
    });
  });

  it("creates a multi-tasking workspace unless asked otherwise, as the API's default is", async () => {
    const created = await client.taskrouter.v1.workspaces.create({ friendlyName: 'Timers' });
    expect(created.multiTaskEnabled).toBe(true);
    const single = await client.taskrouter.v1.workspaces.create({ friendlyName: 'Voice', multiTaskEnabled: false });
    expect(single.multiTaskEnabled).toBe(false);
  });

  it('lists legacy Flex Flows with their integration', async () => {
    flex.addFlexFlow({
      friendly_name: 'SMS',
      chat_service_sid: 'IS' + 'a'.repeat(32),
      channel_type: 'sms',
      contact_identity: '+15005550006',
      enabled: true,
      integration_type: 'task',
      integration: { workspace_sid: 'WS' + 'a'.repeat(32), workflow_sid: WORKFLOW, channel: 'chat' },
    });
    const [listed] = await client.flexApi.v1.flexFlow.list();
    expect(listed).toMatchObject({
      friendlyName: 'SMS',
      integrationType: 'task',
      integration: { workflow_sid: WORKFLOW },
    });
    expect(await apis.flex.listFlexFlows()).toEqual([
      expect.objectContaining({ friendlyName: 'SMS', enabled: true, workflowSid: WORKFLOW, studioFlowSid: null }),
    ]);
  });

  it("answers the account's default Conversations service and its addresses, filtered by type", async () => {
    expect(await apis.conversations.fetchDefaultServiceSid()).toBeUndefined();
    const service = conversations.createService('Flex Chat Service');
    conversations.defaultServiceSid = service.sid;
    const flow = studio.addConversationsFlow('Inbound', [WORKFLOW]);
    conversations.addAddress({ address: '+15005550006', studioFlowSid: flow.sid });
    conversations.addAddress({
      address: 'whatsapp:+15005550007',
      type: 'whatsapp',
      webhookUrl: 'https://example.com/inbound',
    });

    expect((await client.conversations.v1.configuration().fetch()).defaultChatServiceSid).toBe(service.sid);
    expect(await apis.conversations.fetchDefaultServiceSid()).toBe(service.sid);
    const sms = await client.conversations.v1.addressConfigurations.list({ type: 'sms' });
    expect(sms.map((a) => [a.address, a.autoCreation])).toEqual([
      [
        '+15005550006',
        {
          enabled: true,
          type: 'studio',
          conversation_service_sid: service.sid,
          studio_flow_sid: flow.sid,
          studio_retry_count: 3,
        },
      ],
    ]);
    expect(await apis.conversations.listAddresses()).toEqual([
      expect.objectContaining({
        address: '+15005550006',
        autoCreation: {
          enabled: true,
          type: 'studio',
          conversationServiceSid: service.sid,
          studioFlowSid: flow.sid,
          webhookUrl: null,
        },
      }),
      expect.objectContaining({
        address: 'whatsapp:+15005550007',
        autoCreation: expect.objectContaining({ type: 'webhook', webhookUrl: 'https://example.com/inbound' }),
      }),
    ]);
  });

  it("answers a Studio flow with its definition and its Send to Flex widgets' workflow; 404 if unknown", async () => {
    const flow = studio.addConversationsFlow('Inbound', [WORKFLOW]);
    const fetched = await client.studio.v2.flows(flow.sid).fetch();
    expect(fetched.status).toBe('published');
    expect(
      (fetched.definition as { states: { type: string; properties: { workflow?: string } }[] }).states
        .filter((s) => s.type === 'send-to-flex')
        .map((s) => s.properties.workflow),
    ).toEqual([WORKFLOW]);
    expect(await apis.studio.fetchFlow(flow.sid)).toMatchObject({
      friendlyName: 'Inbound',
      widgets: expect.arrayContaining([
        { name: 'send_to_flex_1', type: 'send-to-flex', properties: expect.objectContaining({ workflow: WORKFLOW }) },
      ]),
    });
    await expect(client.studio.v2.flows('FW' + 'e'.repeat(32)).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    expect(await apis.studio.fetchFlow('FW' + 'e'.repeat(32))).toBeUndefined();
  });
});
