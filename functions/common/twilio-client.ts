// The one place the Functions call Twilio. With TWILIO_API_BASE_URL set (local sandbox, tests),
// every `https://<host>.twilio.com/<path>` request goes to `<base>/<host>/<path>`.
import twilio from 'twilio';
import type { RequestOpts } from 'twilio/lib/base/BaseTwilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { Deadline, isTransientTwilioError, withRetries } from './retry';

export interface TwilioCredentials {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  TWILIO_API_BASE_URL?: string;
}

export type TwilioClient = ReturnType<typeof twilio>;

const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)\.twilio\.com(\/.*)?$/i;

export function rewriteTwilioUrl(uri: string, baseUrl: string | undefined): string {
  if (!baseUrl) return uri;
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  return `${baseUrl.replace(/\/+$/, '')}/${match[1]}${match[2] ?? ''}`;
}

/** Sends each request to the simulator when a base URL is set, and never past the deadline. */
class DeadlineRequestClient extends RequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly deadline: Deadline | undefined,
  ) {
    super({ timeout: MAX_REQUEST_MS });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const timeout = this.deadline ? Math.max(MIN_REQUEST_MS, Math.min(MAX_REQUEST_MS, this.deadline.remaining())) : MAX_REQUEST_MS;
    return super.request({ ...opts, timeout, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
  }
}

const MAX_REQUEST_MS = 8000;
const MIN_REQUEST_MS = 300;

/** A Twilio client; with a deadline, no single request may outlive it. */
export function createTwilioClient(env: TwilioCredentials, deadline?: Deadline): TwilioClient {
  return twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient: new DeadlineRequestClient(env.TWILIO_API_BASE_URL?.trim() || undefined, deadline) });
}

/** Twilio error codes the bridge treats as normal outcomes. */
export const SYNC_ITEM_EXISTS = 54208;
export const NOT_FOUND = 20404;

export const twilioErrorCode = (error: unknown): number | undefined => (error as { code?: number })?.code;
export const twilioStatus = (error: unknown): number | undefined => (error as { status?: number })?.status;

export interface TaskSnapshot {
  sid: string;
  assignmentStatus: string;
  attributes: Record<string, unknown>;
  etag: string;
  workflowSid: string;
  taskChannelUniqueName: string;
}

export interface ConversationMessage {
  sid: string;
  author: string;
  body: string;
  attributes: Record<string, unknown>;
  sentAt: number;
}

export interface MapItem<T> {
  data: T;
  revision: string;
}

/** IAM's verdict on a Flex user token; an invalid or expired token is `valid: false`, not an error. */
export interface FlexTokenCheck {
  valid: boolean;
  /** IAM's code when not valid: 20101 invalid, 20104 expired. */
  code?: number;
  identity?: string;
  roles: string[];
  workerSid?: string;
}

export const FLEX_TOKEN_EXPIRED = 20104;

export interface WorkerSummary {
  sid: string;
  friendlyName: string;
  attributes: Record<string, unknown>;
}

/** Where the workspace sends its events. `eventsFilter` null: every event. */
export interface WorkspaceCallback {
  eventCallbackUrl: string | null;
  eventsFilter: string | null;
}

/** A Conversations service's post-event webhook. */
export interface ConversationsWebhook {
  postWebhookUrl: string | null;
  method: string | null;
  filters: string[];
}

export interface WorkflowSummary {
  sid: string;
  friendlyName: string;
  /** The parsed Configuration JSON (`{}` if it does not parse). */
  configuration: Record<string, unknown>;
}

/** A workflow with its TaskReservationTimeout, for the setup doctor. */
export interface WorkflowRouting extends WorkflowSummary {
  /** Seconds a reservation may stay pending before TaskRouter times it out (120 unless set). */
  taskReservationTimeout: number;
}

export interface TaskQueueSummary {
  sid: string;
  friendlyName: string;
  targetWorkers: string;
}

/** What decides whether TaskRouter can offer the worker a task. */
export interface WorkerRouting {
  sid: string;
  friendlyName: string;
  activityName: string;
  /** The worker's activity is an available one. */
  available: boolean;
  channels: { taskChannel: string; capacity: number; available: boolean }[];
}

/**
 * Domain-level Twilio operations, each retried on transient failures (429, 5xx, network)
 * within the caller's deadline.
 */
export class TwilioGateway {
  constructor(
    readonly client: TwilioClient,
    private readonly deadline: Deadline,
  ) {}

