// Apply's backups, in the integration's Sync service: before a step writes, the resource as it
// was (the workflow's Configuration exactly as TaskRouter returned it, a webhook's URL, method and
// filters, a workspace's callback and events filter); after it wrote, the revision it left, so
// Undo can tell whether someone changed the resource since. One map item per resource written,
// keyed by the Apply's id (time first, so keys sort in Apply order).
import { randomBytes } from 'node:crypto';
import { configVersionOf, withConfigVersion, withoutConfigVersion } from '../../common/config';
import type { SyncApi, TwilioApis } from '../../common/twilio';
import type { BackupWriter } from './apply';
import { createdAiQueue } from './ai-routing-steps';
import { type PoolWorkerState, readAiWorker, restoreAiWorker } from './ai-worker-step';
import { repairOf, serves } from '../ai-pool';
import { type ResourceBackup, revisionOf } from './steps';

export const BACKUP_MAP = 'opencx_setup_backups';
/** Items read at most: a few hundred Applies, each one or two items per resource written. */
const MAX_ITEMS = 1000;
const AFTER = '~after';
/** A backup too large for one Sync item (16 KiB of data), a large workflow's, is kept in parts. */
const PART = '~part';
const PART_BYTES = 12_000;

export type AppliesFrom = 'oldest' | 'newest';

export interface StoredBackup {
  applyId: string;
  /** ISO 8601. */
  at: string;
  /** The Flex identity (or CLI key) that applied. */
  by: string;
  backup: ResourceBackup;
  /** Its note of how the write left the resource follows (`~after`): without it, that is unknown. */
  notes?: true;
}

/** The item of a backup kept in `parts` items (`<key>~part00`…), its JSON split. */
type StoredInParts = Omit<StoredBackup, 'backup'> & { parts: number };

/** `text` in pieces whose JSON (as Sync stores a string) takes at most `maxBytes` each. */
export function partsOf(text: string, maxBytes = PART_BYTES): string[] {
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const character of text) {
    const bytes = Buffer.byteLength(JSON.stringify(character)) - 2;
    if (size + bytes > maxBytes && current) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += character;
    size += bytes;
  }
  return [...parts, current];
}

const partKey = (key: string, index: number): string => `${key}${PART}${String(index).padStart(2, '0')}`;

/** The backups one Apply stored, with the revision each resource had once written. */
export interface ApplyBackup {
  applyId: string;
  at: string;
  by: string;
  /**
   * `afterRevision`: the resource's revision once written; `notWritten`: the write certainly failed;
   * `unknownAfter`: it could not be read back after the write, so a later edit cannot be told apart;
   * `workerRevisions`: for AI workers, each one's revision once written, so each is judged on its own.
   */
  resources: {
    backup: ResourceBackup;
    afterRevision?: string;
    notWritten?: boolean;
    unknownAfter?: boolean;
    workerRevisions?: Record<string, string>;
  }[];
}

/** Which resource a backup is of: one workspace, service or workflow. */
export function resourceKey(backup: ResourceBackup): string {
  switch (backup.kind) {
    case 'workspace_callback':
      return `workspace:${backup.workspaceSid}`;
    case 'conversations_webhook':
      return `conversations:${backup.serviceSid}`;
    case 'workflow':
      return `workflow:${backup.workspaceSid}/${backup.workflowSid}`;
    case 'ai_queue':
      return `ai_queue:${backup.workspaceSid}`;
    case 'ai_workers':
      return `ai_workers:${backup.workspaceSid}`;
  }
}

/** The resource now, read the way Apply's step for it reads it (so revisions compare); undefined when it is gone. */
export async function readResource(twilio: TwilioApis, backup: ResourceBackup): Promise<unknown> {
  switch (backup.kind) {
    case 'workspace_callback':
      return twilio.taskrouter.fetchWorkspaceCallback(backup.workspaceSid);
    case 'conversations_webhook':
      return twilio.conversations.fetchWebhook(backup.serviceSid);
    case 'workflow': {
      const configuration = await twilio.taskrouter.fetchWorkflowConfigurationText(
        backup.workspaceSid,
        backup.workflowSid,
      );
      return configuration === undefined ? undefined : { workflowSid: backup.workflowSid, configuration };
    }
    case 'ai_queue':
      return createdAiQueue(twilio, backup.workspaceSid);
    case 'ai_workers':
      return Promise.all(
        backup.workers.map((worker) => readAiWorker(twilio.taskrouter, backup.workspaceSid, worker.workerSid)),
      );
  }
}

const URL_FIELDS = ['eventCallbackUrl', 'postWebhookUrl'];

