// A whole local contact center: the Twilio and OpenCX simulators, a Flex-like workspace (AI and
// human queues, the two workflow filters, an AI worker and a human agent), a Flex Conversations
// service (named in Flex's configuration and the account's default), our Sync service with the
// saved config, the watchdog's timer workspace, and the Functions running in the real twilio-run,
// with the webhooks registered to them (unless `webhooks: false`). Both simulators share one
// virtual clock: time moves only through advance().
import { SUBSCRIBED_CONVERSATION_EVENTS, SUBSCRIBED_TASKROUTER_EVENTS } from '../../functions/bridge/events';
import { noteKey } from '../../functions/bridge/customer-note';
import { handoffEngagement } from '../../functions/bridge/handoff';
import { CLAIM_MAPS, CONVERSATION_MAPS, STATE_MAPS } from '../../functions/bridge/state';
import { withConfigVersion } from '../../functions/common/config';
import { everyObject, locationOf } from '../../functions/common/shards';
import { createTwilioClient, type TwilioClient } from '../../functions/common/twilio/client';
import { OpenCxSimulator, type OpenCxSimulatorOptions, DEFAULT_API_KEY } from '../simulators/opencx/opencx-simulator';
import type { SimulatorClock } from '../simulators/twilio/clock';
import { ConversationsSim } from '../simulators/twilio/conversations';
import { FlexSim, type InboundConversationOptions } from '../simulators/twilio/flex';
import { IamSim } from '../simulators/twilio/iam';
import { TwilioSimulator } from '../simulators/twilio/simulator';
import { StudioSim } from '../simulators/twilio/studio';
import type { TwilioSwitches } from '../simulators/twilio/switches';
import { SyncSim } from '../simulators/twilio/sync';
import { TaskRouterSim } from '../simulators/twilio/taskrouter';
import { type FunctionsRuntime, type RuntimeMode, startFunctionsRuntime } from './functions-runtime';

export const AI_AUTHOR = 'AI Support Agent';
export const BRIDGE_EVENTS = SUBSCRIBED_TASKROUTER_EVENTS.join(',');
export const CONVERSATION_FILTERS: string[] = [...SUBSCRIBED_CONVERSATION_EVENTS];
export const TIMER_WORKSPACE_NAME = 'OpenCX timers';
export const TIMER_EVENTS = 'task.canceled';
export const AI_ANSWER_TIMEOUT_SECONDS = 60;
export const CUSTOMER_HANDOFF_NOTE = 'Connecting you with a member of our team.';
/** The signing secret the admin copied from OpenCX (Settings → Integrations → Webhooks). */
export const OPENCX_WEBHOOK_SECRET = 'whsec_simulated_opencx_signing_secret';

export interface WorldOptions {
  switches?: Partial<TwilioSwitches>;
  opencx?: OpenCxSimulatorOptions;
  /** The AI filter's reservation timeout, in seconds. */
  aiReservationTimeout?: number;
  /** Start the Functions in twilio-run (default true). */
  functions?: boolean;
  /** Skip saving the config document (the "not configured yet" case). */
  configured?: boolean;
  /** Seed the "OpenCX AI" worker (default true); false leaves it to the settings save. */
  seedAiWorker?: boolean;
  /** How many AI workers to seed as the pool ("OpenCX AI", "OpenCX AI 2"…; default 1). */
  aiWorkers?: number;
  /**
   * Seed the watchdog's timer workspace (default true); false leaves it to the
   * settings save, as on an account the integration was never installed on.
   */
  seedTimerWorkspace?: boolean;
  /** Register both webhooks at the Functions (default true); false leaves them to "Apply fixes". */
  webhooks?: boolean;
  /** Seed the AI queue and the workflow's AI filter (default true); false leaves both to "Apply fixes". */
  aiQueue?: boolean;
  /** The name of the workspace's workflow (default Flex's "Assign to Anyone"). */
  workflowName?: string;
  /**
   * Where the workflow's `handedOff == true` filter is: first
   * (default, as the setup asks), after the AI's filter, or missing.
   */
  handoffFilter?: 'first' | 'after-ai' | 'missing';
  /**
   * The domain the Functions see as their DOMAIN_NAME, e.g. `opencx-flex-4821-dev.twil.io` to run them as
   * deployed (default: twilio-run's `localhost:<port>`). Only with a process per invocation.
   */
  deployedDomain?: string;
  /**
   * Keep the settings in the account's default Sync service (the one
   * Flex agents' tokens read) instead of one of the integration's own.
   */
  settingsInDefaultSyncService?: boolean;
  /** Extra environment variables for the Functions (added to, or replacing, the defaults). */
  functionsEnv?: Record<string, string>;
  /** How twilio-run runs the Functions: a process per invocation (default) or one warm process. */
  runtimeMode?: RuntimeMode;
  /**
   * How long settle() waits for the simulators to go quiet before it calls
   * the run hung (default 30 s); a load run on a busy machine needs longer.
   */
  settleTimeoutMs?: number;
}

