import type { TwilioClient } from '../../../functions/common/twilio/client';
import { ConversationsSim } from './conversations';
import { CLOSED_BY_FLEX_REASON, FlexSim } from './flex';
import type { TwilioSimulator } from './simulator';
import { TaskRouterSim } from './taskrouter';
import {
  clientFor,
  signedWith,
  startSimulator,
  startWebhookReceiver,
  stopAndExpectNoViolations,
  type WebhookReceiver,
} from './test-support';

describe('Flex Interactions simulator', () => {
  let sim: TwilioSimulator;
  let taskRouter: TaskRouterSim;
  let conversations: ConversationsSim;
  let flex: FlexSim;
  let client: TwilioClient;
  let serviceSid: string;
  let workspaceSid: string;
  let workflowSid: string;
  let agentSid: string;

  beforeEach(async () => {
    taskRouter = new TaskRouterSim();
    conversations = new ConversationsSim();
    flex = new FlexSim();
    sim = await startSimulator({ taskrouter: taskRouter, conversations, flex });
    client = clientFor(sim);
    serviceSid = conversations.createService('Flex Conversations').sid;
    const workspace = taskRouter.createWorkspace({ friendlyName: 'Flex Task Assignment', multiTaskEnabled: true });
    workspaceSid = workspace.sid;
    const queue = taskRouter.createTaskQueue(workspaceSid, { friendlyName: 'Support' });
    workflowSid = taskRouter.createWorkflow(workspaceSid, {
      friendlyName: 'Assign to Anyone',
      configuration: { task_routing: { filters: [], default_filter: { queue: queue.sid } } },
    }).sid;
    agentSid = taskRouter.createWorker(workspaceSid, {
      friendlyName: 'anna',
      attributes: { contact_uri: 'client:anna' },
      activityName: 'Offline',
    }).sid;
  });

  afterEach(() => stopAndExpectNoViolations(sim));

  const routing = (attributes: Record<string, unknown> = {}) => ({
    properties: {
      workspace_sid: workspaceSid,
      workflow_sid: workflowSid,
      task_channel_unique_name: 'chat',
      attributes,
    },
  });

  function customerConversation(): string {
    const conversation = conversations.createConversation(serviceSid, { friendlyName: 'web chat' });
    conversations.addParticipant(serviceSid, conversation.sid, { identity: 'visitor-7' });
    return conversation.sid;
  }

  function goAvailableAndAccept(taskSid: string): string {
    taskRouter.updateWorker(workspaceSid, agentSid, {
      activitySid: taskRouter.findActivity(taskRouter.workspace(workspaceSid), 'Available')!.sid,
    });
    const reservation = taskRouter.reservationsFor(workspaceSid, taskSid).find((r) => r.status === 'pending');
    if (!reservation) throw new Error(`task ${taskSid} has no pending reservation`);
    taskRouter.updateReservation(workspaceSid, reservation.sid, 'accepted');
    return reservation.sid;
  }

  describe('interactions', () => {
    test('an interaction bound to a conversation creates a task with the Flex attributes', async () => {
      const conversationSid = customerConversation();
      const interaction = await client.flexApi.v1.interaction.create({
        channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } },
        routing: routing({ customerName: 'Visitor 7' }),
      });
      expect(interaction.sid).toMatch(/^KD[0-9a-f]{32}$/);
      expect(interaction.channel).toEqual({ type: 'chat', sid: expect.stringMatching(/^UO[0-9a-f]{32}$/) });

      const taskSid = interaction.routing.properties.sid as string;
      const task = taskRouter.getTask(workspaceSid, taskSid);
      const [invite] = flex.getInteraction(interaction.sid).channel.invites;
      expect(task.taskChannelUniqueName).toBe('chat');
      expect(task.attributes).toEqual({
        customerName: 'Visitor 7',
        conversationSid,
        flexInteractionSid: interaction.sid,
        flexInteractionChannelSid: interaction.channel.sid,
        flexChannelInviteSid: invite.sid,
        channelType: 'chat',
        customerAddress: 'visitor-7',
        initiatedBy: 'customer',
        direction: 'inbound',
        conversations: {
          conversation_id: interaction.sid,
          initiated_by: 'customer',
          media: [{ type: 'ChatTranscript', sid: conversationSid }],
        },
      });
      expect(JSON.parse(interaction.routing.properties.attributes as string)).toEqual(task.attributes);
      expect(
        taskRouter.events.filter((event) => event.resourceSid === taskSid).map((event) => event.eventType),
      ).toContain('task.created');

      const fetched = await client.flexApi.v1.interaction(interaction.sid).fetch();
      expect(fetched.routing.properties).toMatchObject({
        sid: taskSid,
        assignment_status: 'pending',
        workflow_sid: workflowSid,
      });
      const channels = await client.flexApi.v1.interaction(interaction.sid).channels.list();
      expect(channels.map((channel) => [channel.sid, channel.type, channel.status])).toEqual([
        [interaction.channel.sid, 'chat', 'active'],
      ]);
      expect(sim.violations).toEqual([]);
    });

    test('an interaction without media_channel_sid opens a conversation with its participants', async () => {
      const interaction = await client.flexApi.v1.interaction.create({
        channel: {
          type: 'sms',
          initiated_by: 'agent',
          participants: [{ address: '+15550001234', proxy_address: '+15005550006' }],
        },
        routing: routing(),
      });
      const channel = flex.getInteraction(interaction.sid).channel;
      expect(channel.conversationsServiceSid).toBe(serviceSid);
      expect(
        conversations.participants(serviceSid, channel.conversationSid).map((p) => p.messagingBinding?.address),
      ).toEqual(['+15550001234']);
      const task = taskRouter.getTask(workspaceSid, channel.invites[0].taskSid);
      expect(task.attributes).toMatchObject({
        conversationSid: channel.conversationSid,
        customerAddress: '+15550001234',
        direction: 'outbound',
        channelType: 'sms',
      });
      expect(sim.violations).toEqual([]);
    });

    test('binding to a closed conversation answers 400 / 45354 and creates no task', async () => {
      const conversationSid = customerConversation();
      conversations.setConversationState(serviceSid, conversationSid, 'closed');
      await expect(
        client.flexApi.v1.interaction.create({
          channel: { type: 'chat', properties: { media_channel_sid: conversationSid } },
          routing: routing(),
        }),
      ).rejects.toMatchObject({ status: 400, code: 45354 });
      expect(taskRouter.workspace(workspaceSid).tasks.size).toBe(0);
    });

    test('refuses a Channel type Flex does not know and Routing without properties', async () => {
      const conversationSid = customerConversation();
      await expect(
        client.flexApi.v1.interaction.create({ channel: { type: 'pigeon' }, routing: routing() }),
      ).rejects.toMatchObject({ status: 400 });
      await expect(
        client.flexApi.v1.interaction.create({
          channel: { type: 'chat', properties: { media_channel_sid: conversationSid } },
          routing: { workspace_sid: workspaceSid },
        }),
      ).rejects.toMatchObject({ status: 400 });
      expect(taskRouter.workspace(workspaceSid).tasks.size).toBe(0);
    });

    test('routing by queue only is a simulator gap: 501 and a recorded violation', async () => {
      const conversationSid = customerConversation();
      await expect(
        client.flexApi.v1.interaction.create({
          channel: { type: 'chat', properties: { media_channel_sid: conversationSid } },
          routing: { properties: { workspace_sid: workspaceSid, queue_sid: 'WQ' + '0'.repeat(32) } },
        }),
      ).rejects.toMatchObject({ status: 501 });
      expect(sim.violations.map((v) => v.problems[0])).toEqual([expect.stringMatching(/workflow_sid/)]);
      sim.violations.length = 0;
    });
  });

  describe('invites and participants', () => {
    let interactionSid: string;
    let channelSid: string;
    let firstTaskSid: string;
    beforeEach(async () => {
      const interaction = await client.flexApi.v1.interaction.create({
        channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: customerConversation() } },
        routing: routing({ handedOff: false }),
      });
      interactionSid = interaction.sid;
      channelSid = interaction.channel.sid;
      firstTaskSid = interaction.routing.properties.sid as string;
    });
    const channel = () => client.flexApi.v1.interaction(interactionSid).channels(channelSid);

    test('an invite creates a second task for the same interaction (a transfer)', async () => {
      const invite = await channel().invites.create({ routing: routing({ handedOff: true }) });
      const secondTaskSid = invite.routing.properties.sid as string;
      expect(secondTaskSid).not.toBe(firstTaskSid);
      const second = taskRouter.getTask(workspaceSid, secondTaskSid);
      expect(second.attributes).toMatchObject({
        handedOff: true,
        flexInteractionSid: interactionSid,
        flexInteractionChannelSid: channelSid,
        flexChannelInviteSid: invite.sid,
      });
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('pending');
      const invites = await channel().invites.list();
      expect(invites.map((item) => item.routing.properties.sid)).toEqual([firstTaskSid, secondTaskSid]);
      expect(sim.violations).toEqual([]);
    });

    test('an agent appears as a participant once the task is accepted; closing it completes the task', async () => {
      expect((await channel().participants.list()).map((p) => p.type)).toEqual(['customer']);
      const reservationSid = goAvailableAndAccept(firstTaskSid);
      const participants = await channel().participants.list();
      const agent = participants.find((p) => p.type === 'agent')!;
      expect(agent.routingProperties).toEqual({
        task_sid: firstTaskSid,
        worker_sid: agentSid,
        reservation_sid: reservationSid,
      });

      await channel().participants(agent.sid).update({ status: 'closed' });
      const task = taskRouter.getTask(workspaceSid, firstTaskSid);
      expect(task.assignmentStatus).toBe('completed');
      expect(task.reason).toBe(CLOSED_BY_FLEX_REASON);
      expect(taskRouter.events.map((event) => event.eventType)).toContain('task.completed');
      expect(sim.violations).toEqual([]);
    });

    test('wrapup moves the assigned task to wrapping, closed then completes it', async () => {
      goAvailableAndAccept(firstTaskSid);
      const agent = (await channel().participants.list()).find((p) => p.type === 'agent')!;
      await channel().participants(agent.sid).update({ status: 'wrapup' });
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('wrapping');
      await channel().participants(agent.sid).update({ status: 'closed' });
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('completed');
      expect(sim.violations).toEqual([]);
    });

    test('closing the customer participant cancels a task nobody has accepted', async () => {
      const [customer] = await channel().participants.list();
      await channel().participants(customer.sid).update({ status: 'closed' });
      const task = taskRouter.getTask(workspaceSid, firstTaskSid);
      expect(task.assignmentStatus).toBe('canceled');
      expect(taskRouter.events.find((event) => event.eventType === 'task.canceled')?.params.TaskCanceledReason).toBe(
        CLOSED_BY_FLEX_REASON,
      );
      expect(sim.violations).toEqual([]);
    });

    test('closing the channel closes the conversation and the tasks, and refuses later invites', async () => {
      const conversationSid = flex.getInteraction(interactionSid).channel.conversationSid;
      goAvailableAndAccept(firstTaskSid);
      const pending = await channel().invites.create({ routing: routing({ handedOff: true }) });
      const closed = await channel().update({ status: 'closed', routing: { status: 'closed' } });
      expect(closed.status).toBe('closed');
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('completed');
      expect(taskRouter.getTask(workspaceSid, pending.routing.properties.sid as string).assignmentStatus).toBe(
        'canceled',
      );
      expect(conversations.getConversation(serviceSid, conversationSid).state).toBe('closed');
      await expect(channel().invites.create({ routing: routing() })).rejects.toMatchObject({ status: 400 });
    });

    test('closing the channel without Routing leaves an assigned task wrapping', async () => {
      goAvailableAndAccept(firstTaskSid);
      await channel().update({ status: 'closed' });
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('wrapping');
    });

    test('an inactive channel needs Routing status closed', async () => {
      await expect(channel().update({ status: 'inactive' })).rejects.toMatchObject({ status: 400 });
      await channel().update({ status: 'inactive', routing: { status: 'closed' } });
      expect(taskRouter.getTask(workspaceSid, firstTaskSid).assignmentStatus).toBe('canceled');
      expect(
        conversations.getConversation(serviceSid, flex.getInteraction(interactionSid).channel.conversationSid).state,
      ).toBe('inactive');
    });
  });

  describe('startInboundConversation', () => {
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      receiver = await startWebhookReceiver();
      await client.conversations.v1
        .services(serviceSid)
        .configuration.webhooks()
        .update({
          postWebhookUrl: receiver.url(),
          filters: ['onConversationAdded', 'onParticipantAdded', 'onMessageAdded'],
          method: 'POST',
        });
    });
    afterEach(() => receiver.close());

    test('does what Send to Flex does: conversation, customer, first message, interaction and task', async () => {
      const started = flex.startInboundConversation({
        conversationsServiceSid: serviceSid,
        workspaceSid,
        workflowSid,
        from: '+15550009999',
        body: 'Where is my parcel?',
      });
      await sim.idle();

      expect(
        conversations.messages(serviceSid, started.conversationSid).map((m) => [m.author, m.body, m.source]),
      ).toEqual([['+15550009999', 'Where is my parcel?', 'SMS']]);
      const task = taskRouter.getTask(workspaceSid, started.taskSid);
      expect(task.attributes).toMatchObject({
        from: '+15550009999',
        conversationSid: started.conversationSid,
        flexInteractionSid: started.interactionSid,
        flexInteractionChannelSid: started.channelSid,
        channelType: 'sms',
        customerAddress: '+15550009999',
      });
      expect(receiver.eventTypes()).toEqual(['onConversationAdded', 'onParticipantAdded', 'onMessageAdded']);
      for (const hook of receiver.received) {
        expect(signedWith(sim.authToken, hook)).toBe(true);
        expect(hook.params).toMatchObject({
          ConversationSid: started.conversationSid,
          Source: 'SMS',
          ChatServiceSid: serviceSid,
        });
      }
      expect(receiver.received[2].params).toMatchObject({
        Body: 'Where is my parcel?',
        Author: '+15550009999',
        ParticipantSid: expect.stringMatching(/^MB/),
      });
      expect(sim.violations).toEqual([]);
    });

    test('a web chat customer joins by identity and writes through the SDK', async () => {
      const started = flex.startInboundConversation({
        conversationsServiceSid: serviceSid,
        workspaceSid,
        workflowSid,
        from: 'visitor-42',
        body: 'hi',
        channelType: 'web',
      });
      await sim.idle();
      expect(conversations.participants(serviceSid, started.conversationSid)).toEqual([
        expect.objectContaining({ identity: 'visitor-42', messagingBinding: null }),
      ]);
      expect(receiver.received.find((hook) => hook.params.EventType === 'onMessageAdded')?.params.Source).toBe('SDK');
      expect(taskRouter.getTask(workspaceSid, started.taskSid).attributes).toMatchObject({
        channelType: 'web',
        customerAddress: 'visitor-42',
      });
    });
  });
  test('people driving the simulator by hand can play the customer through the inspection API', async () => {
    const post = (path: string, body: object) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as Record<string, string>,
      }));
    const started = await post('/__sim/flex/inbound', {
      conversationsServiceSid: serviceSid,
      workspaceSid,
      workflowSid,
      from: '+15550001111',
      body: 'Hi there',
    });
    expect(started.status).toBe(200);
    expect(taskRouter.getTask(workspaceSid, started.body.taskSid).attributes.conversationSid).toBe(
      started.body.conversationSid,
    );
    const said = await post('/__sim/conversations/customer-message', {
      serviceSid,
      conversationSid: started.body.conversationSid,
      author: '+15550001111',
      body: 'Still there?',
    });
    expect(said.status).toBe(200);
    expect(conversations.messages(serviceSid, started.body.conversationSid).map((m) => m.body)).toEqual([
      'Hi there',
      'Still there?',
    ]);
    expect(
      (
        await post('/__sim/conversations/customer-message', {
          serviceSid,
          conversationSid: 'CH' + '0'.repeat(32),
          author: 'x',
          body: 'y',
        })
      ).status,
    ).toBe(400);
  });
});
