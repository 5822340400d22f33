// Flex Interactions (flex-api.twilio.com/v1) for the simulator: interactions bound to a
// Conversation, their channel, invites (each one a TaskRouter task) and channel participants; and,
// read only (seeded by tests), Flex's Configuration and legacy Flex Flows.
// Needs the 'conversations' and 'taskrouter' modules loaded on the same simulator.
//
// Decisions where Twilio's docs are thin:
// - Every task of an interaction comes from an invite (KG): the one made from the interaction's own
//   Routing and each later POST .../Invites (a transfer). The task attributes are the routing
//   attributes plus what Flex adds: conversationSid, flexInteractionSid, flexInteractionChannelSid,
//   flexChannelInviteSid, channelType, customerAddress, initiatedBy, direction, conversations{}.
// - Routing must be {"properties": {...}} with workspace_sid and workflow_sid. queue_sid/worker_sid
//   are kept on the invite but the TaskRouter simulator routes by workflow only, so routing without
//   workflow_sid answers 501 and records a violation (a simulator gap, not a product error).
// - Agent participants (type agent, routing_properties task/worker/reservation) appear once a
//   worker has accepted one of the channel's tasks, as Flex adds them on accept.
// - Closing a participant (Status=closed) completes its task when assigned/wrapping and cancels it
//   when still pending/reserved; wrapup moves an assigned task to wrapping (cancels a waiting one).
//   The customer participant stands for all of the channel's tasks.
// - Channel Status=closed closes the conversation and wraps up (or, with Routing {"status":"closed"},
//   closes) every task; Status=inactive requires Routing {"status":"closed"} and leaves the
//   conversation inactive. A closed channel refuses invites (HTTP 400).
// - Binding to a closed conversation answers 400 / 45354 (Twilio's "Cannot create a Channel for a
//   closed Conversation").
// - An account without Flex (no configuration seeded) answers GET /v1/Configuration with 404 / 20404.
import type { ConversationsSim, EventSource } from './conversations';
import { invalidParameter, notFound, TwilioApiError } from './errors';
import type { Params } from './openapi';
import { newSid } from './sids';
import { page, type SimRequest, type SimResponse, type SimulatorModule, type TwilioSimulator } from './simulator';
import type { TaskRouterSim } from './taskrouter';
import type { TaskState } from './taskrouter-state';

export type InteractionChannelType = 'voice' | 'sms' | 'email' | 'web' | 'whatsapp' | 'chat' | 'messenger' | 'gbm';
export type InteractionChannelStatus = 'setup' | 'active' | 'failed' | 'closed' | 'inactive' | 'pause' | 'transfer';
export type InteractionParticipantType = 'supervisor' | 'customer' | 'external' | 'agent' | 'unknown';

const CHANNEL_TYPES: readonly InteractionChannelType[] = [
  'voice',
  'sms',
  'email',
  'web',
  'whatsapp',
  'chat',
  'messenger',
  'gbm',
];
const HOST = 'https://flex-api.twilio.com';
const CLOSED_CONVERSATION_CODE = 45354;
export const CLOSED_BY_FLEX_REASON = 'Closed through the Flex Interactions API';
const DEFAULT_PROXY_ADDRESS = '+15005550006';

export interface RoutingProperties {
  workspace_sid: string;
  workflow_sid?: string;
  queue_sid?: string;
  worker_sid?: string;
  task_channel_unique_name?: string;
  attributes?: Record<string, unknown>;
  priority?: number;
  timeout?: number;
}

export interface InviteState {
  sid: string;
  interactionSid: string;
  channelSid: string;
  routing: RoutingProperties;
  workspaceSid: string;
  taskSid: string;
  dateCreated: number;
}

export interface InteractionParticipantState {
  sid: string;
  interactionSid: string;
  channelSid: string;
  type: InteractionParticipantType;
  status: 'active' | 'wrapup' | 'closed';
  /** The Conversations participant (MB) this stands for, for customers. */
  conversationParticipantSid?: string;
  taskSid?: string;
  workerSid?: string;
  reservationSid?: string;
}

