// Twilio Conversations (conversations.twilio.com/v1) for the simulator: Services, their webhook
// configuration, the account's Configuration (default service) and Address Configurations (read
// only: seeded by tests), Conversations, Messages and Participants, with post-event webhooks sent the way
// Twilio sends them (form-encoded, signed, 5 s timeout, RetryCount).
//
// Error codes (Twilio's error dictionary): 50377 conversation is closed (HTTP 400), 50504 message
// body too long, 50304 attributes not valid JSON, 50503 message without body, 50353 unique name
// taken (409), 50433 participant identity already in the conversation (409), 50416 address +
// proxy address already bound to another open conversation (409), 50211 Identity together with
// an address binding.
import { isoDate } from './clock';
import { invalidParameter, notFound, TwilioApiError } from './errors';
import type { Params } from './openapi';
import { newSid } from './sids';
import {
  page,
  type SimRequest,
  type SimResponse,
  type SimulatorModule,
  type TwilioSimulator,
  type WebhookDelivery,
} from './simulator';

export type ConversationLifecycle = 'initializing' | 'active' | 'inactive' | 'closed';
export type EventSource = 'API' | 'SDK' | 'SMS' | 'WHATSAPP';
export type ConversationsEvent = 'onConversationAdded' | 'onParticipantAdded' | 'onMessageAdded';

export const MAX_BODY_LENGTH = 1600;
const WEBHOOK_TIMEOUT_MS = 5000;
const MIN_INACTIVE_MS = 60_000;
const MIN_CLOSED_MS = 600_000;
const HOST = 'https://conversations.twilio.com';

export interface WebhookConfiguration {
  preWebhookUrl: string | null;
  postWebhookUrl: string | null;
  filters: string[];
  method: 'GET' | 'POST' | null;
}

export interface MessagingBinding {
  type: 'sms' | 'whatsapp';
  address: string;
  proxyAddress: string;
}

