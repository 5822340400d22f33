// Our state in the integration's own Sync service: the config document, the conversation → session
// maps, the session → conversation maps, and the claim maps, each family sharded (common/shards.ts).
import { randomUUID } from 'node:crypto';
import {
  type BridgeConfig,
  CONFIG_DOCUMENT,
  type ConfigDocument,
  isVersionAtLeast,
  OPENCX_WEBHOOK_HEALTH_DOCUMENTS,
  OPENCX_WEBHOOK_REFUSED_DOCUMENT,
  type OpenCxWebhookRefusal,
  parseConfig,
  readConfigFields,
  webhookHealthNote,
} from '../common/config';
import { currentObjects, earlierLocationsOf, locationOf, type ShardedObjects } from '../common/shards';
import { type CreatedMapItem, type MapItem, type SyncApi, undefinedIfNotFound } from '../common/twilio';
import {
  configToRecord,
  type ConversationRecord,
  type Handback,
  isStaleClaim,
  type PendingHandoff,
} from './conversation-record';
import { DEDUP_SHARDS, DEDUP_TTL_SECONDS, messageClaimKey } from './dedup';
import type { KnownRecord } from './deps';
import { INSIGHT_MAPS, INSIGHT_TTL_SECONDS, type InsightEvent } from './insights';
import { USAGE_MAP, USAGE_TTL_SECONDS, type UsageItem } from './opencx-usage';
import { waitsForResend } from './rate-limit';

/**
 * Conversation SID → our record. Every event of a conversation reads it: 64 maps keep 1,000
 * concurrent conversations (their engage burst included) far under Sync's per-object rate.
 */
export const CONVERSATION_MAPS: ShardedObjects = { base: 'opencx_conversations', count: 64, retired: [1] };
/** OpenCX session id → `{ conversationSid }`, for OpenCX's webhooks. */
export const SESSION_MAPS: ShardedObjects = { base: 'opencx_sessions', count: 16, retired: [1] };
/** One-shot claims: customer messages, AI answers, handoff notes. */
export const CLAIM_MAPS: ShardedObjects = { base: 'opencx_dedup', count: DEDUP_SHARDS, retired: [] };
/** Every map the bridge writes; the settings save creates them before the first event. */
export const STATE_MAPS: readonly string[] = [CONVERSATION_MAPS, SESSION_MAPS, CLAIM_MAPS, INSIGHT_MAPS].flatMap(
  currentObjects,
);
/**
 * OpenCX may answer by webhook long after the session was made: the mapping outlives any conversation
 * the AI holds, which ends with its task (a task TaskRouter has not assigned lives at most 14 days).
 */
export const SESSION_TTL_SECONDS = 15 * 24 * 3600;

/** How long a container takes a retired map that still holds items to hold them, before it looks again. */
export const RETIRED_RECHECK_MS = 5 * 60_000;
/**
 * The retired maps a container looked at (by service): one found empty, or missing as in any install
 * newer than its layout, stays so, since items are only ever created under the current layout. A miss
 * (most events of conversations the AI does not hold) then costs one read, not one per layout.
 */
const retiredMaps = new Map<string, { holdsItems: boolean; at: number }>();

export function forgetRetiredMaps(): void {
  retiredMaps.clear();
}

/** How long a warm container trusts the config it read, unless an event names a newer version. */
export const CONFIG_CACHE_MS = 30_000;
let configCache: { serviceSid: string; at: number; config: BridgeConfig } | undefined;
/**
 * The last settings this container read, kept when a later read fails: a failed event's timer is
 * armed in its workspace while Sync is down (the timer workspace seldom changes).
 */
let lastConfig: { serviceSid: string; config: BridgeConfig } | undefined;
/** The config read in progress: concurrent events of one container share it (single flight). */
let configRead: { serviceSid: string; read: Promise<BridgeConfig | undefined> } | undefined;

export function forgetCachedConfig(): void {
  configCache = undefined;
  configRead = undefined;
}

/** Attempts of the writers that meet on one record while a session is made: a burst of parks, and the engage. */
export const PARK_ATTEMPTS = 12;

export class BridgeState {
  /** The map each conversation record was found in: a record written under a retired layout stays where it is. */
  private readonly located = new Map<string, string>();

  constructor(
    private readonly sync: SyncApi,
    readonly syncServiceSid: string,
  ) {}