export interface InteractionChannelState {
  sid: string;
  interactionSid: string;
  type: InteractionChannelType;
  status: InteractionChannelStatus;
  initiatedBy: string;
  conversationsServiceSid: string;
  conversationSid: string;
  participants: Map<string, InteractionParticipantState>;
  invites: InviteState[];
}

export interface InteractionState {
  sid: string;
  channel: InteractionChannelState;
  routing: RoutingProperties | null;
  interactionContextSid: string | null;
  webhookTtid: string | null;
  dateCreated: number;
}

export interface InteractionChannelInput {
  type: InteractionChannelType;
  initiated_by?: string;
  properties?: { media_channel_sid?: string };
  /** For a new conversation: who takes part ({address, proxy_address} or {identity}). */
  participants?: { address?: string; proxy_address?: string; identity?: string }[];
}

export interface InboundConversationOptions {
  conversationsServiceSid: string;
  workspaceSid: string;
  workflowSid: string;
  from: string;
  body: string;
  /** Files sent with the first message (a photo). */
  media?: { filename: string; contentType: string; size: number }[];
  channelType?: 'sms' | 'whatsapp' | 'chat' | 'web';
  /** The Twilio address the customer wrote to (SMS/WhatsApp). */
  to?: string;
  taskChannel?: string;
  attributes?: Record<string, unknown>;
  /** The task's Timeout in seconds (Studio's Send to Flex sets it; TaskRouter's default is a day). */
  timeout?: number;
}

export interface InboundConversation {
  conversationSid: string;
  interactionSid: string;
  channelSid: string;
  taskSid: string;
}

/** The seeded Flex Configuration fields (snake_case, as Twilio answers them); the rest are Flex's defaults. */
export interface FlexConfigurationSeed {
  taskrouter_workspace_sid?: string | null;
  taskrouter_target_workflow_sid?: string | null;
  taskrouter_target_taskqueue_sid?: string | null;
  chat_service_instance_sid?: string | null;
  flex_service_instance_sid?: string | null;
}

/** A legacy Flex Flow (Flex UI 1.x messaging), as Twilio answers it. */
export interface FlexFlowState {
  sid: string;
  friendly_name: string;
  chat_service_sid: string;
  channel_type: string;
  contact_identity: string | null;
  enabled: boolean;
  integration_type: 'studio' | 'external' | 'task';
  integration: Record<string, unknown>;
}

export interface FlexSimOptions {
  /** The Flex Conversations service: where interactions without media_channel_sid open their conversation. */
  conversationsServiceSid?: string;
}

export class FlexSim implements SimulatorModule {
  readonly interactions = new Map<string, InteractionState>();
  /** Undefined: the account has no Flex (GET /v1/Configuration answers 404). */
  configuration?: FlexConfigurationSeed;
  readonly flexFlows = new Map<string, FlexFlowState>();
  private sim!: TwilioSimulator;

  constructor(private readonly options: FlexSimOptions = {}) {}

  register(sim: TwilioSimulator): void {
    this.sim = sim;
    this.registerInteractionRoutes(sim);
    this.registerChannelRoutes(sim);
    this.registerInviteRoutes(sim);
    this.registerParticipantRoutes(sim);
    this.registerConfigurationRoutes(sim);
    sim.inspectionAction('/__sim/flex/inbound', (body) =>
      this.startInboundConversation({
        conversationsServiceSid: String(body.conversationsServiceSid),
        workspaceSid: String(body.workspaceSid),
        workflowSid: String(body.workflowSid),
        from: String(body.from ?? 'customer'),
        body: String(body.body ?? ''),
        channelType: (body.channelType as 'web' | undefined) ?? 'web',
      }),
    );
  }

  reset(): void {
    this.interactions.clear();
    this.configuration = undefined;
    this.flexFlows.clear();
  }