export interface ParticipantState {
  sid: string;
  serviceSid: string;
  conversationSid: string;
  identity: string | null;
  attributes: string;
  messagingBinding: MessagingBinding | null;
  roleSid: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface MediaState {
  sid: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface MessageState {
  sid: string;
  serviceSid: string;
  conversationSid: string;
  index: number;
  author: string;
  body: string | null;
  attributes: string;
  participantSid: string | null;
  media: MediaState[] | null;
  source: EventSource;
  dateCreated: number;
  dateUpdated: number;
}

export interface ConversationTimers {
  inactiveMs?: number;
  closedMs?: number;
  dateInactive?: number;
  dateClosed?: number;
}

export interface ConversationState {
  sid: string;
  serviceSid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  attributes: string;
  state: ConversationLifecycle;
  messagingServiceSid: string | null;
  timers: ConversationTimers;
  messages: MessageState[];
  participants: Map<string, ParticipantState>;
  nextIndex: number;
  dateCreated: number;
  dateUpdated: number;
}

export interface ServiceState {
  sid: string;
  friendlyName: string;
  participantRoleSid: string;
  webhooks: WebhookConfiguration;
  conversations: Map<string, ConversationState>;
  dateCreated: number;
  dateUpdated: number;
}

export interface CreateConversationOptions {
  friendlyName?: string;
  uniqueName?: string;
  attributes?: object;
  /** The messaging binding that started the conversation (autocreation); reported in onConversationAdded. */
  binding?: { address: string; proxyAddress: string };
  source?: EventSource;
}

export interface AddParticipantOptions {
  identity?: string;
  address?: string;
  proxyAddress?: string;
  attributes?: object;
  source?: EventSource;
}

export interface CustomerMessageOptions {
  author: string;
  body: string;
  source?: 'SMS' | 'WHATSAPP' | 'SDK';
  attributes?: object;
  media?: { filename: string; contentType: string; size: number }[];
}

/** An Address Configuration: an SMS or WhatsApp number and what creates a conversation for it. */
export interface AddressState {
  sid: string;
  type: 'sms' | 'whatsapp';
  address: string;
  friendlyName: string;
  /** Twilio's `auto_creation` object, as it answers it. */
  autoCreation: {
    enabled: boolean;
    type: 'studio' | 'webhook' | 'default';
    conversation_service_sid: string | null;
    studio_flow_sid?: string;
    studio_retry_count?: number;
    webhook_url?: string;
    webhook_method?: 'POST' | 'GET';
    webhook_filters?: string[];
  };
  dateCreated: number;
}

interface ConversationTimerHandles {
  inactive?: number;
  closed?: number;
}

export class ConversationsSim implements SimulatorModule {
  readonly services = new Map<string, ServiceState>();
  readonly addresses = new Map<string, AddressState>();
  /** The account's Default Conversation Service (Conversations → Manage → Defaults). */
  defaultServiceSid: string | null = null;
  private sim!: TwilioSimulator;
  private readonly timerHandles = new Map<string, ConversationTimerHandles>();

  register(sim: TwilioSimulator): void {
    this.sim = sim;
    this.registerServiceRoutes(sim);
    this.registerAccountRoutes(sim);
    this.registerConversationRoutes(sim);
    this.registerMessageRoutes(sim);
    this.registerParticipantRoutes(sim);
    sim.inspectionAction('/__sim/conversations/customer-message', (body) => {
      const message = this.receiveCustomerMessage(String(body.serviceSid), String(body.conversationSid), {
        author: String(body.author),
        body: String(body.body ?? ''),
      });
      return { sid: message.sid, index: message.index };
    });
  }

  reset(): void {
    for (const handles of this.timerHandles.values()) this.cancelTimers(handles);
    this.timerHandles.clear();
    this.services.clear();
    this.addresses.clear();
    this.defaultServiceSid = null;
  }

  snapshot(): unknown {
    return [...this.services.values()].map((service) => ({
      ...service,
      webhooks: { ...service.webhooks },
      conversations: [...service.conversations.values()].map((conversation) => ({
        ...conversation,
        messages: conversation.messages.map((message) => ({ ...message })),
        participants: [...conversation.participants.values()].map((participant) => ({ ...participant })),
      })),
    }));
  }

  // ---- programmatic API -------------------------------------------------------------------

  createService(friendlyName: string): ServiceState {
    const now = this.now();
    const service: ServiceState = {
      sid: newSid('IS'),
      friendlyName,
      participantRoleSid: newSid('RL'),
      webhooks: { preWebhookUrl: null, postWebhookUrl: null, filters: [], method: null },
      conversations: new Map(),
      dateCreated: now,
      dateUpdated: now,
    };
    this.services.set(service.sid, service);
    return service;
  }

  /** An address routed to Flex as the Console sets it up: through a Studio flow or a webhook. */
  addAddress(opts: {
    address: string;
    type?: 'sms' | 'whatsapp';
    studioFlowSid?: string;
    webhookUrl?: string;
    serviceSid?: string;
    enabled?: boolean;
  }): AddressState {
    const serviceSid = opts.serviceSid ?? this.defaultServiceSid;
    const route = opts.studioFlowSid
      ? { type: 'studio' as const, studio_flow_sid: opts.studioFlowSid, studio_retry_count: 3 }
      : opts.webhookUrl
        ? {
            type: 'webhook' as const,
            webhook_url: opts.webhookUrl,
            webhook_method: 'POST' as const,
            webhook_filters: ['onMessageAdded'],
          }
        : { type: 'default' as const };
    const address: AddressState = {
      sid: newSid('IG'),
      type: opts.type ?? 'sms',
      address: opts.address,
      friendlyName: opts.address,
      autoCreation: { enabled: opts.enabled ?? true, conversation_service_sid: serviceSid, ...route },
      dateCreated: this.now(),
    };
    this.addresses.set(address.sid, address);
    return address;
  }

  /** A conversation created outside the REST API (autocreation, Flex): always fires onConversationAdded. */
  createConversation(serviceSid: string, opts: CreateConversationOptions = {}): ConversationState {
    const service = this.service(serviceSid);
    const conversation = this.insertConversation(service, {
      friendlyName: opts.friendlyName ?? null,
      uniqueName: opts.uniqueName ?? null,
      attributes: JSON.stringify(opts.attributes ?? {}),
      state: 'active',
      messagingServiceSid: null,
    });
    this.fireConversationAdded(service, conversation, opts.source ?? 'API', opts.binding);
    return conversation;
  }

  /** A participant added outside the REST API: always fires onParticipantAdded. */
  addParticipant(serviceSid: string, conversationSid: string, opts: AddParticipantOptions): ParticipantState {
    const service = this.service(serviceSid);
    const conversation = this.conversation(service, conversationSid);
    const participant = this.insertParticipant(service, conversation, {
      identity: opts.identity,
      address: opts.address,
      proxyAddress: opts.proxyAddress,
      attributes: JSON.stringify(opts.attributes ?? {}),
    });
    this.fireParticipantAdded(service, conversation, participant, opts.source ?? 'API');
    return participant;
  }

  /** A message the customer sent (SMS, WhatsApp, chat SDK): stored, and onMessageAdded always fires. */
  receiveCustomerMessage(serviceSid: string, conversationSid: string, opts: CustomerMessageOptions): MessageState {
    const service = this.service(serviceSid);
    const conversation = this.conversation(service, conversationSid);
    const participant = findAuthor(conversation, opts.author);
    const source = opts.source ?? sourceOf(participant);
    const media = opts.media?.map((item) => ({ sid: newSid('ME'), ...item })) ?? null;
    const message = this.insertMessage(conversation, {
      author: opts.author,
      body: opts.body,
      attributes: opts.attributes ? JSON.stringify(opts.attributes) : undefined,
      media,
      source,
    });
    this.fireMessageAdded(service, conversation, message);
    return message;
  }

  /** Re-sends a recorded Conversations webhook with RetryCount=n, as Twilio's retry does. */
  redeliver(deliverySeq: number, retryCount: number): Promise<WebhookDelivery> {
    const original = this.sim.webhooks.find(
      (delivery) => delivery.seq === deliverySeq && delivery.kind === 'conversations',
    );
    if (!original) throw new Error(`no Conversations webhook delivery #${deliverySeq}`);
    return this.sim.deliverWebhook(
      'conversations',
      original.url,
      withRetryCount(original.params, retryCount),
      WEBHOOK_TIMEOUT_MS,
      { of: original },
    );
  }

  messages(serviceSid: string, conversationSid: string): MessageState[] {
    return [...this.conversation(this.service(serviceSid), conversationSid).messages];
  }

  participants(serviceSid: string, conversationSid: string): ParticipantState[] {
    return [...this.conversation(this.service(serviceSid), conversationSid).participants.values()];
  }

  getConversation(serviceSid: string, conversationSid: string): ConversationState {
    return this.conversation(this.service(serviceSid), conversationSid);
  }

  /** The conversation with this SID in whichever service holds it. */
  findConversation(conversationSid: string): ConversationState | undefined {
    for (const service of this.services.values()) {
      const found = service.conversations.get(conversationSid);
      if (found) return found;
    }
    return undefined;
  }

  setConversationState(serviceSid: string, conversationSid: string, state: ConversationLifecycle): ConversationState {
    const conversation = this.conversation(this.service(serviceSid), conversationSid);
    this.changeState(conversation, state);
    return conversation;
  }

  // ---- routes -----------------------------------------------------------------------------

  private registerAccountRoutes(sim: TwilioSimulator): void {
    sim.route('conversations', 'GET', '/v1/Configuration', () =>
      ok({
        account_sid: sim.accountSid,
        default_chat_service_sid: this.defaultServiceSid,
        default_messaging_service_sid: null,
        default_inactive_timer: null,
        default_closed_timer: null,
        url: `${HOST}/v1/Configuration`,
        links: {
          service: `${HOST}/v1/Services/${this.defaultServiceSid}`,
          webhooks: `${HOST}/v1/Configuration/Webhooks`,
        },
      }),
    );
    sim.route('conversations', 'GET', '/v1/Configuration/Addresses', (req) => {
      const type = str(req.query, 'Type');
      const addresses = [...this.addresses.values()].filter((a) => !type || a.type === type);
      return page(
        req,
        'address_configurations',
        addresses.map((a) => addressJson(a, sim.accountSid)),
        type ? `Type=${type}` : '',
      );
    });
    sim.route('conversations', 'GET', '/v1/Configuration/Addresses/{Sid}', (req) => {
      const address =
        this.addresses.get(req.pathParams.Sid) ??
        [...this.addresses.values()].find((a) => a.address === req.pathParams.Sid);
      if (!address) throw notFound(`/Configuration/Addresses/${req.pathParams.Sid}`);
      return ok(addressJson(address, sim.accountSid));
    });
  }

  private registerServiceRoutes(sim: TwilioSimulator): void {
    sim.route('conversations', 'POST', '/v1/Services', (req) =>
      created(serviceJson(this.createService(str(req.form, 'FriendlyName') ?? ''), sim.accountSid)),
    );
    sim.route('conversations', 'GET', '/v1/Services', (req) =>
      page(
        req,
        'services',
        [...this.services.values()].map((service) => serviceJson(service, sim.accountSid)),
      ),
    );
    sim.route('conversations', 'GET', '/v1/Services/{Sid}', (req) =>
      ok(serviceJson(this.service(req.pathParams.Sid), sim.accountSid)),
    );
    sim.route('conversations', 'DELETE', '/v1/Services/{Sid}', (req) => {
      const service = this.service(req.pathParams.Sid);
      for (const conversation of service.conversations.values()) this.dropTimers(conversation.sid);
      this.services.delete(service.sid);
      return { status: 204 };
    });
    const webhooks = '/v1/Services/{ChatServiceSid}/Configuration/Webhooks';
    sim.route('conversations', 'GET', webhooks, (req) =>
      ok(webhookConfigJson(this.service(req.pathParams.ChatServiceSid), sim.accountSid)),
    );
    sim.route('conversations', 'POST', webhooks, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      updateWebhookConfiguration(service.webhooks, req.form);
      service.dateUpdated = this.now();
      return ok(webhookConfigJson(service, sim.accountSid));
    });
  }

  private registerConversationRoutes(sim: TwilioSimulator): void {
    const collection = '/v1/Services/{ChatServiceSid}/Conversations';
    const instance = `${collection}/{Sid}`;
    sim.route('conversations', 'POST', collection, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      const conversation = this.insertConversation(service, {
        friendlyName: str(req.form, 'FriendlyName') ?? null,
        uniqueName: str(req.form, 'UniqueName') ?? null,
        attributes: jsonAttributes(str(req.form, 'Attributes')) ?? '{}',
        state: (str(req.form, 'State') as ConversationLifecycle | undefined) ?? 'active',
        messagingServiceSid: str(req.form, 'MessagingServiceSid') ?? null,
        timers: parseTimers(req.form),
      });
      if (webhookEnabled(req)) this.fireConversationAdded(service, conversation, 'API');
      return created(conversationJson(conversation, sim.accountSid));
    });
    sim.route('conversations', 'GET', collection, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      const state = str(req.query, 'State');
      const items = [...service.conversations.values()].filter(
        (conversation) => !state || conversation.state === state,
      );
      return page(
        req,
        'conversations',
        items.map((conversation) => conversationJson(conversation, sim.accountSid)),
      );
    });
    sim.route('conversations', 'GET', instance, (req) =>
      ok(conversationJson(this.conversationFor(req, 'Sid'), sim.accountSid)),
    );
    sim.route('conversations', 'POST', instance, (req) => {
      const conversation = this.conversationFor(req, 'Sid');
      this.updateConversation(conversation, req.form);
      return ok(conversationJson(conversation, sim.accountSid));
    });
    sim.route('conversations', 'DELETE', instance, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      const conversation = this.conversation(service, req.pathParams.Sid);
      this.dropTimers(conversation.sid);
      service.conversations.delete(conversation.sid);
      return { status: 204 };
    });
  }

  private registerMessageRoutes(sim: TwilioSimulator): void {
    const collection = '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages';
    const instance = `${collection}/{Sid}`;
    sim.route('conversations', 'POST', collection, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      const conversation = this.conversation(service, req.pathParams.ConversationSid);
      const body = str(req.form, 'Body');
      if (body === undefined && !str(req.form, 'MediaSid') && !str(req.form, 'ContentSid')) {
        throw new TwilioApiError(400, 50503, 'Message body not provided');
      }
      const message = this.insertMessage(conversation, {
        author: str(req.form, 'Author') ?? 'system',
        body: body ?? null,
        attributes: jsonAttributes(str(req.form, 'Attributes')),
        media: null,
        source: 'API',
      });
      if (webhookEnabled(req)) this.fireMessageAdded(service, conversation, message);
      return created(messageJson(message, sim.accountSid));
    });
    sim.route('conversations', 'GET', collection, (req) => {
      const conversation = this.conversationFor(req, 'ConversationSid');
      const order = str(req.query, 'Order');
      const ordered = order === 'desc' ? [...conversation.messages].reverse() : conversation.messages;
      return page(
        req,
        'messages',
        ordered.map((message) => messageJson(message, sim.accountSid)),
        // The next page keeps the order, as Twilio's next_page_url does.
        order ? `Order=${encodeURIComponent(order)}` : '',
      );
    });
    sim.route('conversations', 'GET', instance, (req) => ok(messageJson(this.messageFor(req), sim.accountSid)));
    sim.route('conversations', 'POST', instance, (req) => {
      const message = this.messageFor(req);
      assertOpen(this.conversationFor(req, 'ConversationSid'));
      const body = str(req.form, 'Body');
      if (body !== undefined) message.body = checkBody(body);
      message.attributes = jsonAttributes(str(req.form, 'Attributes')) ?? message.attributes;
      message.author = str(req.form, 'Author') ?? message.author;
      message.dateUpdated = this.now();
      return ok(messageJson(message, sim.accountSid));
    });
    sim.route('conversations', 'DELETE', instance, (req) => {
      const conversation = this.conversationFor(req, 'ConversationSid');
      const message = this.messageFor(req);
      conversation.messages = conversation.messages.filter((item) => item !== message);
      return { status: 204 };
    });
  }

  private registerParticipantRoutes(sim: TwilioSimulator): void {
    const collection = '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Participants';
    const instance = `${collection}/{Sid}`;
    sim.route('conversations', 'POST', collection, (req) => {
      const service = this.service(req.pathParams.ChatServiceSid);
      const conversation = this.conversation(service, req.pathParams.ConversationSid);
      const participant = this.insertParticipant(service, conversation, {
        identity: str(req.form, 'Identity'),
        address: str(req.form, 'MessagingBinding.Address'),
        proxyAddress: str(req.form, 'MessagingBinding.ProxyAddress'),
        attributes: jsonAttributes(str(req.form, 'Attributes')) ?? '{}',
        roleSid: str(req.form, 'RoleSid'),
      });
      if (webhookEnabled(req)) this.fireParticipantAdded(service, conversation, participant, 'API');
      return created(participantJson(participant, sim.accountSid));
    });
    sim.route('conversations', 'GET', collection, (req) => {
      const conversation = this.conversationFor(req, 'ConversationSid');
      return page(
        req,
        'participants',
        [...conversation.participants.values()].map((participant) => participantJson(participant, sim.accountSid)),
      );
    });
    sim.route('conversations', 'GET', instance, (req) => ok(participantJson(this.participantFor(req), sim.accountSid)));
    sim.route('conversations', 'DELETE', instance, (req) => {
      const participant = this.participantFor(req);
      this.conversationFor(req, 'ConversationSid').participants.delete(participant.sid);
      return { status: 204 };
    });
  }

  // ---- state changes ----------------------------------------------------------------------

  private insertConversation(
    service: ServiceState,
    fields: Pick<ConversationState, 'friendlyName' | 'uniqueName' | 'attributes' | 'state' | 'messagingServiceSid'> & {
      timers?: ConversationTimers;
    },
  ): ConversationState {
    if (fields.uniqueName && findByUniqueName(service, fields.uniqueName)) {
      throw new TwilioApiError(409, 50353, 'Conversation with provided unique name already exists');
    }
    const now = this.now();
    const conversation: ConversationState = {
      sid: newSid('CH'),
      serviceSid: service.sid,
      ...fields,
      timers: fields.timers ?? {},
      messages: [],
      participants: new Map(),
      nextIndex: 0,
      dateCreated: now,
      dateUpdated: now,
    };
    service.conversations.set(conversation.sid, conversation);
    this.armTimers(conversation);
    return conversation;
  }

  private updateConversation(conversation: ConversationState, form: Params): void {
    assertOpen(conversation);
    const attributes = jsonAttributes(str(form, 'Attributes'));
    if (attributes !== undefined) conversation.attributes = attributes;
    conversation.friendlyName = str(form, 'FriendlyName') ?? conversation.friendlyName;
    conversation.uniqueName = str(form, 'UniqueName') ?? conversation.uniqueName;
    conversation.messagingServiceSid = str(form, 'MessagingServiceSid') ?? conversation.messagingServiceSid;
    const timers = parseTimers(form);
    if (timers.inactiveMs !== undefined) conversation.timers.inactiveMs = timers.inactiveMs;
    if (timers.closedMs !== undefined) conversation.timers.closedMs = timers.closedMs;
    conversation.dateUpdated = this.now();
    const state = str(form, 'State') as ConversationLifecycle | undefined;
    if (state) this.changeState(conversation, state);
    this.armTimers(conversation);
  }

  private changeState(conversation: ConversationState, state: ConversationLifecycle): void {
    conversation.state = state;
    conversation.dateUpdated = this.now();
    if (state === 'closed') this.dropTimers(conversation.sid);
  }

  private insertMessage(
    conversation: ConversationState,
    fields: {
      author: string;
      body: string | null;
      attributes?: string;
      media: MediaState[] | null;
      source: EventSource;
    },
  ): MessageState {
    assertOpen(conversation);
    const body = fields.body === null ? null : checkBody(fields.body);
    const now = this.now();
    const message: MessageState = {
      sid: newSid('IM'),
      serviceSid: conversation.serviceSid,
      conversationSid: conversation.sid,
      index: conversation.nextIndex++,
      author: fields.author,
      body,
      attributes: fields.attributes ?? '{}',
      participantSid: findAuthor(conversation, fields.author)?.sid ?? null,
      media: fields.media,
      source: fields.source,
      dateCreated: now,
      dateUpdated: now,
    };
    conversation.messages.push(message);
    if (conversation.state === 'inactive') conversation.state = 'active';
    conversation.dateUpdated = now;
    this.armTimers(conversation);
    return message;
  }

  private insertParticipant(
    service: ServiceState,
    conversation: ConversationState,
    fields: { identity?: string; address?: string; proxyAddress?: string; attributes: string; roleSid?: string },
  ): ParticipantState {
    assertOpen(conversation);
    const binding = bindingFor(service, fields);
    if (fields.identity && [...conversation.participants.values()].some((p) => p.identity === fields.identity)) {
      throw new TwilioApiError(409, 50433, 'Participant already exists');
    }
    const now = this.now();
    const participant: ParticipantState = {
      sid: newSid('MB'),
      serviceSid: service.sid,
      conversationSid: conversation.sid,
      identity: fields.identity ?? null,
      attributes: fields.attributes,
      messagingBinding: binding,
      roleSid: fields.roleSid ?? service.participantRoleSid,
      dateCreated: now,
      dateUpdated: now,
    };
    conversation.participants.set(participant.sid, participant);
    return participant;
  }

  /**
   * Timers count from the last activity: Timers.Inactive moves
   * an active conversation to inactive, Timers.Closed closes it.
   */
  private armTimers(conversation: ConversationState): void {
    const handles = this.timerHandles.get(conversation.sid) ?? {};
    this.cancelTimers(handles);
    this.timerHandles.set(conversation.sid, handles);
    if (conversation.state === 'closed') return;
    const now = this.now();
    const { inactiveMs, closedMs } = conversation.timers;
    conversation.timers.dateInactive = inactiveMs !== undefined ? now + inactiveMs : undefined;
    conversation.timers.dateClosed = closedMs !== undefined ? now + closedMs : undefined;
    if (inactiveMs !== undefined) {
      handles.inactive = this.sim.clock.schedule(inactiveMs, () => {
        if (conversation.state === 'active') this.changeState(conversation, 'inactive');
      });
    }
    if (closedMs !== undefined)
      handles.closed = this.sim.clock.schedule(closedMs, () => this.changeState(conversation, 'closed'));
  }

  private cancelTimers(handles: ConversationTimerHandles): void {
    this.sim.clock.cancel(handles.inactive);
    this.sim.clock.cancel(handles.closed);
    handles.inactive = handles.closed = undefined;
  }

  private dropTimers(conversationSid: string): void {
    const handles = this.timerHandles.get(conversationSid);
    if (handles) this.cancelTimers(handles);
    this.timerHandles.delete(conversationSid);
  }

  // ---- webhooks ---------------------------------------------------------------------------

  private fireConversationAdded(
    service: ServiceState,
    conversation: ConversationState,
    source: EventSource,
    binding?: { address: string; proxyAddress: string },
  ): void {
    this.emit(service, 'onConversationAdded', conversation, source, {
      FriendlyName: conversation.friendlyName ?? undefined,
      UniqueName: conversation.uniqueName ?? undefined,
      State: conversation.state,
      Attributes: conversation.attributes,
      DateCreated: isoDate(conversation.dateCreated),
      'MessagingBinding.Address': binding?.address,
      'MessagingBinding.ProxyAddress': binding?.proxyAddress,
    });
  }

  private fireParticipantAdded(
    service: ServiceState,
    conversation: ConversationState,
    participant: ParticipantState,
    source: EventSource,
  ): void {
    this.emit(service, 'onParticipantAdded', conversation, source, {
      ParticipantSid: participant.sid,
      Identity: participant.identity ?? undefined,
      RoleSid: participant.roleSid,
      Attributes: participant.attributes,
      DateCreated: isoDate(participant.dateCreated),
      'MessagingBinding.Type': participant.messagingBinding?.type,
      'MessagingBinding.Address': participant.messagingBinding?.address,
      'MessagingBinding.ProxyAddress': participant.messagingBinding?.proxyAddress,
    });
  }

  private fireMessageAdded(service: ServiceState, conversation: ConversationState, message: MessageState): void {
    this.emit(service, 'onMessageAdded', conversation, message.source, {
      MessageSid: message.sid,
      Index: String(message.index),
      DateCreated: isoDate(message.dateCreated),
      Body: message.body ?? undefined,
      Author: message.author,
      ParticipantSid: message.participantSid ?? undefined,
      Attributes: message.attributes,
      ClientIdentity: message.source === 'SDK' ? message.author : undefined,
      Media: message.media ? JSON.stringify(message.media.map(mediaWebhookJson)) : undefined,
    });
  }

  private emit(
    service: ServiceState,
    eventType: ConversationsEvent,
    conversation: ConversationState,
    source: EventSource,
    fields: Record<string, string | undefined>,
  ): void {
    const url = service.webhooks.postWebhookUrl;
    if (!url || !service.webhooks.filters.includes(eventType)) return;
    const params: Record<string, string> = {
      EventType: eventType,
      AccountSid: this.sim.accountSid,
      ChatServiceSid: service.sid,
      ConversationSid: conversation.sid,
      Source: source,
      RetryCount: '0',
    };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) params[key] = value;
    const retry = this.sim.switches.conversationsRetriesTimedOutWebhooks;
    void this.sim.deliverEvent('conversations', url, params, WEBHOOK_TIMEOUT_MS, retry, (sent) =>
      withRetryCount(sent, 1),
    );
  }

  // ---- lookups ----------------------------------------------------------------------------

  private service(sid: string): ServiceState {
    const service = this.services.get(sid);
    if (!service) throw notFound(`/Services/${sid}`);
    return service;
  }

  /** Twilio accepts a conversation's SID or its unique name wherever a conversation SID goes. */
  private conversation(service: ServiceState, sidOrUniqueName: string): ConversationState {
    const conversation = service.conversations.get(sidOrUniqueName) ?? findByUniqueName(service, sidOrUniqueName);
    if (!conversation) throw notFound(`/Services/${service.sid}/Conversations/${sidOrUniqueName}`);
    return conversation;
  }

  private conversationFor(req: SimRequest, param: 'Sid' | 'ConversationSid'): ConversationState {
    return this.conversation(this.service(req.pathParams.ChatServiceSid), req.pathParams[param]);
  }

  private messageFor(req: SimRequest): MessageState {
    const conversation = this.conversationFor(req, 'ConversationSid');
    const sid = req.pathParams.Sid;
    const message = conversation.messages.find((item) => item.sid === sid || String(item.index) === sid);
    if (!message) throw notFound(`/Conversations/${conversation.sid}/Messages/${sid}`);
    return message;
  }

  private participantFor(req: SimRequest): ParticipantState {
    const conversation = this.conversationFor(req, 'ConversationSid');
    const sid = req.pathParams.Sid;
    const participant =
      conversation.participants.get(sid) ?? [...conversation.participants.values()].find((p) => p.identity === sid);
    if (!participant) throw notFound(`/Conversations/${conversation.sid}/Participants/${sid}`);
    return participant;
  }

  private now(): number {
    return this.sim.clock.now();
  }
}

