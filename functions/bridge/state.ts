// Our state in the integration's own Sync service: the config document, the
// conversation → session map, and the sharded dedup maps.
import { BridgeConfig, CONFIG_DOCUMENT, ConfigDocument, parseConfig, readConfigFields } from '../common/config';
import type { CreatedMapItem, SyncApi } from '../common/twilio';
import { ConversationPhase, ConversationRecord, isStaleClaim } from './conversation-record';
import { DEDUP_SHARDS, DEDUP_TTL_SECONDS, dedupShard } from './dedup';

export const CONVERSATIONS_MAP = 'opencx_conversations';
/** OpenCX session id → `{ conversationSid }`, for OpenCX's webhooks. */
export const SESSIONS_MAP = 'opencx_sessions';
export const dedupMap = (shard: number): string => `opencx_dedup_${shard}`;
/** Every map the bridge writes; the settings save creates them before the first event. */
export const STATE_MAPS: readonly string[] = [CONVERSATIONS_MAP, SESSIONS_MAP, ...Array.from({ length: DEDUP_SHARDS }, (_, shard) => dedupMap(shard))];

/** How long a warm container trusts the config it read; a saved change applies within this. */
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
   * The saved config. A warm Functions container reuses it for CONFIG_CACHE_MS: Sync allows
   * about 20 reads/s per document, which would otherwise cap every event of the contact center.
   */
  async loadConfig(options: { maxAgeMs?: number; now?: number } = {}): Promise<BridgeConfig | undefined> {
    const now = options.now ?? Date.now();
    const maxAge = options.maxAgeMs ?? CONFIG_CACHE_MS;
    if (configCache && configCache.serviceSid === this.syncServiceSid && now - configCache.at < maxAge) return configCache.config;
    const config = parseConfig((await this.sync.fetchDocument(this.syncServiceSid, CONFIG_DOCUMENT))?.data);
    configCache = config ? { serviceSid: this.syncServiceSid, at: now, config } : undefined;
    return config;
  }

  /** Whatever the config document holds, complete or not (empty when there is none). */
  async storedConfig(): Promise<Partial<ConfigDocument>> {
    return readConfigFields((await this.sync.fetchDocument(this.syncServiceSid, CONFIG_DOCUMENT))?.data);
  }

  saveConfig(document: ConfigDocument): Promise<void> {
    return this.sync.saveDocument(this.syncServiceSid, CONFIG_DOCUMENT, document);
  }

  /** Creates the maps that are missing; returns the ones it created. */
  async createStateMaps(): Promise<string[]> {
    const existing = new Set(await this.sync.listMapNames(this.syncServiceSid));
    const missing = STATE_MAPS.filter((map) => !existing.has(map));
    const created = await Promise.all(missing.map((map) => this.sync.createMap(this.syncServiceSid, map)));
    return missing.filter((_, i) => created[i]);
  }

  async conversation(conversationSid: string): Promise<ConversationRecord | undefined> {
    return (await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid))?.data;
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

  /** Read-modify-write with If-Match; returns the record written, or undefined if it is gone. */
  async update(conversationSid: string, change: (record: ConversationRecord) => ConversationRecord, attempts = 5): Promise<ConversationRecord | undefined> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const item = await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
      if (!item) return undefined;
      const next = change(item.data);
      if (await this.sync.updateMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid, next, item.revision)) return next;
    }
    throw new Error(`conversation ${conversationSid}: too many concurrent writers`);
  }

  /**
   * Moves the conversation from one phase to another only if it is still in `from`, so of two
   * concurrent handoffs (or a handoff racing a human's accept) exactly one goes ahead.
   * Returns the record written, or undefined when the conversation was no longer in `from`.
   */
  async transition(conversationSid: string, from: ConversationPhase, to: ConversationPhase, attempts = 5): Promise<ConversationRecord | undefined> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const item = await this.sync.fetchMapItem<ConversationRecord>(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
      if (!item || item.data.phase !== from) return undefined;
      const next = { ...item.data, phase: to };
      if (await this.sync.updateMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid, next, item.revision)) return next;
    }
    throw new Error(`conversation ${conversationSid}: too many concurrent writers`);
  }

  /** Waits briefly for a concurrent engage to record the OpenCX session id. */
  async waitForSession(conversationSid: string, timeoutMs: number, pollMs = 150): Promise<ConversationRecord | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.conversation(conversationSid);
      if (!record || record.sessionId || Date.now() + pollMs > until) return record;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  forget(conversationSid: string): Promise<void> {
    return this.sync.deleteMapItem(this.syncServiceSid, CONVERSATIONS_MAP, conversationSid);
  }

  /** True the first time a dedup key is seen within the hour. */
  async firstSighting(key: string): Promise<boolean> {
    const map = dedupMap(dedupShard(key));
    const sighting = { seenAt: new Date().toISOString() };
    const created = await this.sync.createMapItem(this.syncServiceSid, map, key, sighting, DEDUP_TTL_SECONDS);
    if (created.created || !created.retried) return created.created;
    return isOurLostCreate(created, (await this.sync.fetchMapItem(this.syncServiceSid, map, key))?.data, sighting);
  }
}

/**
 * A key that "already existed" after a retried create may be our own first attempt, whose answer
 * was lost: the stored data then equals ours, and the create counts as ours.
 */
function isOurLostCreate(created: CreatedMapItem, stored: unknown, ours: object): boolean {
  return created.retried && !created.created && JSON.stringify(stored) === JSON.stringify(ours);
}