  snapshot(): unknown {
    return [...this.interactions.values()].map((interaction) => ({
      ...interaction,
      channel: {
        ...interaction.channel,
        participants: [...interaction.channel.participants.values()].map((participant) => ({ ...participant })),
        invites: interaction.channel.invites.map((invite) => ({ ...invite })),
      },
    }));
  }

  // ---- programmatic API -------------------------------------------------------------------

  /** What Flex's "Send to Flex" does for a customer's first message. */
  startInboundConversation(opts: InboundConversationOptions): InboundConversation {
    const conversations = this.conversations();
    const channelType = opts.channelType ?? 'sms';
    const customer = customerEndpoint(channelType, opts.from, opts.to ?? DEFAULT_PROXY_ADDRESS);
    const conversation = conversations.createConversation(opts.conversationsServiceSid, {
      friendlyName: opts.from,
      binding: customer.address ? { address: customer.address, proxyAddress: customer.proxyAddress! } : undefined,
      source: customer.source,
    });
    conversations.addParticipant(opts.conversationsServiceSid, conversation.sid, {
      ...customer,
      source: customer.source,
    });
    conversations.receiveCustomerMessage(opts.conversationsServiceSid, conversation.sid, {
      author: customer.address ?? customer.identity!,
      body: opts.body,
      media: opts.media,
      source: customer.source as 'SMS' | 'WHATSAPP' | 'SDK',
    });
    const interaction = this.createInteraction(
      { type: channelType, initiated_by: 'customer', properties: { media_channel_sid: conversation.sid } },
      {
        workspace_sid: opts.workspaceSid,
        workflow_sid: opts.workflowSid,
        task_channel_unique_name: opts.taskChannel ?? 'chat',
        attributes: { from: opts.from, ...opts.attributes },
        ...(opts.timeout !== undefined && { timeout: opts.timeout }),
      },
    );
    return {
      conversationSid: conversation.sid,
      interactionSid: interaction.sid,
      channelSid: interaction.channel.sid,
      taskSid: interaction.channel.invites[0].taskSid,
    };
  }

  /** POST /Interactions without HTTP: binds or opens the conversation, then routes (a task). */
  createInteraction(
    channelInput: InteractionChannelInput,
    routing: RoutingProperties | null,
    extra: { interactionContextSid?: string; webhookTtid?: string } = {},
  ): InteractionState {
    checkChannel(channelInput);
    if (routing) this.checkRouting(routing);
    const { serviceSid, conversationSid, participantSids } = this.mediaChannelFor(channelInput);
    const interactionSid = newSid('KD');
    const channel: InteractionChannelState = {
      sid: newSid('UO'),
      interactionSid,
      type: channelInput.type,
      status: 'active',
      initiatedBy: channelInput.initiated_by ?? 'api',
      conversationsServiceSid: serviceSid,
      conversationSid,
      participants: new Map(),
      invites: [],
    };
    for (const conversationParticipantSid of participantSids) {
      const participant: InteractionParticipantState = {
        sid: newSid('UT'),
        interactionSid,
        channelSid: channel.sid,
        type: 'customer',
        status: 'active',
        conversationParticipantSid,
      };
      channel.participants.set(participant.sid, participant);
    }
    const interaction: InteractionState = {
      sid: interactionSid,
      channel,
      routing,
      interactionContextSid: extra.interactionContextSid ?? null,
      webhookTtid: extra.webhookTtid ?? null,
      dateCreated: this.sim.clock.now(),
    };
    this.interactions.set(interaction.sid, interaction);
    if (routing) this.invite(interaction, routing);
    return interaction;
  }