// ---- helpers --------------------------------------------------------------------------------

function str(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

function strings(params: Params, key: string): string[] | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

function withRetryCount(params: Record<string, string>, retryCount: number): Record<string, string> {
  return { ...params, RetryCount: String(retryCount) };
}

function webhookEnabled(req: SimRequest): boolean {
  return String(req.headers['x-twilio-webhook-enabled'] ?? '').toLowerCase() === 'true';
}

function assertOpen(conversation: ConversationState): void {
  if (conversation.state === 'closed') {
    throw new TwilioApiError(400, 50377, `Can't update conversation ${conversation.sid} as it's in final closed state`);
  }
}

function checkBody(body: string): string {
  if (body.length > MAX_BODY_LENGTH) {
    throw new TwilioApiError(
      400,
      50504,
      `Message body parameter is too long: ${body.length} characters, at most ${MAX_BODY_LENGTH}`,
    );
  }
  return body;
}

function jsonAttributes(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    JSON.parse(raw);
  } catch {
    throw new TwilioApiError(400, 50304, 'Attributes not valid JSON');
  }
  return raw;
}

function updateWebhookConfiguration(config: WebhookConfiguration, form: Params): void {
  const method = str(form, 'Method');
  if (method !== undefined) {
    const upper = method.toUpperCase();
    if (upper !== 'GET' && upper !== 'POST') throw invalidParameter(`Method must be GET or POST, got ${method}`);
    config.method = upper;
  }
  const post = str(form, 'PostWebhookUrl');
  if (post !== undefined) config.postWebhookUrl = checkUrl('PostWebhookUrl', post);
  const pre = str(form, 'PreWebhookUrl');
  if (pre !== undefined) config.preWebhookUrl = checkUrl('PreWebhookUrl', pre);
  const filters = strings(form, 'Filters');
  if (filters !== undefined) config.filters = filters.filter(Boolean);
  config.method ??= config.postWebhookUrl || config.preWebhookUrl ? 'POST' : null;
}

