// Our state in the integration's own Sync service: the config document, the
// conversation → session map, the session → conversation map, and the sharded claim maps.
import { randomUUID } from 'crypto';
import { BridgeConfig, CONFIG_DOCUMENT, ConfigDocument, OPENCX_WEBHOOK_HEALTH_DOCUMENT, parseConfig, readConfigFields } from '../common/config';
import type { CreatedMapItem, SyncApi } from '../common/twilio';
import { ConversationRecord, isStaleClaim, PendingHandoff } from './conversation-record';
import { DEDUP_SHARDS, DEDUP_TTL_SECONDS, dedupShard, messageClaimKey } from './dedup';
import type { KnownRecord } from './deps';
import { USAGE_MAP, USAGE_TTL_SECONDS, UsageItem } from './opencx-usage';

export const CONVERSATIONS_MAP = 'opencx_conversations';
/** OpenCX session id → `{ conversationSid }`, for OpenCX's webhooks. */
export const SESSIONS_MAP = 'opencx_sessions';
export const dedupMap = (shard: number): string => `opencx_dedup_${shard}`;
/** Every map the bridge writes; the settings save creates them before the first event. */
export const STATE_MAPS: readonly string[] = [CONVERSATIONS_MAP, SESSIONS_MAP, ...Array.from({ length: DEDUP_SHARDS }, (_, shard) => dedupMap(shard))];
/** OpenCX may answer by webhook long after the session was made; the mapping outlives any conversation we hold. */
const SESSION_TTL_SECONDS = 3 * 24 * 3600;


/** How long a warm container trusts the config it read, unless an event names a newer version. */
export const CONFIG_CACHE_MS = 30_000;
let configCache: { serviceSid: string; at: number; config: BridgeConfig } | undefined;

export function forgetCachedConfig(): void {
  configCache = undefined;
}

export class BridgeState {
  constructor(
    private readonly sync: SyncApi,
    readonly syncServiceSid: string,
  ) {}

  /**
   * The saved config. A warm Functions container reuses it: Sync allows about 20 reads/s per
   * document, which would otherwise cap every event of the contact center. The webhook URLs carry
   * the config's version (`cv`), so a saved change applies from the next event.
   */
  async loadConfig(options: { version?: string; fresh?: boolean; now?: number } = {}): Promise<BridgeConfig | undefined> {
    const now = options.now ?? Date.now();
    const cached = configCache?.serviceSid === this.syncServiceSid ? configCache : undefined;
    const stale = !cached || options.fresh || now - cached.at >= CONFIG_CACHE_MS || (options.version !== undefined && options.version !== cached.config.configVersion);
    if (!stale) return cached.config;
    const config = parseConfig((await this.sync.fetchDocument(this.syncServiceSid, CONFIG_DOCUMENT))?.data);
    configCache = config ? { serviceSid: this.syncServiceSid, at: now, config } : undefined;
    return config;
  }

  /** Whatever the config document holds, complete or not (empty when there is none). */
  async storedConfig(): Promise<Partial<ConfigDocument>> {
    return readConfigFields((await this.sync.fetchDocument(this.syncServiceSid, CONFIG_DOCUMENT))?.data);
  }

  saveConfig(document: ConfigDocument): Promise<void> {
    forgetCachedConfig();
    return this.sync.saveDocument(this.syncServiceSid, CONFIG_DOCUMENT, document);
  }

  /** Creates the maps that are missing; returns the ones it created. */
  async createStateMaps(): Promise<string[]> {
    const existing = new Set(await this.sync.listMapNames(this.syncServiceSid));
    const missing = STATE_MAPS.filter((map) => !existing.has(map));
    const created = await Promise.all(missing.map((map) => this.sync.createMap(this.syncServiceSid, map)));
    return missing.filter((_, i) => created[i]);
  }

  async conversation(conversationSid: string): Promise<KnownRecord | undefined> {
    const item = await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
    return item && { record: item.data, revision: item.revision };
  }