export interface StartedConversation {
  conversationSid: string;
  interactionSid: string;
  channelSid: string;
  taskSid: string;
}

export class World {
  readonly twilio: TwilioSimulator;
  readonly opencx: OpenCxSimulator;
  readonly taskrouter = new TaskRouterSim();
  readonly conversations = new ConversationsSim();
  readonly flex = new FlexSim();
  readonly sync = new SyncSim();
  readonly iam = new IamSim();
  readonly studio = new StudioSim();
  functions?: FunctionsRuntime;
  client!: TwilioClient;
  workspaceSid = '';
  workflowSid = '';
  aiQueueSid = '';
  humanQueueSid = '';
  /** The first AI worker of the pool. */
  aiWorkerSid = '';
  /** The seeded AI worker pool, `aiWorkerSid` first. */
  aiWorkerSids: string[] = [];
  humanWorkerSid = '';
  conversationsServiceSid = '';
  syncServiceSid = '';
  timerWorkspaceSid = '';
  timerWorkflowSid = '';
  webhookUrl = '';
  private configSaves = 0;
  private webhooksRegistered = false;
  opencxWebhookUrl = '';
  private customerCount = 0;

  private constructor(private readonly options: WorldOptions) {
    this.twilio = new TwilioSimulator({ switches: options.switches });
    this.twilio
      .use('taskrouter', this.taskrouter)
      .use('conversations', this.conversations)
      .use('flex', this.flex)
      .use('sync', this.sync)
      .use('iam', this.iam)
      .use('studio', this.studio);
    // Typed wider than OpenCxSimulatorOptions so the shared clock is passed to an OpenCX simulator that takes one.
    // Signatures carry real time: the Functions judge a signature's age by their own clock, which
    // advancing the virtual clock does not move (as OpenCX signs by its clock, in step with Twilio's).
    const opencxOptions: OpenCxSimulatorOptions & { clock: SimulatorClock } = {
      signingTime: () => Date.now(),
      ...options.opencx,
      clock: this.twilio.clock,
    };
    this.opencx = new OpenCxSimulator(opencxOptions);
  }

  static async start(options: WorldOptions = {}): Promise<World> {
    const world = new World(options);
    await world.boot();
    return world;
  }