function checkUrl(name: string, value: string): string | null {
  if (value === '') return null;
  if (!/^https?:\/\/[^\s]+$/.test(value)) throw invalidParameter(`${name} is not a valid URL: ${value}`);
  return value;
}

function parseTimers(form: Params): ConversationTimers {
  const inactive = str(form, 'Timers.Inactive');
  const closed = str(form, 'Timers.Closed');
  return {
    inactiveMs: inactive === undefined ? undefined : timerDuration('Timers.Inactive', inactive, MIN_INACTIVE_MS),
    closedMs: closed === undefined ? undefined : timerDuration('Timers.Closed', closed, MIN_CLOSED_MS),
  };
}

function timerDuration(name: string, value: string, minimumMs: number): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T'))
    throw invalidParameter(`${name} must be an ISO 8601 duration, got ${value}`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  if (ms < minimumMs) throw invalidParameter(`${name} must be at least ${minimumMs / 60000} minutes, got ${value}`);
  return ms;
}

function bindingFor(
  service: ServiceState,
  fields: { identity?: string; address?: string; proxyAddress?: string },
): MessagingBinding | null {
  if (fields.identity && fields.address) {
    throw new TwilioApiError(400, 50211, 'Identity parameter not acceptable for this Participant');
  }
  if (!fields.address) {
    if (!fields.identity) throw invalidParameter('Either Identity or MessagingBinding.Address is required');
    return null;
  }
  if (!fields.proxyAddress)
    throw invalidParameter('MessagingBinding.ProxyAddress is required for a non-chat participant');
  const taken = [...service.conversations.values()].find(
    (other) =>
      other.state !== 'closed' &&
      [...other.participants.values()].some(
        (p) =>
          p.messagingBinding?.address === fields.address && p.messagingBinding?.proxyAddress === fields.proxyAddress,
      ),
  );
  if (taken) {
    throw new TwilioApiError(
      409,
      50416,
      `A binding for this participant and proxy address already exists in Conversation ${taken.sid}`,
    );
  }
  return {
    type: fields.address.startsWith('whatsapp:') ? 'whatsapp' : 'sms',
    address: fields.address,
    proxyAddress: fields.proxyAddress,
  };
}