  /** A new task for the same interaction (a transfer). */
  invite(interaction: InteractionState, routing: RoutingProperties): InviteState {
    const channel = interaction.channel;
    if (channel.status !== 'active')
      throw invalidParameter(`Interaction channel ${channel.sid} is ${channel.status}; it takes no invites`);
    this.checkRouting(routing);
    const inviteSid = newSid('KG');
    const task = this.taskRouter().createTask(routing.workspace_sid, {
      workflowSid: routing.workflow_sid!,
      attributes: this.flexTaskAttributes(interaction, inviteSid, routing),
      taskChannel: routing.task_channel_unique_name,
      priority: routing.priority,
      timeout: routing.timeout,
    });
    const invite: InviteState = {
      sid: inviteSid,
      interactionSid: interaction.sid,
      channelSid: channel.sid,
      routing,
      workspaceSid: routing.workspace_sid,
      taskSid: task.sid,
      dateCreated: this.sim.clock.now(),
    };
    channel.invites.push(invite);
    return invite;
  }

  /** The channel's participants, with an agent participant for every accepted task. */
  participants(interactionSid: string): InteractionParticipantState[] {
    const channel = this.interaction(interactionSid).channel;
    this.addAcceptedAgents(channel);
    return [...channel.participants.values()];
  }

  /** Status=closed|wrapup on an interaction channel participant, with its effect on the tasks. */
  updateParticipantStatus(
    interactionSid: string,
    participantSid: string,
    status: 'closed' | 'wrapup',
  ): InteractionParticipantState {
    const channel = this.interaction(interactionSid).channel;
    this.addAcceptedAgents(channel);
    const participant = channel.participants.get(participantSid);
    if (!participant)
      throw notFound(`/Interactions/${interactionSid}/Channels/${channel.sid}/Participants/${participantSid}`);
    const taskSids = participant.taskSid ? [participant.taskSid] : channel.invites.map((invite) => invite.taskSid);
    for (const taskSid of taskSids) this.endTask(channel, taskSid, status === 'closed' ? 'completed' : 'wrapping');
    participant.status = status;
    return participant;
  }

  getInteraction(interactionSid: string): InteractionState {
    return this.interaction(interactionSid);
  }

  /** A legacy Flex Flow; `integration` as Twilio stores it (`workflow_sid`, `flow_sid`, …). */
  addFlexFlow(flow: Omit<FlexFlowState, 'sid'>): FlexFlowState {
    const state = { sid: newSid('FO'), ...flow };
    this.flexFlows.set(state.sid, state);
    return state;
  }

  // ---- routes -----------------------------------------------------------------------------

  private registerConfigurationRoutes(sim: TwilioSimulator): void {
    sim.route('flex-api', 'GET', '/v1/Configuration', () => {
      if (!this.configuration) throw notFound('/Configuration');
      return ok(this.configurationJson(this.configuration));
    });
    sim.route('flex-api', 'GET', '/v1/FlexFlows', (req) => {
      const name = str(req.query, 'FriendlyName');
      const flows = [...this.flexFlows.values()].filter((flow) => !name || flow.friendly_name === name);
      return page(
        req,
        'flex_flows',
        flows.map((flow) => ({
          account_sid: sim.accountSid,
          ...flow,
          long_lived: false,
          janitor_enabled: false,
          url: `${HOST}/v1/FlexFlows/${flow.sid}`,
        })),
      );
    });
  }

  private configurationJson(seed: FlexConfigurationSeed): Record<string, unknown> {
    return {
      account_sid: this.sim.accountSid,
      status: 'ok',
      service_version: '2.0.0',
      ui_version: '2.9.0',
      taskrouter_workspace_sid: null,
      taskrouter_target_workflow_sid: null,
      taskrouter_target_taskqueue_sid: null,
      taskrouter_offline_activity_sid: null,
      chat_service_instance_sid: null,
      flex_service_instance_sid: null,
      messaging_service_instance_sid: null,
      flex_instance_sid: null,
      attributes: {},
      url: `${HOST}/v1/Configuration`,
      ...seed,
    };
  }