  /**
   * Claims the conversation for the AI: only the first caller gets `claimed: true` (Sync refuses
   * a second create of the same key), so exactly one OpenCX session is created.
   * A stale claim (its Function died before creating the session) is taken over.
   */
  async claim(conversationSid: string, record: ConversationRecord): Promise<{ claimed: boolean; existing?: ConversationRecord }> {
    const created = await this.sync.createMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid, record);
    if (created.created) return { claimed: true };
    const existing = await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
    if (!existing) return this.claim(conversationSid, record);
    if (isOurLostCreate(created, existing.data, record)) return { claimed: true };
    if (isStaleClaim(existing.data, record.claimedAt)) {
      const taken = await this.sync.updateMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid, record, existing.revision);
      if (taken) return { claimed: true };
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
      item ??= await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
      if (!item) return undefined;
      const next = change(item.data);
      if (!next) return undefined;
      const revision = await this.sync.updateMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid, next, item.revision);
      if (revision) return { record: next, revision: typeof revision === 'string' ? revision : '' };
      item = undefined;
    }
    throw new Error(`conversation ${conversationSid}: too many concurrent writers`);
  }

  /**
   * Moves the conversation from the AI to humans, recording why, only if the AI still holds it:
   * of two concurrent handoffs (or a handoff racing a human's accept) exactly one goes ahead.
   * One Sync call when `known` is current. Undefined when the AI no longer held it.
   */
  async beginHandoff(conversationSid: string, handoff: PendingHandoff, known?: KnownRecord): Promise<ConversationRecord | undefined> {
    let landed: ConversationRecord | undefined;
    const moved = await this.update(
      conversationSid,
      (r) => {
        // Our own write whose answer was lost (a retried write then meets a new revision).
        if (r.phase === 'handoff' && r.handoff?.at === handoff.at && r.handoff.reason === handoff.reason) landed = r;
        return r.phase === 'ai' ? { ...r, phase: 'handoff', handoff } : undefined;
      },
      known,
    );
    return moved?.record ?? landed;
  }

  /** Waits briefly for a concurrent engage to record the OpenCX session id. */
  async waitForSession(conversationSid: string, timeoutMs: number, pollMs = 150): Promise<KnownRecord | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const known = await this.conversation(conversationSid);
      if (!known || known.record.sessionId || Date.now() + pollMs > until) return known;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  forget(conversationSid: string): Promise<void> {
    return this.sync.deleteMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
  }

  /** The Flex conversation an OpenCX session answers in (for OpenCX's webhooks). */
  async rememberSession(sessionId: string, conversationSid: string): Promise<void> {
    await this.sync.createMapItem(this.syncServiceSid, SESSIONS_MAP, sessionId, { conversationSid }, SESSION_TTL_SECONDS);
  }

  async conversationOfSession(sessionId: string): Promise<string | undefined> {
    const item = await this.sync.fetchMapItem<{ conversationSid?: unknown }>(this.syncServiceSid, SESSIONS_MAP, sessionId);
    return typeof item?.data.conversationSid === 'string' ? item.data.conversationSid : undefined;
  }

  /**
   * True for the one caller that claims `key` within the hour (an AI answer, a handoff note, an
   * OpenCX delivery). A create whose answer was lost is recognised as ours by its unique token.
   */
  async claimOnce(key: string): Promise<boolean> {
    const map = dedupMap(dedupShard(key));
    const claim = { at: new Date().toISOString(), by: randomUUID() };
    const created = await this.sync.createMapItem(this.syncServiceSid, map, key, claim, DEDUP_TTL_SECONDS);
    if (created.created || !created.retried) return created.created;
    return isOurLostCreate(created, (await this.sync.fetchMapItem(this.syncServiceSid, map, key))?.data, claim);
  }

  /** Gives a claim back, so a retry can take it. */
  release(key: string): Promise<void> {
    return this.sync.deleteMapItem(this.syncServiceSid, dedupMap(dedupShard(key)), key);
  }

  /** A customer message is sent to the AI once, whatever Twilio retries (its SID is the key). */
  claimMessage(messageSid: string): Promise<boolean> {
    return this.claimOnce(messageClaimKey(messageSid));
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

  /** Notes that a signed OpenCX event arrived, for the setup check. */
  noteOpencxEvent(event: string, at: Date): Promise<void> {
    return this.sync.saveDocument(this.syncServiceSid, OPENCX_WEBHOOK_HEALTH_DOCUMENT, { lastVerifiedAt: at.toISOString(), lastEvent: event });
  }
}

/**
 * A key that "already existed" after a retried create may be our own first attempt, whose answer
 * was lost: the stored data then equals ours, and the create counts as ours.
 */
function isOurLostCreate(created: CreatedMapItem, stored: unknown, ours: object): boolean {
  return created.retried && !created.created && JSON.stringify(stored) === JSON.stringify(ours);
}