function findByUniqueName(service: ServiceState, uniqueName: string): ConversationState | undefined {
  return [...service.conversations.values()].find((conversation) => conversation.uniqueName === uniqueName);
}

function findAuthor(conversation: ConversationState, author: string): ParticipantState | undefined {
  return [...conversation.participants.values()].find(
    (p) => p.identity === author || p.messagingBinding?.address === author,
  );
}

function sourceOf(participant: ParticipantState | undefined): EventSource {
  if (participant?.messagingBinding?.type === 'whatsapp') return 'WHATSAPP';
  if (participant?.messagingBinding) return 'SMS';
  return 'SDK';
}

function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

function created(body: unknown): SimResponse {
  return { status: 201, body };
}

// ---- JSON bodies (Twilio's snake_case shapes) -----------------------------------------------

function serviceUrl(serviceSid: string): string {
  return `${HOST}/v1/Services/${serviceSid}`;
}

function conversationUrl(conversation: { serviceSid: string; sid: string }): string {
  return `${serviceUrl(conversation.serviceSid)}/Conversations/${conversation.sid}`;
}

function serviceJson(service: ServiceState, accountSid: string): Record<string, unknown> {
  const url = serviceUrl(service.sid);
  const links = [
    'conversations',
    'users',
    'roles',
    'bindings',
    'configuration',
    'participant_conversations',
    'conversation_with_participants',
  ];
  const paths: Record<string, string> = {
    participant_conversations: 'ParticipantConversations',
    conversation_with_participants: 'ConversationWithParticipants',
  };
  return {
    sid: service.sid,
    account_sid: accountSid,
    friendly_name: service.friendlyName,
    date_created: isoDate(service.dateCreated),
    date_updated: isoDate(service.dateUpdated),
    url,
    links: Object.fromEntries(
      links.map((name) => [name, `${url}/${paths[name] ?? name[0].toUpperCase() + name.slice(1)}`]),
    ),
  };
}