  private registerInteractionRoutes(sim: TwilioSimulator): void {
    sim.route('flex-api', 'POST', '/v1/Interactions', (req) => {
      const routing = parseJsonParam(req.form, 'Routing');
      const interaction = this.createInteraction(
        parseJsonParam(req.form, 'Channel') as unknown as InteractionChannelInput,
        routing ? routingProperties(routing) : null,
        {
          interactionContextSid: str(req.form, 'InteractionContextSid'),
          webhookTtid: str(req.form, 'WebhookTtid'),
        },
      );
      return ok(this.interactionJson(interaction));
    });
    sim.route('flex-api', 'GET', '/v1/Interactions/{Sid}', (req) =>
      ok(this.interactionJson(this.interaction(req.pathParams.Sid))),
    );
    sim.route('flex-api', 'POST', '/v1/Interactions/{Sid}', (req) => {
      const interaction = this.interaction(req.pathParams.Sid);
      interaction.webhookTtid = str(req.form, 'WebhookTtid') ?? interaction.webhookTtid;
      return ok(this.interactionJson(interaction));
    });
  }

  private registerChannelRoutes(sim: TwilioSimulator): void {
    sim.route('flex-api', 'GET', '/v1/Interactions/{InteractionSid}/Channels', (req) =>
      page(req, 'channels', [channelJson(this.interaction(req.pathParams.InteractionSid).channel)]),
    );
    const instance = '/v1/Interactions/{InteractionSid}/Channels/{Sid}';
    sim.route('flex-api', 'GET', instance, (req) => ok(channelJson(this.channelFor(req, 'Sid'))));
    sim.route('flex-api', 'POST', instance, (req) => {
      const channel = this.channelFor(req, 'Sid');
      const routing = parseJsonParam(req.form, 'Routing');
      this.updateChannelStatus(
        channel,
        str(req.form, 'Status') as 'closed' | 'inactive',
        typeof routing?.status === 'string' ? routing.status : undefined,
      );
      return ok(channelJson(channel));
    });
  }

  private registerInviteRoutes(sim: TwilioSimulator): void {
    const collection = '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites';
    sim.route('flex-api', 'POST', collection, (req) => {
      const channel = this.channelFor(req, 'ChannelSid');
      const invite = this.invite(
        this.interaction(channel.interactionSid),
        routingProperties(parseJsonParam(req.form, 'Routing')!),
      );
      return ok(this.inviteJson(invite));
    });
    sim.route('flex-api', 'GET', collection, (req) => {
      const channel = this.channelFor(req, 'ChannelSid');
      return page(
        req,
        'invites',
        channel.invites.map((invite) => this.inviteJson(invite)),
      );
    });
  }

  private registerParticipantRoutes(sim: TwilioSimulator): void {
    const collection = '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants';
    sim.route('flex-api', 'GET', collection, (req) => {
      const channel = this.channelFor(req, 'ChannelSid');
      return page(req, 'participants', this.participants(channel.interactionSid).map(participantJson));
    });
    sim.route('flex-api', 'POST', `${collection}/{Sid}`, (req) => {
      const channel = this.channelFor(req, 'ChannelSid');
      const status = str(req.form, 'Status') as 'closed' | 'wrapup';
      return ok(participantJson(this.updateParticipantStatus(channel.interactionSid, req.pathParams.Sid, status)));
    });
  }

  // ---- behaviour --------------------------------------------------------------------------

  private mediaChannelFor(input: InteractionChannelInput): {
    serviceSid: string;
    conversationSid: string;
    participantSids: string[];
  } {
    const conversations = this.conversations();
    const mediaChannelSid = input.properties?.media_channel_sid;
    if (mediaChannelSid) {
      const conversation = conversations.findConversation(mediaChannelSid);
      if (!conversation)
        throw invalidParameter(`media_channel_sid ${mediaChannelSid} is not a conversation of this account`);
      if (conversation.state === 'closed') {
        throw new TwilioApiError(
          400,
          CLOSED_CONVERSATION_CODE,
          `Failed to create Channel because the Conversation ${conversation.sid} is in a closed state`,
        );
      }
      return {
        serviceSid: conversation.serviceSid,
        conversationSid: conversation.sid,
        participantSids: [...conversation.participants.keys()],
      };
    }
    const serviceSid = this.options.conversationsServiceSid ?? conversations.services.keys().next().value;
    if (!serviceSid) throw invalidParameter('No Flex Conversations service to open the conversation in');
    const conversation = conversations.createConversation(serviceSid, { source: 'API' });
    const participantSids = (input.participants ?? []).map(
      (p) =>
        conversations.addParticipant(serviceSid, conversation.sid, {
          identity: p.identity,
          address: p.address,
          proxyAddress: p.proxy_address,
        }).sid,
    );
    return { serviceSid, conversationSid: conversation.sid, participantSids };
  }