  /**
   * The saved config. A warm Functions container reuses it: Sync allows about 20 reads/s per
   * document, which would otherwise cap every event of the contact center, and concurrent events
   * share one read. The webhook URLs carry the config's version (`cv`), so a saved change applies
   * from the next event. Settings newer than the event names serve it too: when a save could not
   * register its version, the URLs name an older one, and every event would read the document.
   */
  async loadConfig(
    options: { version?: string; fresh?: boolean; now?: number } = {},
  ): Promise<BridgeConfig | undefined> {
    const now = options.now ?? Date.now();
    const named = (config: BridgeConfig | undefined): boolean =>
      options.version === undefined || isVersionAtLeast(config?.configVersion, options.version);
    const cached = configCache?.serviceSid === this.syncServiceSid ? configCache : undefined;
    if (cached && !options.fresh && now - cached.at < CONFIG_CACHE_MS && named(cached.config)) return cached.config;
    // A read in progress started after the cache was filled, so it is at least as new as the cache.
    const inProgress = configRead?.serviceSid === this.syncServiceSid ? configRead.read : undefined;
    if (inProgress) {
      const config = await inProgress;
      if (named(config)) return config;
    }
    // The event names another version than the shared read found: one newer read, shared too.
    const newer =
      configRead?.serviceSid === this.syncServiceSid && configRead.read !== inProgress ? configRead.read : undefined;
    return newer ?? this.readConfig(now);
  }

  /** The last settings this container read, however old: for arming a timer when they cannot be read now. */
  lastKnownConfig(): BridgeConfig | undefined {
    return lastConfig?.serviceSid === this.syncServiceSid ? lastConfig.config : undefined;
  }

  private readConfig(now: number): Promise<BridgeConfig | undefined> {
    const serviceSid = this.syncServiceSid;
    const read = this.sync.fetchDocument(serviceSid, CONFIG_DOCUMENT).then((document) => parseConfig(document?.data));
    const flight = { serviceSid, read };
    configRead = flight;
    const settle = (config?: BridgeConfig): void => {
      // A save since (or a newer read) supersedes this one.
      if (configRead !== flight) return;
      configRead = undefined;
      configCache = config ? { serviceSid, at: now, config } : undefined;
      if (config) lastConfig = { serviceSid, config };
    };
    read.then(settle, () => settle(undefined));
    return read;
  }

  /** Whatever the config document holds, complete or not (empty when there is none). */
  async storedConfig(): Promise<Partial<ConfigDocument>> {
    return (await this.storedConfigRevision()).fields;
  }

  /** The stored settings and their Sync revision (none when there is no document yet). */
  async storedConfigRevision(): Promise<{ fields: Partial<ConfigDocument>; revision?: string }> {
    const document = await this.sync.fetchDocument(this.syncServiceSid, CONFIG_DOCUMENT);
    return { fields: readConfigFields(document?.data), revision: document?.revision };
  }

  /**
   * Saves the settings over the revision they were read at (If-Match; a create when there was no
   * document): the revision the save left, undefined when someone wrote them since (another admin's
   * save, Apply noting its queue).
   */
  async saveConfigOver(document: ConfigDocument, revision: string | undefined): Promise<string | undefined> {
    forgetCachedConfig();
    return this.sync.writeDocumentOver(this.syncServiceSid, CONFIG_DOCUMENT, document, revision);
  }

  /**
   * Notes in the settings the AI queue Apply created (`aiQueueCreatedSid`, so Uninstall deletes
   * that queue and never an admin's), and makes it the AI queue unless the settings name one.
   * Written with If-Match over a concurrent save, never replacing it.
   */
  async recordCreatedAiQueue(queueSid: string): Promise<void> {
    const recorded = await this.changeConfig((data) => ({
      ...data,
      aiQueueSid: data.aiQueueSid ?? queueSid,
      aiQueueCreatedSid: queueSid,
    }));
    if (!recorded) throw new Error(`the settings kept changing: AI queue ${queueSid} was created but not recorded`);
  }

  /** Once Undo deleted the AI queue Apply created, the settings name it no more. */
  async forgetCreatedAiQueue(queueSid: string): Promise<void> {
    const forgotten = await this.changeConfig(({ aiQueueCreatedSid, aiQueueSid, ...data }) => ({
      ...data,
      ...(aiQueueCreatedSid === queueSid ? {} : { aiQueueCreatedSid }),
      ...(aiQueueSid === queueSid ? {} : { aiQueueSid }),
    }));
    if (!forgotten)
      throw new Error(`the settings kept changing: AI queue ${queueSid} was deleted but the settings still name it`);
  }