/**
 * The revision Undo compares with the one Apply left. Every Test & Save moves the config version
 * on the webhook URLs that point here: that is not an edit, so the version is left out.
 */
export function undoRevisionOf(resource: unknown): string {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return revisionOf(resource);
  return revisionOf(
    Object.fromEntries(
      Object.entries(resource).map(([field, value]) => [
        field,
        URL_FIELDS.includes(field) && typeof value === 'string' ? withoutConfigVersion(value) : value,
      ]),
    ),
  );
}

/**
 * The resource as read is already as the backup has it: an earlier Undo that did not finish
 * restored it (so the revision that Apply left no longer matches, and that is no edit).
 */
export function isAsBackedUp(backup: ResourceBackup, current: unknown): boolean {
  const url = (value: string | null | undefined): string => (value ? withoutConfigVersion(value) : '');
  const fields = current as Record<string, unknown>;
  switch (backup.kind) {
    case 'workspace_callback':
      return (
        url(fields.eventCallbackUrl as string | null) === url(backup.eventCallbackUrl) &&
        (fields.eventsFilter ?? '') === (backup.eventsFilter ?? '')
      );
    case 'conversations_webhook':
      // A restore cannot empty the events: Twilio keeps the list when an update sends no Filters,
      // which is how an empty list goes out. Without a URL (nor, then, an event list a pre-event
      // webhook of the admin's used) they are moot.
      return (
        url(fields.postWebhookUrl as string | null) === url(backup.postWebhookUrl) &&
        ((url(backup.postWebhookUrl) === '' && backup.filters.length === 0) ||
          [...((fields.filters as string[]) ?? [])].sort().join() === [...backup.filters].sort().join())
      );
    case 'workflow':
      return fields.configuration === backup.configuration;
    case 'ai_workers': {
      const read = current as { sid: string; activitySid?: string; attributes?: unknown; channels?: unknown }[];
      return backup.workers.every((worker) => {
        const now = read.find((candidate) => candidate.sid === worker.workerSid);
        const { workerSid: _sid, ...was } = worker;
        return (
          now !== undefined &&
          revisionOf({ activitySid: now.activitySid, attributes: now.attributes, channels: now.channels }) ===
            revisionOf(was)
        );
      });
    }
    case 'ai_queue':
      return false;
  }
}

/** Where the URL carries a config version (it points here), the settings' current one. */
const currentVersionOn = (url: string | null, configVersion: string | undefined): string =>
  url && configVersion && configVersionOf(url) ? withConfigVersion(url, configVersion) : (url ?? '');

/** Puts the resource back as the backup has it; a URL pointing here gets the settings' current version. */
export async function restoreResource(
  twilio: TwilioApis,
  backup: ResourceBackup,
  configVersion?: string,
): Promise<void> {
  switch (backup.kind) {
    case 'workspace_callback':
      // An empty string removes the callback (and its filter) as it was before.
      return twilio.taskrouter.setWorkspaceCallback(backup.workspaceSid, {
        eventCallbackUrl: currentVersionOn(backup.eventCallbackUrl, configVersion),
        eventsFilter: backup.eventsFilter ?? '',
      });
    case 'conversations_webhook':
      return twilio.conversations.setWebhook(backup.serviceSid, {
        postWebhookUrl: currentVersionOn(backup.postWebhookUrl, configVersion),
        method: backup.method ?? 'POST',
        filters: backup.filters,
      });
    case 'workflow':
      // Tasks waiting in a queue the restored routing no longer targets (the AI's) are routed again.
      return twilio.taskrouter.setWorkflowConfigurationText(
        backup.workspaceSid,
        backup.workflowSid,
        backup.configuration,
        'waiting-tasks-too',
      );
    case 'ai_queue': {
      // TaskRouter refuses while a workflow still targets it: the workflow's own restore comes first.
      const queue = await createdAiQueue(twilio, backup.workspaceSid);
      if (queue && (await twilio.taskrouter.deleteTaskQueue(backup.workspaceSid, queue.sid)) === 'busy')
        throw new Error(`TaskRouter refused to delete queue ${queue.sid}: tasks or a workflow still use it`);
      return;
    }
    case 'ai_workers':
      await Promise.all(
        backup.workers.map((worker) => restoreAiWorker(twilio.taskrouter, backup.workspaceSid, worker)),
      );
  }
}

/** Each AI worker's revision as read (the missing ones left out). */
function workerRevisionsOf(read: unknown): Record<string, string> {
  const workers = Array.isArray(read) ? (read as PoolWorkerState[]) : [];
  return Object.fromEntries(workers.filter((w) => !w.missing).map((worker) => [worker.sid, revisionOf(worker)]));
}