  private updateChannelStatus(
    channel: InteractionChannelState,
    status: 'closed' | 'inactive',
    routingStatus: string | undefined,
  ): void {
    if (status === 'inactive' && routingStatus !== 'closed') {
      throw invalidParameter('Routing {"status": "closed"} is required when the channel status is inactive');
    }
    const taskEnd = routingStatus === 'closed' ? 'completed' : 'wrapping';
    for (const invite of channel.invites) this.endTask(channel, invite.taskSid, taskEnd);
    channel.status = status;
    const conversation = this.conversations().findConversation(channel.conversationSid);
    if (conversation && conversation.state !== 'closed') {
      this.conversations().setConversationState(
        channel.conversationsServiceSid,
        conversation.sid,
        status === 'closed' ? 'closed' : 'inactive',
      );
    }
  }

  /** Ends the task the way Flex does: a task nobody holds yet is canceled. */
  private endTask(channel: InteractionChannelState, taskSid: string, end: 'completed' | 'wrapping'): void {
    const invite = channel.invites.find((item) => item.taskSid === taskSid);
    const task = invite && this.findTask(invite.workspaceSid, taskSid);
    if (!invite || !task) return;
    const taskRouter = this.taskRouter();
    switch (task.assignmentStatus) {
      case 'pending':
      case 'reserved':
        taskRouter.updateTaskStatus(invite.workspaceSid, taskSid, 'canceled', CLOSED_BY_FLEX_REASON);
        break;
      case 'assigned':
        taskRouter.updateTaskStatus(invite.workspaceSid, taskSid, end, CLOSED_BY_FLEX_REASON);
        break;
      case 'wrapping':
        if (end === 'completed')
          taskRouter.updateTaskStatus(invite.workspaceSid, taskSid, 'completed', CLOSED_BY_FLEX_REASON);
        break;
      default:
        break;
    }
  }

  private addAcceptedAgents(channel: InteractionChannelState): void {
    for (const invite of channel.invites) {
      if ([...channel.participants.values()].some((participant) => participant.taskSid === invite.taskSid)) continue;
      const accepted = this.taskRouter()
        .reservationsFor(invite.workspaceSid, invite.taskSid)
        .find((reservation) => ['accepted', 'wrapping', 'completed'].includes(reservation.status));
      if (!accepted) continue;
      const participant: InteractionParticipantState = {
        sid: newSid('UT'),
        interactionSid: channel.interactionSid,
        channelSid: channel.sid,
        type: 'agent',
        status: accepted.status === 'wrapping' ? 'wrapup' : accepted.status === 'completed' ? 'closed' : 'active',
        taskSid: invite.taskSid,
        workerSid: accepted.workerSid,
        reservationSid: accepted.sid,
      };
      channel.participants.set(participant.sid, participant);
    }
  }

  private flexTaskAttributes(
    interaction: InteractionState,
    inviteSid: string,
    routing: RoutingProperties,
  ): Record<string, unknown> {
    const channel = interaction.channel;
    const customerAddress = this.customerAddress(channel);
    const inbound = channel.initiatedBy === 'customer';
    return {
      channelType: channel.type,
      customerAddress,
      initiatedBy: channel.initiatedBy,
      direction: inbound ? 'inbound' : 'outbound',
      conversations: {
        conversation_id: interaction.sid,
        initiated_by: channel.initiatedBy,
        media: [{ type: 'ChatTranscript', sid: channel.conversationSid }],
      },
      ...routing.attributes,
      conversationSid: channel.conversationSid,
      flexInteractionSid: interaction.sid,
      flexInteractionChannelSid: channel.sid,
      flexChannelInviteSid: inviteSid,
    };
  }

