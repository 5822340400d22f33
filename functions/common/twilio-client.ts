// The one place the Functions call Twilio. With TWILIO_API_BASE_URL set (local sandbox, tests),
// every `https://<host>.twilio.com/<path>` request goes to `<base>/<host>/<path>`.
import twilio from 'twilio';
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

class BaseUrlRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 8000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
  }
}

export function createTwilioClient(env: TwilioCredentials): TwilioClient {
  const baseUrl = env.TWILIO_API_BASE_URL?.trim();
  return twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, {
    httpClient: baseUrl ? new BaseUrlRequestClient(baseUrl) : new RequestClient({ timeout: 8000 }),
  });
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

  // --- Sync ---

  async fetchDocument<T>(serviceSid: string, name: string): Promise<T | undefined> {
    try {
      const document = await this.retry(() => this.client.sync.v1.services(serviceSid).documents(name).fetch());
      return document.data as T;
    } catch (error) {
      if (twilioStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Creates the item only if its key is absent; false when it already exists (54208). */
  async createMapItem(serviceSid: string, map: string, key: string, data: object, ttlSeconds?: number): Promise<boolean> {
    const create = () =>
      this.client.sync.v1
        .services(serviceSid)
        .syncMaps(map)
        .syncMapItems.create({ key, data, ...(ttlSeconds ? { itemTtl: ttlSeconds } : {}) });
    try {
      await this.retry(create);
      return true;
    } catch (error) {
      if (twilioErrorCode(error) === SYNC_ITEM_EXISTS) return false;
      if (twilioStatus(error) !== 404) throw error;
    }
    // The map does not exist yet: create it (a concurrent creator may win) and try again.
    await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps.create({ uniqueName: map })).catch((error: unknown) => {
      if (twilioStatus(error) !== 409) throw error;
    });
    try {
      await this.retry(create);
      return true;
    } catch (error) {
      if (twilioErrorCode(error) === SYNC_ITEM_EXISTS) return false;
      throw error;
    }
  }

  async fetchMapItem<T>(serviceSid: string, map: string, key: string): Promise<MapItem<T> | undefined> {
    try {
      const item = await this.retry(() => this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).fetch());
      return { data: item.data as T, revision: item.revision };
    } catch (error) {
      if (twilioStatus(error) === 404) return undefined;
      throw error;
    }
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
    const response = await this.retry(async () => {
      const res = await this.client.request({ method: 'get', uri: `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/Tasks/${taskSid}` });
      if (res.statusCode >= 400) throw Object.assign(new Error(`fetch task ${taskSid} answered ${res.statusCode}`), { status: res.statusCode, code: (res.body as { code?: number })?.code });
      return res;
    });
    const body = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<string, string>;
    const headers = response.headers as Record<string, string>;
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
  async mergeTaskAttributes(workspaceSid: string, taskSid: string, changes: Record<string, unknown>, attempts = 5): Promise<TaskSnapshot> {
    for (let attempt = 1; ; attempt++) {
      const task = await this.fetchTask(workspaceSid, taskSid);
      const attributes = JSON.stringify({ ...task.attributes, ...changes });
      try {
        await this.retry(() => this.client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).update({ attributes, ifMatch: task.etag }));
        return task;
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

  /** Puts the worker back in an available activity if it is not in one. Returns what changed. */
  async ensureWorkerAvailable(workspaceSid: string, workerSid: string): Promise<{ changed: boolean; from?: string; to?: string }> {
    const workspace = this.client.taskrouter.v1.workspaces(workspaceSid);
    const worker = await this.retry(() => workspace.workers(workerSid).fetch());
    if (worker.available) return { changed: false };
    const activities = await this.retry(() => workspace.activities.list({ available: 'true', limit: 20 }));
    const target = activities.find((a) => a.friendlyName === 'Available') ?? activities[0];
    if (!target) throw new Error(`workspace ${workspaceSid} has no available activity`);
    await this.retry(() => workspace.workers(workerSid).update({ activitySid: target.sid }));
    return { changed: true, from: worker.activityName, to: target.friendlyName };
  }

  // --- Conversations ---

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
    await this.retry(() =>
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

function safeObject(json: string | undefined | null): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