/**
 * Undo of AI workers changed since that Apply, as a whole: each worker is judged on its own. One gone
 * from the workspace, or no longer in the pool (a smaller pool saved since drains it), is left as it
 * is; one unchanged since that Apply, or already as backed up, is put back; one changed otherwise
 * (paused by an admin) is an edit, kept. Backups from before per-worker revisions were kept take a
 * worker still serving as unchanged.
 */
export function workersUndo(
  backup: Extract<ResourceBackup, { kind: 'ai_workers' }>,
  read: readonly PoolWorkerState[],
  pool: readonly string[],
  workerRevisions: Record<string, string> | undefined,
): { restore: Extract<ResourceBackup, { kind: 'ai_workers' }>; gone: string[]; left: string[]; edited: string[] } {
  const gone: string[] = [];
  const left: string[] = [];
  const edited: string[] = [];
  const workers = backup.workers.filter((worker) => {
    const now = read.find((candidate) => candidate.sid === worker.workerSid);
    if (!now || now.missing) {
      gone.push(worker.workerSid);
      return false;
    }
    if (!pool.includes(worker.workerSid)) {
      left.push(worker.workerSid);
      return false;
    }
    const unchanged = workerRevisions ? workerRevisions[worker.workerSid] === revisionOf(now) : serves(repairOf(now));
    const restorable = unchanged || isAsBackedUp({ ...backup, workers: [worker] }, [now]);
    if (!restorable) edited.push(worker.workerSid);
    return restorable;
  });
  return { restore: { ...backup, workers }, gone, left, edited };
}

export function describeResource(backup: ResourceBackup): string {
  switch (backup.kind) {
    case 'workspace_callback':
      return `the event callback of workspace ${backup.workspaceSid}`;
    case 'conversations_webhook':
      return `the post-event webhook of Conversations service ${backup.serviceSid}`;
    case 'workflow':
      return `workflow ${backup.workflowSid}`;
    case 'ai_queue':
      return `the AI queue Apply created in workspace ${backup.workspaceSid}`;
    case 'ai_workers':
      return `AI workers ${backup.workers.map((worker) => worker.workerSid).join(', ')}`;
  }
}

export class SetupBackups {
  constructor(
    private readonly sync: SyncApi,
    private readonly serviceSid: string,
  ) {}

  static newApplyId(now: Date): string {
    return `${now.getTime().toString().padStart(15, '0')}-${randomBytes(3).toString('hex')}`;
  }

  /**
   * An id sorting after every stored Apply's: Applies are ordered by their ids, and a terminal whose
   * clock is behind must not make its Apply older than the one before it. Throws when Sync cannot tell.
   */
  async nextApplyId(now: Date): Promise<string> {
    // Item keys begin with their Apply's id: the newest key is enough.
    const [newest] = await this.sync.listMapItems(this.serviceSid, BACKUP_MAP, 1, 'desc');
    const after = newest ? Number(newest.key.split('-')[0]) : NaN;
    return SetupBackups.newApplyId(
      new Date(Number.isFinite(after) ? Math.max(now.getTime(), after + 1) : now.getTime()),
    );
  }

  /** Stores each backup before its step writes, and the written resource's revision after. */
  writer(applyId: string, by: string, now: Date, twilio: TwilioApis): BackupWriter {
    let next = 0;
    return async (backup) => {
      const key = `${applyId}.${String(next++).padStart(2, '0')}`;
      const stored: StoredBackup = { applyId, at: now.toISOString(), by, backup, notes: true };
      const text = JSON.stringify(backup);
      // The parts first: a reader that finds the backup's item finds all of them.
      const parts = Buffer.byteLength(text) > PART_BYTES ? partsOf(text) : [];
      await Promise.all(parts.map((part, index) => this.create(partKey(key, index), { text: part })));
      const { backup: _, ...about } = stored;
      await this.create(key, parts.length > 0 ? ({ ...about, parts: parts.length } satisfies StoredInParts) : stored);
      return async (outcome) => {
        // Nothing of the write is left: an Undo of it would undo nothing, so Undo goes past this Apply
        // (when nothing else of it stays). Kept, and noted as written, when Sync does not let it go.
        if (outcome === 'undone' && (await this.forget(key, parts.length))) return;
        const written = outcome !== false;
        // Unread, Undo cannot tell a later edit from this write, and restores the resource only when
        // it is as backed up. Read twice: a write's answer lost is often a connection lost.
        const readBack = () =>
          readResource(twilio, backup).then(
            (value) => ({ value }),
            () => undefined,
          );
        const after = written ? ((await readBack()) ?? (await readBack())) : undefined;
        const workers = backup.kind === 'ai_workers' ? { workerRevisions: workerRevisionsOf(after?.value) } : {};
        const note = !written
          ? { notWritten: true }
          : after === undefined
            ? { unknownAfter: true }
            : after.value === undefined
              ? { unknownAfter: true }
              : { revision: undoRevisionOf(after.value), ...workers };
        await this.sync.createMapItem(this.serviceSid, BACKUP_MAP, key + AFTER, note).catch(() => undefined);
      };
    };
  }