function webhookConfigJson(service: ServiceState, accountSid: string): Record<string, unknown> {
  const config = service.webhooks;
  return {
    account_sid: accountSid,
    chat_service_sid: service.sid,
    pre_webhook_url: config.preWebhookUrl,
    post_webhook_url: config.postWebhookUrl,
    filters: config.filters.length > 0 ? [...config.filters] : null,
    method: config.method,
    url: `${serviceUrl(service.sid)}/Configuration/Webhooks`,
  };
}

function conversationJson(conversation: ConversationState, accountSid: string): Record<string, unknown> {
  const url = conversationUrl(conversation);
  const timers: Record<string, string> = {};
  if (conversation.timers.dateInactive !== undefined) timers.date_inactive = isoDate(conversation.timers.dateInactive);
  if (conversation.timers.dateClosed !== undefined) timers.date_closed = isoDate(conversation.timers.dateClosed);
  return {
    sid: conversation.sid,
    account_sid: accountSid,
    chat_service_sid: conversation.serviceSid,
    messaging_service_sid: conversation.messagingServiceSid,
    friendly_name: conversation.friendlyName,
    unique_name: conversation.uniqueName,
    attributes: conversation.attributes,
    date_created: isoDate(conversation.dateCreated),
    date_updated: isoDate(conversation.dateUpdated),
    state: conversation.state,
    timers,
    bindings: {},
    url,
    links: {
      participants: `${url}/Participants`,
      messages: `${url}/Messages`,
      webhooks: `${url}/Webhooks`,
      export: `${url}/Export`,
    },
  };
}

