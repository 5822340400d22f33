// The setup lock: Test & Save, Apply, Undo and Uninstall write the same TaskRouter, Conversations
// and Sync resources, so one runs at a time. The lock is a Sync document in the integration's own
// service (a document, so the very first save can take it before any map exists), created only if
// absent. It expires: a Function killed at its time limit cannot release it.
import { randomUUID } from 'node:crypto';
import { twilioStatus, undefinedIfNotFound } from '../common/twilio';
import type { SyncApi, SyncDocument } from '../common/twilio/sync';
import { AdminError } from './admin-error';
import type { AdminEnv, PluginCall } from './plugin-endpoint';

export const SETUP_LOCK_DOCUMENT = 'opencx_setup_lock';

/** Well past a Function's 10 s, so a slow operation keeps it; short enough that a killed one blocks no one long. */
export const SETUP_LOCK_MS = 60_000;

/** What the setup's writers call themselves, for the admin who finds the lock held. */
export type SetupOperation = 'Test & Save' | 'Apply fixes' | 'Undo' | 'Uninstall';

export interface SetupLockHolder {
  /** Ours alone: a create whose answer was lost is recognised by it. */
  id: string;
  operation: SetupOperation;
  by: string;
  /** ISO 8601; from then on the lock is free to take over. */
  expiresAt: string;
}

export type LockAttempt = { held: true } | { held: false; holder?: SetupLockHolder };

/**
 * Kept from the operation's budget for the release, which has a budget of its own (within the
 * Function's time limit): a save that ran out of time must not keep its admin out (setup_busy,
 * naming them) until the lock expires.
 */
export const LOCK_RELEASE_MS = 700;

/** How much later than its holder's `expiresAt` Sync's own expiry of a lock may be with clocks agreeing. */
const SYNC_EXPIRY_SLACK_MS = 2000;

/** Create, then read, then take over an expired lock: this often before giving up. */
const ROUNDS = 3;

const isLive = (holder: Partial<SetupLockHolder>, now: number): boolean =>
  typeof holder.expiresAt === 'string' && Date.parse(holder.expiresAt) > now;

export class SetupLock {
  constructor(
    private readonly sync: SyncApi,
    private readonly serviceSid: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the lock for `holder` unless another live holder has it. An expired lock is taken over
   * with If-Match, so of two takers one wins and the other reads the winner's lock.
   */
  async acquire(holder: SetupLockHolder): Promise<LockAttempt> {
    const ttl = Math.ceil((Date.parse(holder.expiresAt) - this.now()) / 1000);
    // The expired lock a takeover was sent for: its answer may be lost, and a later round finds ours.
    let overtaken: SyncDocument<SetupLockHolder> | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      if (await this.sync.createDocument(this.serviceSid, SETUP_LOCK_DOCUMENT, holder, ttl)) return { held: true };
      const current = await this.sync.fetchDocument<SetupLockHolder>(this.serviceSid, SETUP_LOCK_DOCUMENT);
      // Released (or expired by Sync's TTL) since the create: create again.
      if (!current) continue;
      // Our own create (or takeover) was processed but its answer lost, and the retry met it.
      if (current.data.id === holder.id) return this.heldUnlessTooSoon(overtaken, current);
      if (isLive(current.data, this.now())) return { held: false, holder: current.data };
      // A 404: Sync's TTL deleted the expired lock since it was read; the next round creates it. (Thrown,
      // it would read as a missing Sync service, and the operation would run without the lock.)
      overtaken = current;
      const taken = await undefinedIfNotFound(
        this.sync.replaceDocument(this.serviceSid, SETUP_LOCK_DOCUMENT, holder, current.revision, ttl),
      );
      if (taken) return this.heldUnlessTooSoon(current, taken);
    }
    // Every round met an expired lock that went or changed hands: nobody to name as in progress.
    return { held: false };
  }

  /**
   * Ours, unless the lock we took over had expired by its holder's clock only (a terminal whose
   * clock runs behind): judged by Sync's clock alone, it is put back for as long as Sync keeps it.
   */
  private async heldUnlessTooSoon(
    overtaken: SyncDocument<SetupLockHolder> | undefined,
    ours: { revision: string; updatedAt: number },
  ): Promise<LockAttempt> {
    const expiresAt = overtaken?.expiresAt;
    // Sync's expiry is a little after the holder's own even with clocks agreeing (its TTL in whole
    // seconds, from when Sync took the write): within the slack, the lock had expired.
    if (!overtaken || expiresAt === undefined || !(expiresAt > ours.updatedAt + SYNC_EXPIRY_SLACK_MS))
      return { held: true };
    const ttl = Math.max(1, Math.ceil((expiresAt - ours.updatedAt) / 1000));
    // Not put back (someone wrote since, or Sync failed): ours stays until its own TTL, keeping others
    // out while theirs may still run (their release leaves it, not being theirs).
    await this.sync
      .updateDocument(this.serviceSid, SETUP_LOCK_DOCUMENT, overtaken.data, ours.revision, ttl)
      .catch(() => undefined);
    return { held: false, holder: { ...overtaken.data, expiresAt: new Date(expiresAt).toISOString() } };
  }

  /** Deletes the lock if it is still `id`'s: one taken over after it expired is the new holder's. */
  async release(id: string): Promise<void> {
    const current = await this.sync.fetchDocument<SetupLockHolder>(this.serviceSid, SETUP_LOCK_DOCUMENT);
    if (current?.data.id === id) await this.sync.deleteDocument(this.serviceSid, SETUP_LOCK_DOCUMENT);
  }
}

export function setupBusy(holder: SetupLockHolder | undefined): AdminError {
  const who = holder ? ` (${holder.operation} by ${holder.by})` : '';
  return new AdminError(
    409,
    'setup_busy',
    `Another setup change is in progress${who}; try again in a moment`,
    undefined,
    holder ? `setup lock held until ${holder.expiresAt}` : 'setup lock kept changing hands',
  );
}

/**
 * Runs `run` holding the setup lock, released however it ends; a 409 `setup_busy` while another
 * operation holds it. Without a Sync service there is nothing to lock, nor anything the operation could save.
 */
export async function withSetupLock<T>(
  call: PluginCall<AdminEnv>,
  operation: SetupOperation,
  run: () => Promise<T>,
): Promise<T> {
  const serviceSid = call.context.SYNC_SERVICE_SID?.trim();
  if (!serviceSid) return run();
  const lock = new SetupLock(call.twilio.sync, serviceSid);
  // A terminal has no 10 s limit: the lock lasts as long as the operation may.
  const holdMs = Math.max(SETUP_LOCK_MS, call.deadline.remaining());
  const holder: SetupLockHolder = {
    id: randomUUID(),
    operation,
    by: call.caller.identity,
    expiresAt: new Date(Date.now() + holdMs).toISOString(),
  };
  let attempt: LockAttempt;
  try {
    attempt = await lock.acquire(holder);
  } catch (error) {
    // SYNC_SERVICE_SID names no service of the account: the operation reports that itself.
    if (twilioStatus(error) === 404) return run();
    throw error;
  }
  if (!attempt.held) throw setupBusy(attempt.holder);
  call.deadline.shorten(LOCK_RELEASE_MS);
  try {
    return await run();
  } finally {
    const releasing =
      call.deadline.remaining() >= LOCK_RELEASE_MS
        ? lock
        : new SetupLock(call.twilioWithin(LOCK_RELEASE_MS).sync, serviceSid);
    // The lock expires anyway: a failed release must not hide what the operation did.
    await releasing.release(holder.id).catch((error: unknown) => {
      call.trace.setupLockReleaseError = String(error);
    });
  }
}