  /** Retried after a lost answer, the create finds its own item (the key is this Apply's own). */
  private async create(key: string, data: object): Promise<void> {
    const { created, retried } = await this.sync.createMapItem(this.serviceSid, BACKUP_MAP, key, data);
    if (!created && !retried) throw new Error(`backup ${key} already exists`);
  }

  /** Forgets one backup, its item first (a reader skips a backup whose parts are gone); whether it is gone. */
  private async forget(key: string, parts: number): Promise<boolean> {
    try {
      await this.sync.deleteMapItem(this.serviceSid, BACKUP_MAP, key);
      await Promise.all(
        Array.from({ length: parts }, (_, index) =>
          this.sync.deleteMapItem(this.serviceSid, BACKUP_MAP, partKey(key, index)).catch(() => undefined),
        ),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** The oldest or the newest items, in key order (Apply order). */
  private async items(from: AppliesFrom): Promise<{ key: string; data: unknown }[]> {
    const items = await this.sync.listMapItems(
      this.serviceSid,
      BACKUP_MAP,
      MAX_ITEMS,
      from === 'newest' ? 'desc' : 'asc',
    );
    return from === 'newest' ? items.reverse() : items;
  }

  /**
   * The stored Applies, oldest first: the newest ones (Undo's and the check's: the last Apply is
   * among them however many came before), or the oldest (Uninstall's: what each resource was before
   * the first Apply that wrote it). Beyond `MAX_ITEMS` items the other end is left out.
   */
  async applies(from: AppliesFrom = 'newest'): Promise<ApplyBackup[]> {
    const items = await this.items(from);
    const after = new Map(
      items
        .filter((item) => item.key.endsWith(AFTER))
        .map((item) => [
          item.key.slice(0, -AFTER.length),
          item.data as {
            revision?: string;
            notWritten?: boolean;
            unknownAfter?: boolean;
            workerRevisions?: Record<string, string>;
          },
        ]),
    );
    const texts = new Map(
      items.filter((item) => item.key.includes(PART)).map((item) => [item.key, (item.data as { text?: string }).text]),
    );
    const applies = new Map<string, ApplyBackup>();
    for (const { key, data } of items) {
      if (key.endsWith(AFTER) || key.includes(PART)) continue;
      const stored = fromParts(key, data as StoredBackup | StoredInParts, texts);
      // Parts left out of what was read (the oldest or newest items only): nothing to restore from.
      if (!stored) continue;
      const entry = applies.get(stored.applyId) ?? {
        applyId: stored.applyId,
        at: stored.at,
        by: stored.by,
        resources: [],
      };
      const written = after.get(key);
      entry.resources.push({
        backup: stored.backup,
        afterRevision: written?.revision,
        ...(written?.notWritten ? { notWritten: true } : {}),
        // A note lost (Sync failed, or the Apply ran out of time after the write): as unknown as a failed read-back.
        ...(written?.unknownAfter || (stored.notes && !written) ? { unknownAfter: true } : {}),
        ...(written?.workerRevisions ? { workerRevisions: written.workerRevisions } : {}),
      });
      applies.set(stored.applyId, entry);
    }
    return [...applies.values()];
  }

  /** Forgets one Apply's backups (once Undo restored them), their parts too. */
  async discard(applyId: string): Promise<void> {
    const keys = (await this.items('newest')).map((item) => item.key).filter((key) => key.startsWith(`${applyId}.`));
    await Promise.all(keys.map((key) => this.sync.deleteMapItem(this.serviceSid, BACKUP_MAP, key)));
  }
}

/** The backup of an item, put together from its parts when it was kept in parts; undefined when one is missing. */
function fromParts(
  key: string,
  stored: StoredBackup | StoredInParts,
  texts: ReadonlyMap<string, string | undefined>,
): StoredBackup | undefined {
  if (!('parts' in stored)) return stored;
  const { parts, ...about } = stored;
  const pieces = Array.from({ length: parts }, (_, index) => texts.get(partKey(key, index)));
  if (pieces.some((piece) => typeof piece !== 'string')) return undefined;
  return { ...about, backup: JSON.parse(pieces.join('')) as ResourceBackup };
}