  private customerAddress(channel: InteractionChannelState): string | undefined {
    const customer = [...channel.participants.values()].find(
      (participant) => participant.type === 'customer' && participant.conversationParticipantSid,
    );
    if (!customer) return undefined;
    const conversation = this.conversations().findConversation(channel.conversationSid);
    const member = conversation?.participants.get(customer.conversationParticipantSid!);
    return member?.messagingBinding?.address ?? member?.identity ?? undefined;
  }

  private checkRouting(routing: RoutingProperties): void {
    if (!/^WS[0-9a-f]{32}$/i.test(routing.workspace_sid ?? ''))
      throw invalidParameter('Routing properties.workspace_sid is required');
    if (!routing.workflow_sid) {
      const problem =
        'Simulator gap: Routing without workflow_sid (queue_sid/worker_sid routing) is not implemented; ' +
        'the TaskRouter simulator routes by workflow';
      this.sim.violations.push({ method: 'POST', path: '/flex-api/v1/Interactions', problems: [problem] });
      throw new TwilioApiError(501, 20501, problem);
    }
  }

  // ---- lookups and JSON -------------------------------------------------------------------

  private interaction(sid: string): InteractionState {
    const interaction = this.interactions.get(sid);
    if (!interaction) throw notFound(`/Interactions/${sid}`);
    return interaction;
  }

  private channelFor(req: SimRequest, param: 'Sid' | 'ChannelSid'): InteractionChannelState {
    const interaction = this.interaction(req.pathParams.InteractionSid);
    if (interaction.channel.sid !== req.pathParams[param])
      throw notFound(`/Interactions/${interaction.sid}/Channels/${req.pathParams[param]}`);
    return interaction.channel;
  }