  private retry<T>(operation: () => Promise<T>, attempts = 3): Promise<T> {
    return withRetries(operation, { deadline: this.deadline, attempts, isTransient: isTransientTwilioError });
  }

  /** For creates that must not happen twice: only a 429 (never processed) is retried. */
  private retryRateLimited<T>(operation: () => Promise<T>): Promise<T> {
    return withRetries(operation, { deadline: this.deadline, attempts: 3, isTransient: (error) => twilioStatus(error) === 429 });
  }

  /** Retried; undefined when Twilio answers 404 (no such resource in this account). */
  private async unlessNotFound<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.retry(operation);
    } catch (error) {
      if (twilioStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** A call the resource classes cannot make (IAM) or whose headers we need (ETag); ≥ 400 throws `{status, code}` like the library. */
  private async rawRequest(what: string, opts: RequestOpts): Promise<{ body: Record<string, unknown>; headers: Record<string, string> }> {
    return this.retry(async () => {
      const res = (await this.client.request(opts)) as { statusCode: number; body: unknown; headers: Record<string, string> };
      const body = typeof res.body === 'string' ? safeObject(res.body) : ((res.body ?? {}) as Record<string, unknown>);
      if (res.statusCode >= 400) throw Object.assign(new Error(`${what} answered ${res.statusCode}`), { status: res.statusCode, code: body.code });
      return { body, headers: res.headers };
    });
  }

  // --- IAM ---

  async validateFlexToken(token: string): Promise<FlexTokenCheck> {
    const { body } = await this.rawRequest('validate Flex token', {
      method: 'post',
      uri: `https://iam.twilio.com/v1/Accounts/${this.client.accountSid}/Tokens/validate`,
      headers: { 'Content-Type': 'application/json' },
      data: { token },
    });
    const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
    return {
      valid: body.valid === true,
      code: typeof body.code === 'number' ? body.code : undefined,
      identity: text(body.identity),
      roles: Array.isArray(body.roles) ? body.roles.filter((role): role is string => typeof role === 'string') : [],
      workerSid: text(body.worker_sid),
    };
  }

  // --- Sync ---

  async fetchDocument<T>(serviceSid: string, name: string): Promise<T | undefined> {
    const document = await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).documents(name).fetch());
    return document?.data as T | undefined;
  }

  /** Creates or replaces the document's data. */
  async saveDocument(serviceSid: string, name: string, data: object): Promise<void> {
    const documents = this.client.sync.v1.services(serviceSid).documents;
    if (await this.unlessNotFound(() => documents(name).update({ data }))) return;
    try {
      await this.retry(() => documents.create({ uniqueName: name, data }));
    } catch (error) {
      // A concurrent save created it first.
      if (twilioStatus(error) !== 409) throw error;
      await this.retry(() => documents(name).update({ data }));
    }
  }

  async listMapNames(serviceSid: string): Promise<string[]> {
    const maps = await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps.list({ limit: 200 }));
    return maps.map((map) => map.uniqueName);
  }

  /** Creates the map unless it exists; false when it already did. */
  async createMap(serviceSid: string, name: string): Promise<boolean> {
    try {
      await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps.create({ uniqueName: name }));
      return true;
    } catch (error) {
      if (twilioStatus(error) === 409) return false;
      throw error;
    }
  }

  /**
   * Creates the item only if its key is absent; false when it already exists (54208).
   * A 54208 on a retry may be our own first attempt, whose answer was lost: the stored data
   * then equals ours, and the create counts as ours.
   */
  async createMapItem(serviceSid: string, map: string, key: string, data: object, ttlSeconds?: number): Promise<boolean> {
    let attempts = 0;
    const create = () => {
      attempts += 1;
      return this.client.sync.v1
        .services(serviceSid)
        .syncMaps(map)
        .syncMapItems.create({ key, data, ...(ttlSeconds ? { itemTtl: ttlSeconds } : {}) });
    };
    const existsAlready = async (): Promise<boolean> => {
      if (attempts <= 1) return false;
      const stored = await this.fetchMapItem(serviceSid, map, key);
      return JSON.stringify(stored?.data) === JSON.stringify(data);
    };
    try {
      await this.retry(create);
      return true;
    } catch (error) {
      if (twilioErrorCode(error) === SYNC_ITEM_EXISTS) return existsAlready();
      if (twilioStatus(error) !== 404) throw error;
    }
    // The map does not exist yet: create it (a concurrent creator may win) and try again.
    await this.createMap(serviceSid, map);
    attempts = 0;
    try {
      await this.retry(create);
      return true;
    } catch (error) {
      if (twilioErrorCode(error) === SYNC_ITEM_EXISTS) return existsAlready();
      throw error;
    }
  }

  async fetchMapItem<T>(serviceSid: string, map: string, key: string): Promise<MapItem<T> | undefined> {
    const item = await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).fetch());
    return item && { data: item.data as T, revision: item.revision };
  }

  /** Writes only if the item is still at `revision`; false on a 412 (someone wrote first). */
  async updateMapItem(serviceSid: string, map: string, key: string, data: object, revision: string): Promise<boolean> {
    try {
      await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).update({ data, ifMatch: revision }));
      return true;
    } catch (error) {
      if (twilioStatus(error) === 412) return false;
      throw error;
    }
  }

  async deleteMapItem(serviceSid: string, map: string, key: string): Promise<void> {
    try {
      await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).remove());
    } catch (error) {
      if (twilioStatus(error) !== 404) throw error;
    }
  }

  // --- TaskRouter ---

  /** Fetches a task with its ETag, for an If-Match update. */
  async fetchTask(workspaceSid: string, taskSid: string): Promise<TaskSnapshot> {
    const response = await this.rawRequest(`fetch task ${taskSid}`, {
      method: 'get',
      uri: `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/Tasks/${taskSid}`,
    });
    const body = response.body as Record<string, string>;
    const headers = response.headers;
    return {
      sid: body.sid,
      assignmentStatus: body.assignment_status,
      attributes: JSON.parse(body.attributes || '{}') as Record<string, unknown>,
      etag: headers.etag ?? headers.ETag ?? '',
      workflowSid: body.workflow_sid,
      taskChannelUniqueName: body.task_channel_unique_name,
    };
  }

  /**
   * Merges `changes` into the task's attributes with If-Match, re-reading on 412, so a
   * concurrent writer's attributes survive. Returns the task as it was just before the write.
   */
  async mergeTaskAttributes(
    workspaceSid: string,
    taskSid: string,
    changes: Record<string, unknown>,
    options: { skipIf?: (task: TaskSnapshot) => Promise<boolean> | boolean; attempts?: number } = {},
  ): Promise<TaskSnapshot & { written: boolean }> {
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const task = await this.fetchTask(workspaceSid, taskSid);
      if (Object.keys(changes).length === 0 || (await options.skipIf?.(task))) return { ...task, written: false };
      const attributes = JSON.stringify({ ...task.attributes, ...changes });
      try {
        await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).update({ attributes, ifMatch: task.etag }));
        return { ...task, written: true };
      } catch (error) {
        if (twilioStatus(error) !== 412 || attempt >= attempts) throw error;
      }
    }
  }

  async pendingReservations(workspaceSid: string, taskSid: string): Promise<{ sid: string; workerSid: string }[]> {
    const reservations = await this.retry(() =>
      this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).reservations.list({ reservationStatus: 'pending', limit: 50 }),
    );
    return reservations.map((r) => ({ sid: r.sid, workerSid: r.workerSid }));
  }

  async acceptedReservations(workspaceSid: string, taskSid: string): Promise<{ sid: string; workerSid: string }[]> {
    const reservations = await this.retry(() =>
      this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).reservations.list({ reservationStatus: 'accepted', limit: 50 }),
    );
    return reservations.map((r) => ({ sid: r.sid, workerSid: r.workerSid }));
  }

  /** Rejects a reservation; 'not-pending' when TaskRouter says it is no longer pending. */
  async rejectReservation(workspaceSid: string, taskSid: string, reservationSid: string): Promise<'rejected' | 'not-pending'> {
    try {
      await this.retry(() =>
        this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).reservations(reservationSid).update({ reservationStatus: 'rejected' }),
      );
      return 'rejected';
    } catch (error) {
      const status = twilioStatus(error);
      if (status === 400 || status === 404 || status === 410) return 'not-pending';
      throw error;
    }
  }

  async completeReservation(workspaceSid: string, taskSid: string, reservationSid: string): Promise<void> {
    await this.retry(() =>
      this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).reservations(reservationSid).update({ reservationStatus: 'completed' }),
    );
  }

  /**
   * Puts the worker back in an available activity when a reservation timeout moved it to the
   * workspace's timeout activity. Any other activity was set on purpose (an admin pausing the
   * AI) and is left alone. Returns what changed.
   */
  async restoreAfterTimeout(workspaceSid: string, workerSid: string): Promise<{ changed: boolean; from?: string; to?: string }> {
    const workspace = this.client.taskrouter.v1.workspaces(workspaceSid);
    const worker = await this.retry(() => workspace.workers(workerSid).fetch());
    if (worker.available) return { changed: false };
    const { timeoutActivitySid } = await this.retry(() => workspace.fetch());
    if (worker.activitySid !== timeoutActivitySid) return { changed: false, from: worker.activityName };
    const target = await this.availableActivity(workspaceSid);
    await this.retry(() => workspace.workers(workerSid).update({ activitySid: target.sid }));
    return { changed: true, from: worker.activityName, to: target.friendlyName };
  }

  /** The workspace's "Available" activity, or else its first available one. */
  async availableActivity(workspaceSid: string): Promise<{ sid: string; friendlyName: string }> {
    const activities = await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).activities.list({ available: 'true', limit: 20 }));
    const target = activities.find((a) => a.friendlyName === 'Available') ?? activities[0];
    if (!target) throw new Error(`workspace ${workspaceSid} has no available activity`);
    return { sid: target.sid, friendlyName: target.friendlyName };
  }

  async workspaceExists(workspaceSid: string): Promise<boolean> {
    return (await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).fetch())) !== undefined;
  }

  async taskQueueExists(workspaceSid: string, queueSid: string): Promise<boolean> {
    return (await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).taskQueues(queueSid).fetch())) !== undefined;
  }

  /** Undefined when the workspace does not exist. */
  async fetchWorkspaceCallback(workspaceSid: string): Promise<WorkspaceCallback | undefined> {
    const workspace = await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).fetch());
    return workspace && { eventCallbackUrl: workspace.eventCallbackUrl || null, eventsFilter: workspace.eventsFilter || null };
  }

  async setWorkspaceCallback(workspaceSid: string, callback: { eventCallbackUrl: string; eventsFilter: string }): Promise<void> {
    await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).update(callback));
  }

  /** The workspace's workflows with their routing and TaskReservationTimeout; empty when the workspace does not exist. */
  async listWorkflowRouting(workspaceSid: string): Promise<WorkflowRouting[]> {
    const workflows = await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).workflows.list({ limit: 100 }));
    return (workflows ?? []).map((w) => ({
      sid: w.sid,
      friendlyName: w.friendlyName,
      configuration: safeObject(w.configuration),
      taskReservationTimeout: w.taskReservationTimeout,
    }));
  }

  async setWorkflowConfiguration(workspaceSid: string, workflowSid: string, configuration: object): Promise<void> {
    await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).workflows(workflowSid).update({ configuration: JSON.stringify(configuration) }));
  }

  /** Empty when the workspace does not exist. */
  async listTaskQueues(workspaceSid: string): Promise<TaskQueueSummary[]> {
    const queues = await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).taskQueues.list({ limit: 1000 }));
    return (queues ?? []).map((q) => ({ sid: q.sid, friendlyName: q.friendlyName, targetWorkers: q.targetWorkers ?? '' }));
  }

  /** The worker's activity and task channels; undefined when it does not exist. */
  async fetchWorkerRouting(workspaceSid: string, workerSid: string): Promise<WorkerRouting | undefined> {
    const resource = this.client.taskrouter.v1.workspaces(workspaceSid).workers(workerSid);
    const [worker, channels] = await Promise.all([this.unlessNotFound(() => resource.fetch()), this.unlessNotFound(() => resource.workerChannels.list({ limit: 50 }))]);
    if (!worker) return undefined;
    return {
      sid: worker.sid,
      friendlyName: worker.friendlyName,
      activityName: worker.activityName,
      available: worker.available,
      channels: (channels ?? []).map((c) => ({ taskChannel: c.taskChannelUniqueName, capacity: c.configuredCapacity, available: c.available })),
    };
  }

  async fetchWorker(workspaceSid: string, workerSid: string): Promise<WorkerSummary | undefined> {
    const worker = await this.unlessNotFound(() => this.client.taskrouter.v1.workspaces(workspaceSid).workers(workerSid).fetch());
    return worker && workerSummary(worker);
  }

  async findWorkerByName(workspaceSid: string, friendlyName: string): Promise<WorkerSummary | undefined> {
    const workers = await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).workers.list({ friendlyName, limit: 1 }));
    return workers[0] && workerSummary(workers[0]);
  }

  async createWorker(workspaceSid: string, worker: { friendlyName: string; attributes: object; activitySid: string }): Promise<WorkerSummary> {
    const created = await this.retry(
      () =>
        this.client.taskrouter.v1
          .workspaces(workspaceSid)
          .workers.create({ friendlyName: worker.friendlyName, attributes: JSON.stringify(worker.attributes), activitySid: worker.activitySid }),
      // Not retried: a create that reached TaskRouter but lost its answer would make a second worker.
      1,
    );
    return workerSummary(created);
  }

  /** Opens exactly the given task channels (those the workspace has) at their capacities and closes the rest; returns the ones opened. */
  async setWorkerChannels(workspaceSid: string, workerSid: string, capacities: Readonly<Record<string, number>>): Promise<string[]> {
    const worker = this.client.taskrouter.v1.workspaces(workspaceSid).workers(workerSid);
    const channels = await this.retry(() => worker.workerChannels.list({ limit: 50 }));
    await Promise.all(
      channels.map((channel) => {
        const capacity = capacities[channel.taskChannelUniqueName];
        const update = capacity === undefined ? { available: false } : { capacity, available: true };
        return this.retry(() => worker.workerChannels(channel.sid).update(update));
      }),
    );
    return channels.map((channel) => channel.taskChannelUniqueName).filter((name) => capacities[name] !== undefined);
  }

  // --- Conversations ---

  async conversationsServiceExists(serviceSid: string): Promise<boolean> {
    return (await this.unlessNotFound(() => this.client.conversations.v1.services(serviceSid).fetch())) !== undefined;
  }

  /** Undefined when the service does not exist. */
  async fetchConversationsWebhook(serviceSid: string): Promise<ConversationsWebhook | undefined> {
    const webhook = await this.unlessNotFound(() => this.client.conversations.v1.services(serviceSid).configuration.webhooks().fetch());
    return webhook && { postWebhookUrl: webhook.postWebhookUrl || null, method: webhook.method || null, filters: webhook.filters ?? [] };
  }

  async setConversationsWebhook(serviceSid: string, webhook: { postWebhookUrl: string; method: 'POST'; filters: string[] }): Promise<void> {
    await this.retry(() => this.client.conversations.v1.services(serviceSid).configuration.webhooks().update(webhook));
  }

  async listMessages(serviceSid: string, conversationSid: string): Promise<ConversationMessage[]> {
    const messages = await this.retry(() =>
      this.client.conversations.v1.services(serviceSid).conversations(conversationSid).messages.list({ order: 'asc', limit: 200 }),
    );
    return messages.map((m) => ({
      sid: m.sid,
      author: m.author ?? '',
      body: m.body ?? '',
      attributes: safeObject(m.attributes),
      sentAt: m.dateCreated ? m.dateCreated.getTime() : 0,
    }));
  }

  /** Posts without X-Twilio-Webhook-Enabled, so our own messages trigger no webhook. */
  async postMessage(serviceSid: string, conversationSid: string, author: string, body: string, attributes: object): Promise<string> {
    const message = await this.retry(() =>
      this.client.conversations.v1
        .services(serviceSid)
        .conversations(conversationSid)
        .messages.create({ author, body: body.slice(0, 1600), attributes: JSON.stringify(attributes) }),
    );
    return message.sid;
  }

  // --- Flex Interactions ---

  /** Transfers an interaction to the workflow (a new task), the Flex-supported way off an assigned task. */
  async inviteToWorkflow(
    interactionSid: string,
    channelSid: string,
    routing: { workspaceSid: string; workflowSid: string; taskChannel: string; attributes: Record<string, unknown> },
  ): Promise<void> {
    // A retried invite after a lost answer would create a second transfer task.
    await this.retryRateLimited(() =>
      this.client.flexApi.v1
        .interaction(interactionSid)
        .channels(channelSid)
        .invites.create({
          routing: {
            properties: {
              workspace_sid: routing.workspaceSid,
              workflow_sid: routing.workflowSid,
              task_channel_unique_name: routing.taskChannel,
              attributes: routing.attributes,
            },
          },
        }),
    );
  }
}

function workerSummary(worker: { sid: string; friendlyName: string; attributes: string }): WorkerSummary {
  return { sid: worker.sid, friendlyName: worker.friendlyName, attributes: safeObject(worker.attributes) };
}

function safeObject(json: string | undefined | null): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