function messageJson(message: MessageState, accountSid: string): Record<string, unknown> {
  const conversation = conversationUrl({ serviceSid: message.serviceSid, sid: message.conversationSid });
  const url = `${conversation}/Messages/${message.sid}`;
  return {
    sid: message.sid,
    account_sid: accountSid,
    chat_service_sid: message.serviceSid,
    conversation_sid: message.conversationSid,
    body: message.body,
    media:
      message.media?.map((item) => ({
        sid: item.sid,
        size: item.size,
        content_type: item.contentType,
        filename: item.filename,
      })) ?? null,
    author: message.author,
    participant_sid: message.participantSid,
    attributes: message.attributes,
    date_created: isoDate(message.dateCreated),
    date_updated: isoDate(message.dateUpdated),
    index: message.index,
    delivery: null,
    content_sid: null,
    url,
    links: { delivery_receipts: `${url}/Receipts`, channel_metadata: `${url}/ChannelMetadata` },
  };
}

function participantJson(participant: ParticipantState, accountSid: string): Record<string, unknown> {
  const binding = participant.messagingBinding;
  return {
    sid: participant.sid,
    account_sid: accountSid,
    chat_service_sid: participant.serviceSid,
    conversation_sid: participant.conversationSid,
    identity: participant.identity,
    attributes: participant.attributes,
    messaging_binding: binding
      ? { type: binding.type, address: binding.address, proxy_address: binding.proxyAddress }
      : null,
    role_sid: participant.roleSid,
    date_created: isoDate(participant.dateCreated),
    date_updated: isoDate(participant.dateUpdated),
    url:
      conversationUrl({ serviceSid: participant.serviceSid, sid: participant.conversationSid }) +
      `/Participants/${participant.sid}`,
    last_read_message_index: null,
    last_read_timestamp: null,
  };
}

function mediaWebhookJson(media: MediaState): Record<string, unknown> {
  return { Sid: media.sid, Filename: media.filename, ContentType: media.contentType, Size: media.size };
}

function addressJson(address: AddressState, accountSid: string): Record<string, unknown> {
  return {
    sid: address.sid,
    account_sid: accountSid,
    type: address.type,
    address: address.address,
    friendly_name: address.friendlyName,
    auto_creation: address.autoCreation,
    date_created: isoDate(address.dateCreated),
    date_updated: isoDate(address.dateCreated),
    url: `${HOST}/v1/Configuration/Addresses/${address.sid}`,
    address_country: null,
  };
}