  private async boot(): Promise<void> {
    await this.twilio.start();
    await this.opencx.start();
    this.client = createTwilioClient({
      ACCOUNT_SID: this.twilio.accountSid,
      AUTH_TOKEN: this.twilio.authToken,
      TWILIO_API_BASE_URL: this.twilio.url,
    });
    this.seedContactCenter();
    if (this.options.functions !== false) {
      const functions = await startFunctionsRuntime(this.functionsEnv(), this.options.runtimeMode);
      this.functions = functions;
      // A warm process runs every invocation: Twilio giving up on one can only close its connection.
      if (this.options.runtimeMode !== 'warm')
        this.twilio.stopFunction = (delivery) => functions.stopInvocation(delivery.seq);
      // Twilio signs the deployed Function's public URL; the harness reaches it on its local port.
      const deployed = this.options.deployedDomain;
      if (deployed)
        this.twilio.signedUrlOf = (url) =>
          url.startsWith(functions.url) ? `https://${deployed}${url.slice(functions.url.length)}` : url;
      this.webhookUrl = `${functions.url}/webhook`;
      this.opencxWebhookUrl = `${functions.url}/opencx-webhook`;
      if (this.options.webhooks !== false) {
        await this.registerWebhooks(this.webhookUrl);
        this.opencx.configureWebhook({ url: this.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
      }
    }
    if (this.options.configured !== false) await this.saveConfig();
  }

  functionsEnv(): Record<string, string> {
    return {
      ACCOUNT_SID: this.twilio.accountSid,
      AUTH_TOKEN: this.twilio.authToken,
      SYNC_SERVICE_SID: this.syncServiceSid,
      TWILIO_API_BASE_URL: this.twilio.url,
      OPENCX_API_URL: this.opencx.url,
      ...(this.options.deployedDomain ? { SIMULATOR_DOMAIN_NAME: this.options.deployedDomain } : {}),
      ...this.options.functionsEnv,
    };
  }

  private seedContactCenter(): void {
    const tr = this.taskrouter;
    const workspace = tr.createWorkspace({ friendlyName: 'Flex Task Assignment', multiTaskEnabled: true });
    this.workspaceSid = workspace.sid;
    const seedAi = this.options.aiQueue !== false;
    if (seedAi)
      this.aiQueueSid = tr.createTaskQueue(workspace.sid, {
        friendlyName: 'OpenCX AI',
        targetWorkers: 'opencx_ai == true',
      }).sid;
    this.humanQueueSid = tr.createTaskQueue(workspace.sid, {
      friendlyName: 'Support',
      targetWorkers: "role == 'agent'",
    }).sid;
    const handedOff = {
      filter_friendly_name: 'Handed off to humans',
      expression: 'handedOff == true',
      targets: [{ queue: this.humanQueueSid }],
    };
    const ai = seedAi
      ? [
          {
            filter_friendly_name: 'OpenCX AI',
            expression: "channelType IN ['web','sms','whatsapp']",
            targets: [{ queue: this.aiQueueSid }],
          },
        ]
      : [];
    const filters = { first: [handedOff, ...ai], 'after-ai': [...ai, handedOff], missing: ai }[
      this.options.handoffFilter ?? 'first'
    ];
    this.workflowSid = tr.createWorkflow(workspace.sid, {
      friendlyName: this.options.workflowName ?? 'Assign to Anyone',
      taskReservationTimeout: this.options.aiReservationTimeout ?? 120,
      configuration: { task_routing: { filters, default_filter: { queue: this.humanQueueSid } } },
    }).sid;
    if (this.options.seedAiWorker !== false) {
      this.aiWorkerSids = Array.from(
        { length: this.options.aiWorkers ?? 1 },
        (_, i) =>
          tr.createWorker(workspace.sid, {
            friendlyName: i === 0 ? 'OpenCX AI' : `OpenCX AI ${i + 1}`,
            attributes: { opencx_ai: true, full_name: 'OpenCX AI' },
            activityName: 'Available',
            channelCapacity: { chat: 50, sms: 50, default: 50 },
          }).sid,
      );
      this.aiWorkerSid = this.aiWorkerSids[0];
    }
    this.humanWorkerSid = tr.createWorker(workspace.sid, {
      friendlyName: 'alice',
      attributes: { role: 'agent', full_name: 'Alice Agent', contact_uri: 'client:alice' },
      activityName: 'Available',
      // TaskRouter's maximum per channel.
      channelCapacity: { chat: 50, sms: 50, default: 50 },
    }).sid;
    this.conversationsServiceSid = this.conversations.createService('Flex Chat Service').sid;
    // What a Flex account holds from the start: Flex's configuration naming its workspace, workflow
    // and Conversations service, which is the account's default.
    this.conversations.defaultServiceSid = this.conversationsServiceSid;
    this.flex.configuration = {
      taskrouter_workspace_sid: workspace.sid,
      taskrouter_target_workflow_sid: this.workflowSid,
      chat_service_instance_sid: this.conversationsServiceSid,
      flex_service_instance_sid: this.conversationsServiceSid,
    };
    // A Flex account has the default Sync service its agents' tokens read; the integration keeps its own.
    const defaultSync = this.sync.defaultService();
    this.syncServiceSid = this.options.settingsInDefaultSyncService
      ? defaultSync.sid
      : this.sync.createService('OpenCX for Flex').sid;
    if (this.options.seedTimerWorkspace !== false) this.seedTimerWorkspace();
  }

  /** The watchdog's own workspace as Test & Save provisions it: one queue no worker matches, one workflow to it. */
  private seedTimerWorkspace(): void {
    const tr = this.taskrouter;
    this.timerWorkspaceSid = tr.createWorkspace({ friendlyName: TIMER_WORKSPACE_NAME }).sid;
    const queue = tr.createTaskQueue(this.timerWorkspaceSid, {
      friendlyName: TIMER_WORKSPACE_NAME,
      targetWorkers: 'opencx_timer == true',
    });
    this.timerWorkflowSid = tr.createWorkflow(this.timerWorkspaceSid, {
      friendlyName: TIMER_WORKSPACE_NAME,
      configuration: { task_routing: { filters: [], default_filter: { queue: queue.sid } } },
    }).sid;
  }

  // ---- The account's configuration, for the setup to read -------------------------------------

  /** Another workflow in the Flex workspace, routing everything to the human queue (or by `filters`). */
  addWorkflow(friendlyName: string, filters: object[] = []): string {
    return this.taskrouter.createWorkflow(this.workspaceSid, {
      friendlyName,
      taskReservationTimeout: this.options.aiReservationTimeout ?? 120,
      configuration: { task_routing: { filters, default_filter: { queue: this.humanQueueSid } } },
    }).sid;
  }

  /** Flex's configuration names this workflow as its target (`taskrouter_target_workflow_sid`), or none. */
  flexTargetsWorkflow(workflowSid: string | null): void {
    this.flex.configuration = { ...this.flex.configuration, taskrouter_target_workflow_sid: workflowSid };
  }

  /** Flex's configuration names this Conversations service (`chat_service_instance_sid`). */
  flexUsesConversationsService(serviceSid: string | null): void {
    this.flex.configuration = { ...this.flex.configuration, chat_service_instance_sid: serviceSid };
  }

  /** A phone number whose conversations a Studio flow hands to Flex, with a Send to Flex widget to each workflow. */
  addressRoutesThroughStudio(
    address: string,
    workflowSids: readonly string[],
  ): { flowSid: string; addressSid: string } {
    const flow = this.studio.addConversationsFlow(`Inbound ${address}`, workflowSids);
    const added = this.conversations.addAddress({
      address,
      studioFlowSid: flow.sid,
      serviceSid: this.conversationsServiceSid,
    });
    return { flowSid: flow.sid, addressSid: added.sid };
  }

  /** The human agent (back) in the Available activity, as after logging in to Flex. */
  async humanAgentLogsIn(): Promise<void> {
    await this.humanAgentGoes('Available');
  }

  /** The human agent goes Offline (no reservations until they log in again). */
  async humanAgentLogsOut(): Promise<void> {
    await this.humanAgentGoes('Offline');
  }

  private async humanAgentGoes(activityName: string): Promise<void> {
    const activity = this.taskrouter.findActivity(this.taskrouter.workspaces.get(this.workspaceSid)!, activityName);
    await this.client.taskrouter.v1
      .workspaces(this.workspaceSid)
      .workers(this.humanWorkerSid)
      .update({ activitySid: activity!.sid });
    await this.settle();
  }

  /** The human agent accepts the task they are offered (their pending reservation), as in Flex; returns its SID. */
  async humanAgentAccepts(taskSid: string): Promise<string> {
    const offer = this.reservations(taskSid).find((r) => r.workerSid === this.humanWorkerSid && r.status === 'pending');
    if (!offer) throw new Error(`the human agent is not offered task ${taskSid}`);
    await this.acceptReservation(taskSid, offer.sid);
    return offer.sid;
  }

  /** A worker accepts the reservation through the REST API, as Flex does; then settles. */
  async acceptReservation(taskSid: string, reservationSid: string): Promise<void> {
    await this.client.taskrouter.v1
      .workspaces(this.workspaceSid)
      .tasks(taskSid)
      .reservations(reservationSid)
      .update({ reservationStatus: 'accepted' });
    await this.settle();
  }

  /**
   * What "Apply fixes" does: the webhooks (Flex workspace, timer workspace, Conversations), through the real REST API.
   */
  async registerWebhooks(url: string): Promise<void> {
    this.webhooksRegistered = true;
    await this.client.taskrouter.v1
      .workspaces(this.workspaceSid)
      .update({ eventCallbackUrl: url, eventsFilter: BRIDGE_EVENTS });
    await this.client.taskrouter.v1
      .workspaces(this.timerWorkspaceSid)
      .update({ eventCallbackUrl: url, eventsFilter: TIMER_EVENTS });
    await this.client.conversations.v1.services(this.conversationsServiceSid).configuration.webhooks().update({
      postWebhookUrl: url,
      method: 'POST',
      filters: CONVERSATION_FILTERS,
    });
  }

  /**
   * Stores the config document the way the admin settings Function does: with a new config version,
   * which then goes onto the registered webhook URLs.
   */
  async saveConfig(overrides: Record<string, unknown> = {}): Promise<void> {
    this.configSaves += 1;
    const data = {
      configVersion: `v${this.configSaves}`,
      opencxToken: DEFAULT_API_KEY,
      workspaceSid: this.workspaceSid,
      aiWorkerSid: this.aiWorkerSid,
      // One worker is stored as settings saved before the pool were.
      ...(this.aiWorkerSids.length > 1 ? { aiWorkerSids: this.aiWorkerSids } : {}),
      conversationsServiceSid: this.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      timerWorkspaceSid: this.timerWorkspaceSid,
      timerWorkflowSid: this.timerWorkflowSid,
      aiAnswerTimeoutSeconds: AI_ANSWER_TIMEOUT_SECONDS,
      customerHandoffNote: CUSTOMER_HANDOFF_NOTE,
      opencxWebhookSecret: OPENCX_WEBHOOK_SECRET,
      ...overrides,
    };
    // The state maps exist before the first event, as the admin save creates them.
    for (const map of STATE_MAPS) {
      if (!this.sync.map(this.syncServiceSid, map))
        await this.client.sync.v1.services(this.syncServiceSid).syncMaps.create({ uniqueName: map });
    }
    const documents = this.client.sync.v1.services(this.syncServiceSid).documents;
    try {
      await documents('opencx_config').update({ data });
    } catch {
      await documents.create({ uniqueName: 'opencx_config', data });
    }
    if (this.webhooksRegistered)
      await this.registerWebhooks(withConfigVersion(this.webhookUrl, String(data.configVersion ?? '')));
  }

  /** A customer writes in: Flex creates the conversation, the interaction and the task. */
  async customerStartsConversation(
    body: string,
    channelType: 'sms' | 'whatsapp' | 'chat' | 'web' = 'web',
    media?: InboundConversationOptions['media'],
  ): Promise<StartedConversation> {
    const started = this.customerWritesIn(body, channelType, media);
    await this.settle();
    return started;
  }

  /** `count` customers write in at the same moment; waits until everything they set off has finished. */
  async customersStartConversations(count: number, body: string): Promise<StartedConversation[]> {
    const started = Array.from({ length: count }, () => this.customerWritesIn(body, 'web'));
    await this.settle();
    return started;
  }

  /** A customer writes in, without waiting for anything to happen (a test then acts mid-flight). */
  customerWritesIn(
    body: string,
    channelType: 'sms' | 'whatsapp' | 'chat' | 'web' = 'web',
    media?: InboundConversationOptions['media'],
  ): StartedConversation {
    this.customerCount += 1;
    return this.flex.startInboundConversation({
      conversationsServiceSid: this.conversationsServiceSid,
      workspaceSid: this.workspaceSid,
      workflowSid: this.workflowSid,
      from: `customer-${this.customerCount}`,
      body,
      media,
      channelType,
    });
  }

  /** The customer writes without waiting for anything to happen (a test then acts mid-flight). */
  customerWrites(conversationSid: string, body: string): void {
    this.conversations.receiveCustomerMessage(this.conversationsServiceSid, conversationSid, {
      author: this.customerOf(conversationSid),
      body,
    });
  }

  async customerSays(conversationSid: string, body: string): Promise<void> {
    this.customerWrites(conversationSid, body);
    await this.settle();
  }

  /** The human agent writes from Flex, which makes them a chat participant (identity `alice`) when they accept. */
  async humanAgentSays(conversationSid: string, body: string): Promise<void> {
    const identity = 'alice';
    const joined = this.conversations
      .participants(this.conversationsServiceSid, conversationSid)
      .some((p) => p.identity === identity);
    if (!joined) this.conversations.addParticipant(this.conversationsServiceSid, conversationSid, { identity });
    this.conversations.receiveCustomerMessage(this.conversationsServiceSid, conversationSid, {
      author: identity,
      body,
    });
    await this.settle();
  }

  customerOf(conversationSid: string): string {
    const first = this.conversations.messages(this.conversationsServiceSid, conversationSid)[0];
    return first?.author ?? 'customer';
  }

  /** Waits until every webhook and the REST calls it caused have finished (the Functions included). */
  async settle(): Promise<void> {
    // OpenCX's webhooks reach the Functions, whose calls reach Twilio, and back: settle until a
    // whole pass over both simulators saw nothing new.
    for (;;) {
      const before = this.activity();
      await this.twilio.idle(this.options.settleTimeoutMs ?? 30000);
      await this.opencx.idle();
      if (this.activity() === before) return;
    }
  }

  private activity(): string {
    const { twilio, opencx } = this;
    return [
      twilio.requests.length,
      twilio.webhooks.length,
      opencx.requests.length,
      opencx.webhookDeliveries.length,
    ].join('/');
  }

  /** Moves the shared simulated clock forward (timeouts, TTLs fire), then settles. */
  async advance(ms: number): Promise<void> {
    this.twilio.clock.advance(ms);
    await this.settle();
  }

  /**
   * Waits until `condition` holds, for a test that must act in the middle of a Function's work
   * (e.g. while a slow OpenCX call is outstanding); throws when it has not held after 30 s.
   */
  async until(condition: () => boolean, what = 'the condition', timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  transcript(conversationSid: string): { author: string; body: string; attributes: Record<string, unknown> }[] {
    return this.conversations.messages(this.conversationsServiceSid, conversationSid).map((m) => ({
      author: m.author,
      body: m.body ?? '',
      attributes:
        typeof m.attributes === 'string'
          ? (JSON.parse(m.attributes || '{}') as Record<string, unknown>)
          : ((m.attributes as Record<string, unknown>) ?? {}),
    }));
  }

  /** The messages posted under the AI's author name: its answers and the handoff note. */
  postedAsAi(conversationSid: string) {
    return this.transcript(conversationSid).filter((m) => m.author === AI_AUTHOR);
  }

  task(taskSid: string) {
    return this.taskrouter.getTask(this.workspaceSid, taskSid);
  }

  reservations(taskSid: string) {
    return this.taskrouter.reservationsFor(this.workspaceSid, taskSid);
  }

  /** The latest task for a conversation (a transfer creates a new one). */
  tasksOf(conversationSid: string) {
    const workspace = this.taskrouter.workspaces.get(this.workspaceSid)!;
    return [...workspace.tasks.values()].filter((t) => t.attributes.conversationSid === conversationSid);
  }

  /** What the customer said to the AI on a session, as OpenCX recorded it. */
  contactMessages(sessionId: string): string[] {
    const session = this.opencx.sessions.get(sessionId);
    return (session?.messages ?? []).flatMap(({ event }) =>
      event.type === 'message' && event.sender.type === 'contact' ? [event.content.text] : [],
    );
  }

  sessionFor(conversationSid: string) {
    return [...this.opencx.sessions.values()].find((s) => s.custom_data?.flex_conversation_sid === conversationSid);
  }

  conversationRecord(conversationSid: string): Record<string, unknown> | undefined {
    return this.conversationRecordItem(conversationSid)?.item.data as Record<string, unknown> | undefined;
  }

  private conversationRecordItem(conversationSid: string) {
    const map = everyObject(CONVERSATION_MAPS).find(
      (name) =>
        this.sync.map(this.syncServiceSid, name) &&
        this.sync.mapItems(this.syncServiceSid, name).some((i) => i.key === conversationSid),
    );
    const item = map ? this.sync.mapItems(this.syncServiceSid, map).find((i) => i.key === conversationSid) : undefined;
    return map && item ? { map, item } : undefined;
  }

  /**
   * The Functions judge a handback's age by their own clock, which the virtual clock does not move:
   * moving the handback's time back (in our record, on the tasks its invites made and on its timers)
   * stands for `ms` passing.
   */
  ageHandback(conversationSid: string, ms: number): void {
    const found = this.conversationRecordItem(conversationSid);
    const data = found?.item.data as { handback?: { at: string; invitedAt?: string } } | undefined;
    if (!found || !data?.handback) throw new Error(`conversation ${conversationSid} is not being handed back`);
    const { at, invitedAt } = data.handback;
    const earlier = (time: string) => new Date(Date.parse(time) - ms).toISOString();
    const aged = earlier(at);
    const invitedEarlier = invitedAt && earlier(invitedAt);
    this.sync.setMapItem(this.syncServiceSid, found.map, conversationSid, {
      ...data,
      handback: { ...data.handback, at: aged, ...(invitedEarlier ? { invitedAt: invitedEarlier } : {}) },
    });
    for (const task of this.tasksOf(conversationSid))
      if (task.attributes.opencxHandbackAt === at) task.attributes.opencxHandbackAt = aged;
    for (const timer of this.taskrouter.workspace(this.timerWorkspaceSid).tasks.values())
      if (timer.attributes.conversationSid === conversationSid && timer.attributes.handbackAt === at) {
        timer.attributes.handbackAt = aged;
        if (invitedEarlier && timer.attributes.handbackInvitedAt === invitedAt)
          timer.attributes.handbackInvitedAt = invitedEarlier;
      }
  }

  /**
   * Moves a handoff's time back on our record, and the time of its note's claims, standing for `ms`
   * passing (the Functions judge a claim's age by their own clock).
   */
  ageHandoff(conversationSid: string, ms: number): void {
    const found = this.conversationRecordItem(conversationSid);
    const data = found?.item.data as { handoff?: { at: string } } | undefined;
    if (!found || !data?.handoff) throw new Error(`conversation ${conversationSid} is not being handed off`);
    const earlier = (time: unknown) => new Date(Date.parse(String(time)) - ms).toISOString();
    this.sync.setMapItem(this.syncServiceSid, found.map, conversationSid, {
      ...data,
      handoff: { ...data.handoff, at: earlier(data.handoff.at) },
    });
    for (const map of everyObject(CLAIM_MAPS).filter((name) => this.sync.map(this.syncServiceSid, name)))
      for (const claim of this.sync.mapItems(this.syncServiceSid, map))
        if (claim.key.startsWith(noteKey('handoff', conversationSid, '')))
          this.sync.setMapItem(this.syncServiceSid, map, claim.key, { ...claim.data, at: earlier(claim.data.at) });
  }

  /**
   * Makes a recorded handoff one an earlier version made: its record without `oncePer`, its note's and
   * invite's claims, and its note's marker, keyed by the handoff's time, not by its engagement.
   */
  handoffOfAnEarlierVersion(conversationSid: string): void {
    const found = this.conversationRecordItem(conversationSid);
    const data = found?.item.data as
      | { taskSid: string; claimedAt: number; handoff?: { at: string; oncePer?: string } }
      | undefined;
    if (!found || !data?.handoff) throw new Error(`conversation ${conversationSid} is not being handed off`);
    const { oncePer: _now, ...handoff } = data.handoff;
    this.sync.setMapItem(this.syncServiceSid, found.map, conversationSid, { ...data, handoff });
    const engagement = handoffEngagement(data);
    const note = noteKey('handoff', conversationSid, handoff.at);
    const earlier = new Map([
      [noteKey('handoff', conversationSid, engagement), note],
      [`invite_${engagement}`, `invite_${data.taskSid}_${handoff.at}`],
    ]);
    for (const map of everyObject(CLAIM_MAPS).filter((name) => this.sync.map(this.syncServiceSid, name)))
      for (const [now, before] of earlier) {
        const claim = this.sync.map(this.syncServiceSid, map)!.items.get(now);
        if (!claim) continue;
        this.sync.map(this.syncServiceSid, map)!.items.delete(now);
        const to = locationOf(CLAIM_MAPS, before);
        if (!this.sync.map(this.syncServiceSid, to)) this.sync.createMap(this.syncServiceSid, { uniqueName: to });
        this.sync.setMapItem(this.syncServiceSid, to, before, claim.data);
      }
    for (const message of this.conversations.messages(this.conversationsServiceSid, conversationSid)) {
      const attributes = JSON.parse(message.attributes || '{}') as { opencx?: { key?: string } };
      if (attributes.opencx?.key && earlier.has(attributes.opencx.key))
        message.attributes = JSON.stringify({ ...attributes, opencx: { ...attributes.opencx, key: note } });
    }
  }

  /** Workers of the workspace marked as the OpenCX AI. */
  aiWorkers() {
    return [...this.taskrouter.workspace(this.workspaceSid).workers.values()].filter(
      (w) => w.attributes.opencx_ai === true,
    );
  }

  /** Log lines the Functions printed since the last call, parsed. */
  takeLogs(): Record<string, unknown>[] {
    return (this.functions?.takeOutput() ?? '')
      .split('\n')
      .map((line) => line.slice(line.indexOf('{')))
      .filter((line) => line.startsWith('{"level"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    await this.functions?.stop();
    await this.twilio.stop();
    await this.opencx.stop();
  }
}