  /** An If-Match change of the saved settings, never replacing a concurrent save; false when it kept losing. */
  private async changeConfig(change: (data: Record<string, unknown>) => Record<string, unknown>): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const document = await this.sync.fetchDocument<Record<string, unknown>>(this.syncServiceSid, CONFIG_DOCUMENT);
      if (!document) return true;
      if (
        await this.sync.updateDocument(this.syncServiceSid, CONFIG_DOCUMENT, change(document.data), document.revision)
      ) {
        forgetCachedConfig();
        return true;
      }
    }
    return false;
  }

  /** Creates the maps that are missing; returns the ones it created. */
  async createStateMaps(): Promise<string[]> {
    const existing = new Set(await this.sync.listMapNames(this.syncServiceSid));
    const missing = STATE_MAPS.filter((map) => !existing.has(map));
    const created = await Promise.all(missing.map((map) => this.sync.createMap(this.syncServiceSid, map)));
    return missing.filter((_, i) => created[i]);
  }

  /** The item where `key` lives now, else where a retired layout put it (one read per layout tried). */
  private async fetchItem<T>(
    maps: ShardedObjects,
    key: string,
    locations = [locationOf(maps, key), ...earlierLocationsOf(maps, key)],
  ): Promise<{ item: MapItem<T>; map: string } | undefined> {
    const current = locationOf(maps, key);
    for (const map of locations) {
      if (map !== current && !(await this.mayHoldItems(map))) continue;
      const item = await this.sync.fetchMapItem<T>(this.syncServiceSid, map, key);
      if (item) return { item, map };
    }
    return undefined;
  }

  /** Whether a retired map may still hold items; when that cannot be told, it may. */
  private async mayHoldItems(map: string): Promise<boolean> {
    const key = `${this.syncServiceSid}/${map}`;
    const known = retiredMaps.get(key);
    if (known && (!known.holdsItems || Date.now() - known.at < RETIRED_RECHECK_MS)) return known.holdsItems;
    try {
      const holdsItems = (await this.sync.listMapItems(this.syncServiceSid, map, 1)).length > 0;
      retiredMaps.set(key, { holdsItems, at: Date.now() });
      return holdsItems;
    } catch {
      return true;
    }
  }

  private async fetchRecord(
    conversationSid: string,
    locations?: string[],
  ): Promise<MapItem<ConversationRecord> | undefined> {
    const found = await this.fetchItem<ConversationRecord>(CONVERSATION_MAPS, conversationSid, locations);
    if (found) this.located.set(conversationSid, found.map);
    return found?.item;
  }

  private recordMap(conversationSid: string): string {
    return this.located.get(conversationSid) ?? locationOf(CONVERSATION_MAPS, conversationSid);
  }

  async conversation(conversationSid: string): Promise<KnownRecord | undefined> {
    const item = await this.fetchRecord(conversationSid);
    return item && { record: item.data, revision: item.revision };
  }

  /**
   * Claims the conversation for the AI: only the first caller gets `claimed: true` (Sync refuses
   * a second create of the same key), so exactly one OpenCX session is created.
   * A stale claim (its Function died before creating the session) is taken over.
   */
  async claim(
    conversationSid: string,
    record: ConversationRecord,
    /**
     * This offer's own claim without a session is taken over too, whatever its age (its engage
     * failed), if made before `claimedBefore` (when the offer's timer was armed).
     */
    takeOverOffer?: { reservationSid: string; claimedBefore?: number },
  ): Promise<{ claimed: boolean; existing?: ConversationRecord; record?: ConversationRecord }> {
    const map = locationOf(CONVERSATION_MAPS, conversationSid);
    // A record kept under a retired layout is the conversation's claim.
    const retired = await this.fetchRecord(conversationSid, earlierLocationsOf(CONVERSATION_MAPS, conversationSid));
    const created: CreatedMapItem = retired
      ? { created: false, retried: false }
      : await this.sync.createMapItem(this.syncServiceSid, map, conversationSid, record);
    if (created.created) {
      this.located.set(conversationSid, map);
      return { claimed: true };
    }
    const existing = retired ?? (await this.fetchRecord(conversationSid, [map]));
    if (!existing) return this.claim(conversationSid, record, takeOverOffer);
    // A relay may have parked a message on our claim since: the claim is still ours, and so is the message.
    const { pendingMessages: _parked, ...claimed } = existing.data;
    if (isOurLostCreate(created, claimed, record)) return { claimed: true };
    const failedEngage =
      takeOverOffer !== undefined &&
      existing.data.phase === 'ai' &&
      !existing.data.sessionId &&
      existing.data.reservationSid === takeOverOffer.reservationSid &&
      (takeOverOffer.claimedBefore === undefined || existing.data.claimedAt < takeOverOffer.claimedBefore);
    if (failedEngage || isStaleClaim(existing.data, record.claimedAt)) {
      // A resume cut short keeps its handback, so the engage that takes over still says it to the AI.
      const takeover = existing.data.handback ? { ...record, handback: existing.data.handback } : record;
      const taken = await this.sync.updateMapItem(
        this.syncServiceSid,
        this.recordMap(conversationSid),
        conversationSid,
        takeover,
        existing.revision,
      );
      if (taken) return { claimed: true, record: takeover };
      // The takeover landed though its answer was lost: the record is ours, exactly as written.
      const after = await this.fetchRecord(conversationSid, [map]);
      if (after && JSON.stringify(after.data) === JSON.stringify(takeover)) return { claimed: true, record: takeover };
    }
    return { claimed: false, existing: existing.data };
  }

  /**
   * Read-modify-write with If-Match; returns the record written, or undefined if it is gone (or
   * `change` returns undefined). `known` saves the first read when it is still current.
   */
  async update(
    conversationSid: string,
    change: (record: ConversationRecord) => ConversationRecord | undefined,
    known?: KnownRecord,
    attempts = 5,
  ): Promise<KnownRecord | undefined> {
    let item = known?.revision ? { data: known.record, revision: known.revision } : undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      item ??= await this.fetchRecord(conversationSid);
      if (!item) return undefined;
      const next = change(item.data);
      if (!next) return undefined;
      // A record deleted since it was read (the conversation ended) answers 404: read again, and find it gone.
      const revision = await undefinedIfNotFound(
        this.sync.updateMapItem(
          this.syncServiceSid,
          this.recordMap(conversationSid),
          conversationSid,
          next,
          item.revision,
        ),
      );
      if (revision) return { record: next, revision };
      item = undefined;
    }
    throw new Error(`conversation ${conversationSid}: too many concurrent writers`);
  }

  /**
   * `update` for a move of the conversation from one phase to another: when the record is as `ours`
   * says our own write left it (its answer lost, a retry then met the new revision), that record
   * (its revision unknown) rather than undefined.
   */
  private async move(
    conversationSid: string,
    change: (record: ConversationRecord) => ConversationRecord | undefined,
    ours: (record: ConversationRecord) => boolean,
    known?: KnownRecord,
  ): Promise<KnownRecord | undefined> {
    let landed: KnownRecord | undefined;
    const moved = await this.update(
      conversationSid,
      (r) => {
        if (ours(r)) landed = { record: r, revision: '' };
        return change(r);
      },
      known,
    );
    return moved ?? landed;
  }

  /**
   * Puts the settings an event was handled with onto the record, so the conversation's next events
   * read no config document. One If-Match write; a concurrent writer wins and the copy waits for
   * the next event. Best effort: a failed write must not cost the event its work, and leaves the
   * revision unknown (it may have been applied). Returns the record as it now is.
   */
  async recordConfig(conversationSid: string, config: BridgeConfig, known: KnownRecord): Promise<KnownRecord> {
    const recorded = configToRecord(config);
    if (!recorded || !known.revision) return known;
    const record = { ...known.record, config: recorded };
    const revision = await this.sync
      .updateMapItem(this.syncServiceSid, this.recordMap(conversationSid), conversationSid, record, known.revision)
      .catch(() => undefined);
    return revision ? { record, revision } : { record: known.record, revision: '' };
  }

  /**
   * Moves the conversation from the AI to humans, recording why, only if the AI still holds it:
   * of two concurrent handoffs (or a handoff racing a human's accept) exactly one goes ahead.
   * One Sync call when `known` is current. Undefined when the AI no longer held it.
   */
  async beginHandoff(
    conversationSid: string,
    handoff: PendingHandoff,
    known?: KnownRecord,
    /** Not while this holds for the record as written over (an answer being posted, for a watchdog). */
    standDown?: (record: ConversationRecord) => boolean,
  ): Promise<ConversationRecord | undefined> {
    const moved = await this.move(
      conversationSid,
      (r) => {
        if (r.phase !== 'ai' || standDown?.(r)) return undefined;
        // Messages left for an engage that never finished are the humans' now, never a later resume's.
        const { pendingMessages: _parked, ...rest } = r;
        return { ...rest, phase: 'handoff', handoff: { ...handoff, oncePer: 'engagement' } };
      },
      (r) => r.phase === 'handoff' && r.handoff?.at === handoff.at && r.handoff.reason === handoff.reason,
      known,
    );
    return moved?.record;
  }

  /**
   * Records `key` as the AI's last words of the handoff OpenCX decided, when that handoff recorded
   * none (OpenCX's handoff event came before them). True when `key` is (now) them: of two answers
   * of the session, only the first is posted after the handoff.
   */
  async claimFarewell(conversationSid: string, key: string, known?: KnownRecord): Promise<boolean> {
    let recorded = false;
    await this.update(
      conversationSid,
      (r) => {
        recorded = r.phase === 'handoff' && r.handoff?.byAi === true && (r.handoff.farewell ?? key) === key;
        return recorded && r.handoff?.farewell === undefined
          ? { ...r, handoff: { ...r.handoff!, farewell: key } }
          : undefined;
      },
      known,
    );
    return recorded;
  }

  /**
   * Moves the conversation from humans to 'handback', recording it, only if humans still hold it, on
   * the agent's task: of two concurrent handbacks exactly one goes ahead, and a colleague's accept of
   * a transfer recorded meanwhile stops it. Undefined when it was not theirs any more.
   */
  async beginHandback(
    conversationSid: string,
    handback: Handback,
    known?: KnownRecord,
  ): Promise<KnownRecord | undefined> {
    const theirs = (r: ConversationRecord): boolean =>
      r.phase === 'handoff' || (r.phase === 'human' && r.taskSid === handback.fromTaskSid);
    return this.move(
      conversationSid,
      (r) => (theirs(r) ? { ...r, phase: 'handback', handback } : undefined),
      (r) => r.phase === 'handback' && !!r.handback && sameHandback(r.handback, handback),
      known,
    );
  }

  /** Records the task a handback's invite made, unless the AI resumed on it already. */
  async noteInvitedTask(conversationSid: string, at: string, taskSid: string): Promise<void> {
    await this.update(conversationSid, (r) =>
      r.phase === 'handback' && r.handback?.at === at && !r.handback.invitedTaskSid
        ? { ...r, handback: { ...r.handback, invitedTaskSid: taskSid } }
        : undefined,
    );
  }

  /** A handback whose invite certainly failed: the conversation is the humans' again, as it was. */
  async undoHandback(conversationSid: string, at: string, phase: 'human' | 'handoff'): Promise<void> {
    await this.update(conversationSid, (r) => {
      if (r.phase !== 'handback' || r.handback?.at !== at) return undefined;
      const { handback: _undone, ...rest } = r;
      return { ...rest, phase };
    });
  }

  /**
   * A handback no AI worker took: the conversation is being handed to humans on the task the invite
   * made (the session of the human part stays, for the conversation's end to close).
   */
  async untakenHandback(
    conversationSid: string,
    timer: Pick<Handback, 'at' | 'invitedAt'>,
    invitedTaskSid: string,
    handoff: PendingHandoff,
    known?: KnownRecord,
  ): Promise<KnownRecord | undefined> {
    return this.move(
      conversationSid,
      (r) => {
        // A click that invited again since armed a timer of its own.
        if (r.phase !== 'handback' || r.handback?.at !== timer.at || r.handback.invitedAt !== timer.invitedAt)
          return undefined;
        const { reservationSid: _none, humanWorkerSid: _earlier, pendingMessages: _parked, ...rest } = r;
        return {
          ...rest,
          phase: 'handoff',
          taskSid: invitedTaskSid,
          handoff: { ...handoff, oncePer: 'engagement' },
          handback: { ...r.handback, invitedTaskSid },
        };
      },
      (r) => r.phase === 'handoff' && r.taskSid === invitedTaskSid && r.handoff?.at === handoff.at,
      known,
    );
  }

  /**
   * The AI takes the conversation back on the task the handback invited: like a new claim (no
   * session yet, so relays wait for it), exactly one of two concurrent offers goes ahead.
   */
  async resumeAi(
    conversationSid: string,
    task: { taskSid: string; reservationSid: string; at: string; offeredAt?: number },
    now: number,
    known?: KnownRecord,
  ): Promise<KnownRecord | undefined> {
    return this.move(
      conversationSid,
      (r) => {
        if (r.phase !== 'handback' || r.handback?.at !== task.at) return undefined;
        const {
          sessionId: _previous,
          humanWorkerSid: _human,
          handoff: _handoff,
          pendingMessages: _parked,
          ...rest
        } = r;
        return {
          ...rest,
          phase: 'ai',
          taskSid: task.taskSid,
          reservationSid: task.reservationSid,
          claimedAt: now,
          // The offer it holds now: events from before it (the human part's) say nothing of now.
          ...(task.offeredAt !== undefined && { offeredAt: task.offeredAt }),
          handback: { ...r.handback, invitedTaskSid: task.taskSid },
        };
      },
      // Its reservation, claimed at this very time, no session yet.
      (r) => r.phase === 'ai' && r.reservationSid === task.reservationSid && r.claimedAt === now && !r.sessionId,
      known,
    );
  }

  /**
   * Leaves a customer message to the engaging Function while the session is still being made:
   * 'parked' when the record took it; else the record as it is now (the session may have been
   * recorded meanwhile, so the caller relays the message itself).
   */
  async parkMessage(
    conversationSid: string,
    messageSid: string,
    known?: KnownRecord,
  ): Promise<'parked' | KnownRecord | undefined> {
    const parked = await this.update(
      conversationSid,
      (r) =>
        r.phase === 'ai' && !r.sessionId
          ? { ...r, pendingMessages: [...(r.pendingMessages ?? []).filter((sid) => sid !== messageSid), messageSid] }
          : undefined,
      known,
      // A burst of messages in the engage's first seconds parks at once, each write losing to the others':
      // a park that gave up would leave its message to nobody (the engage listed the conversation before it).
      PARK_ATTEMPTS,
    );
    return parked ? 'parked' : this.conversation(conversationSid);
  }

  /**
   * The engage's OpenCX session (and the customer's author) onto the record its claim (`claimedAt`)
   * made, taking the messages relays parked meanwhile; undefined when that claim is no longer the
   * AI's (the conversation ended, was claimed again, or went to humans meanwhile). As many attempts
   * as the parks it meets.
   */
  async recordSession(
    conversationSid: string,
    sessionId: string,
    customerAuthor: string | undefined,
    claimedAt: number,
    /** Idle close is off: the session's timer is owed, armed at an event once it is turned on. */
    idleTimerOwed = false,
  ): Promise<{ known: KnownRecord; parked: string[] } | undefined> {
    let parked: string[] = [];
    const known = await this.update(
      conversationSid,
      ({ pendingMessages = [], ...r }) => {
        const ours = r.phase === 'ai' && r.claimedAt === claimedAt && (r.sessionId ?? sessionId) === sessionId;
        if (!ours) return undefined;
        // Kept across attempts: an attempt whose answer was lost took the list although it reads as failed.
        parked = [...new Set([...parked, ...pendingMessages])];
        return {
          ...r,
          sessionId,
          ...(customerAuthor !== undefined && { customerAuthor }),
          ...(idleTimerOwed && { idleTimerOwed: sessionId }),
        };
      },
      undefined,
      PARK_ATTEMPTS,
    );
    return known && { known, parked };
  }

  /**
   * Opens the queue of a text waiting for its resend (a rate-limited one) in `sessionId`, owned by
   * the text's first message: an open queue of the same owner (its resend refused again) keeps what
   * waits in it; a live queue of another resend is left to that one. False when the AI left the session.
   */
  async openResendQueue(
    conversationSid: string,
    sessionId: string,
    owner: string,
    until: number,
    now: number,
    known?: KnownRecord,
  ): Promise<boolean> {
    const opened = await this.update(
      conversationSid,
      (r) => {
        if (r.phase !== 'ai' || r.sessionId !== sessionId) return undefined;
        const open = r.resendQueue?.sessionId === sessionId ? r.resendQueue : undefined;
        if (open && open.owner !== owner && waitsForResend(r, now)) return undefined;
        // An overdue queue of another resend is its watchdogs' to send: this one starts empty.
        const kept = open?.owner === owner ? open : undefined;
        return {
          ...r,
          resendQueue: {
            sessionId,
            owner,
            messageSids: kept?.messageSids ?? [],
            until: Math.max(until, kept?.until ?? 0),
          },
        };
      },
      known,
      PARK_ATTEMPTS,
    );
    return opened !== undefined;
  }

  /**
   * Queues a customer message behind the text waiting for its resend: 'queued' when the queue took
   * it; else the record as it is now (the resend has taken the queue, so the caller sends it).
   */
  async queueBehindResend(
    conversationSid: string,
    messageSid: string,
    now: number,
    known?: KnownRecord,
  ): Promise<'queued' | KnownRecord | undefined> {
    const queued = await this.update(
      conversationSid,
      (r) =>
        waitsForResend(r, now)
          ? {
              ...r,
              resendQueue: {
                ...r.resendQueue!,
                messageSids: [...r.resendQueue!.messageSids.filter((sid) => sid !== messageSid), messageSid],
              },
            }
          : undefined,
      known,
      PARK_ATTEMPTS,
    );
    return queued ? 'queued' : this.conversation(conversationSid);
  }

  /**
   * Closes the resend queue of `sessionId`, returning the messages it held (none when it was not
   * open). Only the queue of `owner`, when one is named (a resend takes its own queue only).
   */
  async takeResendQueue(
    conversationSid: string,
    sessionId: string,
    known?: KnownRecord,
    owner?: string,
    /** Only once overdue at this time (epoch ms): an overdue queue's watchdog leaves a live one alone. */
    overdueAt?: number,
  ): Promise<string[]> {
    let taken: string[] = [];
    await this.update(
      conversationSid,
      ({ resendQueue, ...r }) => {
        if (resendQueue?.sessionId !== sessionId || (owner !== undefined && resendQueue.owner !== owner))
          return undefined;
        if (overdueAt !== undefined && overdueAt < resendQueue.until) return undefined;
        // Kept across attempts: an attempt whose answer was lost took the queue although it reads as failed.
        taken = [...new Set([...taken, ...resendQueue.messageSids])];
        return r;
      },
      known,
      PARK_ATTEMPTS,
    );
    return taken;
  }

  /**
   * Deletes the record only while `still` holds for it (If-Match): a record another event has
   * since given a new task stays. Once it is gone: `gone`, with the record as it was deleted.
   */
  async forgetIf(
    conversationSid: string,
    still: (record: ConversationRecord) => boolean,
    known?: KnownRecord,
  ): Promise<{ gone: true; deleted?: ConversationRecord } | { gone: false }> {
    let item = known?.revision ? { data: known.record, revision: known.revision } : undefined;
    for (let attempt = 1; attempt <= 5; attempt++) {
      item ??= await this.fetchRecord(conversationSid);
      if (!item) return { gone: true };
      if (!still(item.data)) return { gone: false };
      const map = this.recordMap(conversationSid);
      if (await this.sync.deleteMapItem(this.syncServiceSid, map, conversationSid, item.revision))
        return { gone: true, deleted: item.data };
      item = undefined;
    }
    throw new Error(`conversation ${conversationSid}: too many concurrent writers`);
  }

  async forget(conversationSid: string): Promise<void> {
    const locations = [
      locationOf(CONVERSATION_MAPS, conversationSid),
      ...earlierLocationsOf(CONVERSATION_MAPS, conversationSid),
    ];
    await Promise.all(locations.map((map) => this.sync.deleteMapItem(this.syncServiceSid, map, conversationSid)));
  }

  /**
   * The Flex conversation an OpenCX session answers in (for OpenCX's webhooks), and the task it was
   * made for (an agent's verdict on that task may note it on the session).
   */
  async rememberSession(sessionId: string, conversationSid: string, taskSid: string): Promise<void> {
    await this.sync.createMapItem(
      this.syncServiceSid,
      locationOf(SESSION_MAPS, sessionId),
      sessionId,
      { conversationSid, taskSid },
      SESSION_TTL_SECONDS,
    );
  }

  async conversationOfSession(sessionId: string): Promise<string | undefined> {
    return (await this.sessionOf(sessionId))?.conversationSid;
  }

  /** What `rememberSession` kept (no `taskSid` for a session remembered before it was kept). */
  async sessionOf(sessionId: string): Promise<{ conversationSid?: string; taskSid?: string } | undefined> {
    const found = await this.fetchItem<{ conversationSid?: unknown; taskSid?: unknown }>(SESSION_MAPS, sessionId);
    if (!found) return undefined;
    const { conversationSid, taskSid } = found.item.data;
    return {
      ...(typeof conversationSid === 'string' ? { conversationSid } : {}),
      ...(typeof taskSid === 'string' ? { taskSid } : {}),
    };
  }

  /**
   * True for the one caller that claims `key` within the hour (an AI answer, a handoff note, an
   * OpenCX delivery). A create whose answer was lost is recognised as ours by its unique token.
   */
  async claimOnce(key: string, ttlSeconds = DEDUP_TTL_SECONDS, by: string = randomUUID()): Promise<boolean> {
    // While a retired layout is listed, a claim made under it still counts.
    if (CLAIM_MAPS.retired.length && (await this.fetchItem(CLAIM_MAPS, key, earlierLocationsOf(CLAIM_MAPS, key))))
      return false;
    const map = locationOf(CLAIM_MAPS, key);
    const claim = { at: new Date().toISOString(), by };
    const created = await this.sync.createMapItem(this.syncServiceSid, map, key, claim, ttlSeconds);
    if (created.created || !created.retried) return created.created;
    return isOurLostCreate(created, (await this.sync.fetchMapItem(this.syncServiceSid, map, key))?.data, claim);
  }

  /**
   * Takes over a claim made more than `staleMs` ago: its Function failed and could not give it back
   * (Sync down). If-Match, so of two takers one gets it; a claim gone since is claimed afresh.
   */
  async takeOverStaleClaim(key: string, staleMs: number, ttlSeconds: number): Promise<boolean> {
    const map = locationOf(CLAIM_MAPS, key);
    const item = await this.sync.fetchMapItem<{ at?: unknown }>(this.syncServiceSid, map, key);
    if (!item) return this.claimOnce(key, ttlSeconds);
    const at = typeof item.data.at === 'string' ? Date.parse(item.data.at) : Number.NaN;
    if (!(Date.now() - at > staleMs)) return false;
    const claim = { at: new Date().toISOString(), by: randomUUID() };
    const taken = await undefinedIfNotFound(
      this.sync.updateMapItem(this.syncServiceSid, map, key, claim, item.revision),
    );
    if (taken !== false) return taken !== undefined;
    // A 412: another taker wrote first, or our write landed and its answer was lost (the retry met it).
    const now = await this.sync.fetchMapItem<{ by?: unknown }>(this.syncServiceSid, map, key);
    return now?.data.by === claim.by;
  }

  /** Whether anyone holds the claim of `key` (made under the current layout). */
  async isClaimed(key: string): Promise<boolean> {
    return (await this.sync.fetchMapItem(this.syncServiceSid, locationOf(CLAIM_MAPS, key), key)) !== undefined;
  }

  /** Gives a claim back, so a retry can take it. */
  async release(key: string): Promise<void> {
    await this.sync.deleteMapItem(this.syncServiceSid, locationOf(CLAIM_MAPS, key), key);
  }

  /**
   * Gives a claim back only if `claimOnce(key, …, by)` made it: a claim whose outcome is unknown
   * (the create failed, or its answer was lost) may be another Function's, which must stay.
   */
  async releaseOwn(key: string, by: string): Promise<void> {
    const map = locationOf(CLAIM_MAPS, key);
    const item = await this.sync.fetchMapItem<{ by?: unknown }>(this.syncServiceSid, map, key);
    if (item?.data.by === by) await this.sync.deleteMapItem(this.syncServiceSid, map, key, item.revision);
  }

  /** A customer message is sent to the AI once, whatever Twilio retries (its SID is the key). */
  claimMessage(messageSid: string, by?: string): Promise<boolean> {
    return this.claimOnce(messageClaimKey(messageSid), DEDUP_TTL_SECONDS, by);
  }

  /** Gives a message's claim back only if `claimMessage(messageSid, by)` made it. */
  releaseOwnMessage(messageSid: string, by: string): Promise<void> {
    return this.releaseOwn(messageClaimKey(messageSid), by);
  }

  releaseMessage(messageSid: string): Promise<void> {
    return this.release(messageClaimKey(messageSid));
  }

  /** One container's count of OpenCX requests and 429s, for the setup check (opencx-usage.ts). */
  async noteOpencxUsage(key: string, item: UsageItem): Promise<void> {
    await this.sync.createMapItem(this.syncServiceSid, USAGE_MAP, key, item, USAGE_TTL_SECONDS);
  }

  /** The newest counts; enough for the setup check's window at one write per container a minute. */
  opencxUsage(): Promise<unknown[]> {
    return this.sync.listNewestMapItems(this.syncServiceSid, USAGE_MAP, 1000);
  }

  /** One event for the supervisors' insights: one create-only write, kept 90 days (insights.ts). */
  async recordInsight(key: string, event: InsightEvent): Promise<void> {
    await this.sync.createMapItem(this.syncServiceSid, locationOf(INSIGHT_MAPS, key), key, event, INSIGHT_TTL_SECONDS);
  }

  /** Takes back an insight recorded for what turned out not to happen; one never written is no error. */
  async withdrawInsight(key: string): Promise<void> {
    await this.sync.deleteMapItem(this.syncServiceSid, locationOf(INSIGHT_MAPS, key), key);
  }

  /**
   * Notes that a signed OpenCX event arrived, for the setup check, in the health document `key` falls
   * on, with the fingerprint of the secret that verified it.
   */
  noteOpencxEvent(event: string, at: Date, key: string, secretFingerprint: string): Promise<void> {
    return this.sync.saveDocument(
      this.syncServiceSid,
      locationOf(OPENCX_WEBHOOK_HEALTH_DOCUMENTS, key),
      webhookHealthNote(event, at, secretFingerprint),
    );
  }

  /** Notes that an OpenCX delivery was refused for its signature under the saved secret, for the setup check. */
  noteOpencxRefusal(refusal: OpenCxWebhookRefusal): Promise<void> {
    return this.sync.saveDocument(this.syncServiceSid, OPENCX_WEBHOOK_REFUSED_DOCUMENT, refusal);
  }
}

/**
 * A key that "already existed" after a retried create may be our own first attempt, whose answer
 * was lost: the stored data then equals ours, and the create counts as ours.
 */
function isOurLostCreate(created: CreatedMapItem, stored: unknown, ours: object): boolean {
  return created.retried && !created.created && JSON.stringify(stored) === JSON.stringify(ours);
}

/** The same handback: by its id, or (a record written before ids) by its time and agent. */
function sameHandback(stored: Handback, ours: Handback): boolean {
  if (stored.id !== undefined || ours.id !== undefined) return stored.id === ours.id;
  return stored.at === ours.at && stored.agentSid === ours.agentSid;
}