  /** Finished tasks disappear from TaskRouter after a while; Flex keeps its own records. */
  private findTask(workspaceSid: string, taskSid: string): TaskState | undefined {
    try {
      return this.taskRouter().getTask(workspaceSid, taskSid);
    } catch (error) {
      if (error instanceof TwilioApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  private conversations(): ConversationsSim {
    return this.sim.module<ConversationsSim>('conversations');
  }

  private taskRouter(): TaskRouterSim {
    return this.sim.module<TaskRouterSim>('taskrouter');
  }

  private interactionJson(interaction: InteractionState): Record<string, unknown> {
    const url = `${HOST}/v1/Interactions/${interaction.sid}`;
    const first = interaction.channel.invites[0];
    return {
      sid: interaction.sid,
      channel: { type: interaction.channel.type, sid: interaction.channel.sid },
      routing: first ? this.routingJson(first) : null,
      interaction_context_sid: interaction.interactionContextSid,
      webhook_ttid: interaction.webhookTtid,
      url,
      links: { channels: `${url}/Channels` },
    };
  }

  private inviteJson(invite: InviteState): Record<string, unknown> {
    return {
      sid: invite.sid,
      interaction_sid: invite.interactionSid,
      channel_sid: invite.channelSid,
      routing: this.routingJson(invite),
      url: `${HOST}/v1/Interactions/${invite.interactionSid}/Channels/${invite.channelSid}/Invites/${invite.sid}`,
    };
  }

  /** Flex answers with the task it made: `{reservation, properties: <task>}`. */
  private routingJson(invite: InviteState): Record<string, unknown> {
    const task = this.findTask(invite.workspaceSid, invite.taskSid);
    if (!task) return { reservation: null, properties: { sid: invite.taskSid, workspace_sid: invite.workspaceSid } };
    const seconds = (ms: number): number => Math.floor(ms / 1000);
    const now = this.sim.clock.now();
    return {
      reservation: null,
      properties: {
        sid: task.sid,
        account_sid: this.sim.accountSid,
        workspace_sid: task.workspaceSid,
        workflow_sid: task.workflowSid,
        queue_sid: task.taskQueueSid ?? null,
        attributes: JSON.stringify(task.attributes),
        assignment_status: task.assignmentStatus,
        priority: task.priority,
        timeout: task.timeout,
        reason: task.reason ?? '',
        task_channel_sid: task.taskChannelSid,
        task_channel_unique_name: task.taskChannelUniqueName,
        date_created: seconds(task.dateCreated),
        date_updated: seconds(task.dateUpdated),
        age: seconds(now - task.dateCreated),
        task_queue_entered_date: task.taskQueueEnteredAt === undefined ? null : seconds(task.taskQueueEnteredAt),
        routing_target: invite.routing.worker_sid ?? null,
        addons: '{}',
      },
    };
  }
}

// ---- helpers --------------------------------------------------------------------------------

function str(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonParam(form: Params, key: string): Record<string, unknown> | undefined {
  const raw = str(form, key);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter(`${key} must be a JSON object`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalidParameter(`${key} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function routingProperties(routing: Record<string, unknown>): RoutingProperties {
  const properties = routing.properties;
  if (!properties || typeof properties !== 'object') throw invalidParameter('Routing must be {"properties": {...}}');
  const result = { ...(properties as Record<string, unknown>) } as unknown as RoutingProperties;
  const attributes = (properties as Record<string, unknown>).attributes;
  // Twilio takes attributes as an object or as its JSON string.
  if (typeof attributes === 'string') {
    try {
      result.attributes = JSON.parse(attributes) as Record<string, unknown>;
    } catch {
      throw invalidParameter('Routing properties.attributes is not valid JSON');
    }
  }
  return result;
}

function checkChannel(input: InteractionChannelInput | undefined): void {
  if (!input || !CHANNEL_TYPES.includes(input.type))
    throw invalidParameter(`Channel.type must be one of ${CHANNEL_TYPES.join(', ')}`);
  const mediaChannelSid = input.properties?.media_channel_sid;
  if (mediaChannelSid !== undefined && !/^CH[0-9a-f]{32}$/i.test(mediaChannelSid))
    throw invalidParameter('Channel.properties.media_channel_sid must be a conversation SID (CH...)');
}

function customerEndpoint(
  channelType: NonNullable<InboundConversationOptions['channelType']>,
  from: string,
  to: string,
): { identity?: string; address?: string; proxyAddress?: string; source: EventSource } {
  if (channelType === 'sms') return { address: from, proxyAddress: to, source: 'SMS' };
  if (channelType === 'whatsapp')
    return { address: withPrefix('whatsapp:', from), proxyAddress: withPrefix('whatsapp:', to), source: 'WHATSAPP' };
  return { identity: from, source: 'SDK' };
}

function withPrefix(prefix: string, value: string): string {
  return value.startsWith(prefix) ? value : prefix + value;
}

function channelJson(channel: InteractionChannelState): Record<string, unknown> {
  const url = `${HOST}/v1/Interactions/${channel.interactionSid}/Channels/${channel.sid}`;
  return {
    sid: channel.sid,
    interaction_sid: channel.interactionSid,
    type: channel.type,
    status: channel.status,
    error_code: null,
    error_message: null,
    url,
    links: { participants: `${url}/Participants`, invites: `${url}/Invites`, transfers: `${url}/Transfers` },
  };
}

function participantJson(participant: InteractionParticipantState): Record<string, unknown> {
  return {
    sid: participant.sid,
    type: participant.type,
    interaction_sid: participant.interactionSid,
    channel_sid: participant.channelSid,
    routing_properties: participant.taskSid
      ? {
          task_sid: participant.taskSid,
          worker_sid: participant.workerSid,
          reservation_sid: participant.reservationSid,
        }
      : null,
    url:
      `${HOST}/v1/Interactions/${participant.interactionSid}` +
      `/Channels/${participant.channelSid}/Participants/${participant.sid}`,
  };
}

function ok(body: unknown): SimResponse {
  return { status: 200, body };
}
