// Sync: documents and maps in the integration's own Sync service.
import { SYNC_ITEM_EXISTS, TwilioProductApi, twilioErrorCode, twilioStatus } from './base';

/** A document's or map item's data with the revision an If-Match write needs. */
export interface MapItem<T> {
  data: T;
  revision: string;
}

/** A document as Sync holds it, with times by Sync's own clock (epoch ms). */
export interface SyncDocument<T> extends MapItem<T> {
  /** When its time to live ends, when it has one. */
  expiresAt?: number;
  /** When it was last written (NaN when Sync did not say). */
  updatedAt: number;
}

/** A write's result by Sync's own clock: when it was processed (epoch ms). */
export interface DocumentWrite {
  revision: string;
  updatedAt: number;
}

export interface CreatedMapItem {
  /** False when the key already existed (54208). */
  created: boolean;
  /**
   * An earlier attempt of this call failed in a way that may have
   * been processed: a `created: false` may be our own lost write.
   */
  retried: boolean;
}

/** A Sync service as the setup check shows it. */
export interface SyncServiceSummary {
  sid: string;
  /** Read-only, set by Twilio only: `default` for the account's default service, else null. */
  uniqueName: string | null;
  friendlyName: string | null;
}

/** What paging through map items needs of the library's page. */
interface ItemPage {
  instances: { key: string; data: unknown }[];
  nextPageUrl?: string;
  nextPage(): Promise<ItemPage> | undefined;
}

/** The library's date, or the string it could not parse; NaN for none. */
const epochMs = (date: unknown): number =>
  date instanceof Date ? date.getTime() : typeof date === 'string' ? Date.parse(date) : Number.NaN;

/** Sync's largest page (its spec caps PageSize at 100); the library pages on up to `limit`. */
const SYNC_MAX_PAGE = 100;

export class SyncApi extends TwilioProductApi {
  /** Undefined when the account has no such service. */
  async fetchService(serviceSid: string): Promise<SyncServiceSummary | undefined> {
    const service = await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).fetch());
    return (
      service && {
        sid: service.sid,
        uniqueName: service.uniqueName ?? null,
        friendlyName: service.friendlyName ?? null,
      }
    );
  }

  async fetchDocument<T>(serviceSid: string, name: string): Promise<SyncDocument<T> | undefined> {
    const document = await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).documents(name).fetch());
    if (!document) return undefined;
    const expiresAt = epochMs(document.dateExpires);
    return {
      data: document.data as T,
      revision: document.revision,
      updatedAt: epochMs(document.dateUpdated),
      ...(Number.isFinite(expiresAt) && { expiresAt }),
    };
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

  /**
   * Creates the document, which Sync deletes `ttlSeconds` after its last write when given; false
   * when it exists already (a concurrent create, or one whose answer was lost).
   */
  async createDocument(serviceSid: string, name: string, data: object, ttlSeconds?: number): Promise<boolean> {
    return (await this.writeDocumentOver(serviceSid, name, data, undefined, ttlSeconds)) !== undefined;
  }

  async listDocumentNames(serviceSid: string): Promise<string[]> {
    const documents = await this.retry(() =>
      this.client.sync.v1.services(serviceSid).documents.list({ limit: 1000, pageSize: SYNC_MAX_PAGE }),
    );
    return documents.map((document) => document.uniqueName);
  }

  /** False when it did not exist. */
  async deleteDocument(serviceSid: string, name: string): Promise<boolean> {
    return (
      (await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).documents(name).remove())) !== undefined
    );
  }

  /** False when it did not exist. */
  async deleteMap(serviceSid: string, name: string): Promise<boolean> {
    return (
      (await this.unlessNotFound(() => this.client.sync.v1.services(serviceSid).syncMaps(name).remove())) !== undefined
    );
  }

  /**
   * A map's items by key, the lowest first (`asc`) or the highest (`desc`), at most `limit`; empty
   * when the map does not exist.
   */
  async listMapItems<T>(
    serviceSid: string,
    map: string,
    limit: number,
    order: 'asc' | 'desc' = 'asc',
  ): Promise<{ key: string; data: T }[]> {
    const items = await this.unlessNotFound(() =>
      this.client.sync.v1
        .services(serviceSid)
        .syncMaps(map)
        .syncMapItems.list({ order, limit, pageSize: Math.min(limit, SYNC_MAX_PAGE) }),
    );
    return (items ?? []).map((item) => ({ key: item.key, data: item.data as T }));
  }

  /**
   * Replaces the document's data (and its time to live, when given) if it is still at `revision`;
   * false on a 412 (someone wrote first).
   */
  async updateDocument(
    serviceSid: string,
    name: string,
    data: object,
    revision: string,
    ttlSeconds?: number,
  ): Promise<boolean> {
    return (await this.writeDocumentOver(serviceSid, name, data, revision, ttlSeconds)) !== undefined;
  }

  /** `updateDocument` that tells when Sync processed the write; undefined on a 412. */
  async replaceDocument(
    serviceSid: string,
    name: string,
    data: object,
    revision: string,
    ttlSeconds?: number,
  ): Promise<DocumentWrite | undefined> {
    return this.writeDocument(serviceSid, name, data, revision, ttlSeconds);
  }

  /**
   * Replaces the document's data if it is still at `revision` (If-Match), or creates it when
   * `revision` is undefined: the revision the write left, undefined when someone wrote (412) or
   * created it (409) first.
   */
  async writeDocumentOver(
    serviceSid: string,
    name: string,
    data: object,
    revision: string | undefined,
    ttlSeconds?: number,
  ): Promise<string | undefined> {
    return (await this.writeDocument(serviceSid, name, data, revision, ttlSeconds))?.revision;
  }

  private async writeDocument(
    serviceSid: string,
    name: string,
    data: object,
    revision: string | undefined,
    ttlSeconds?: number,
  ): Promise<DocumentWrite | undefined> {
    const ttl = ttlSeconds ? { ttl: ttlSeconds } : {};
    const documents = this.client.sync.v1.services(serviceSid).documents;
    try {
      const written = await this.retry(() =>
        revision === undefined
          ? documents.create({ uniqueName: name, data, ...ttl })
          : documents(name).update({ data, ifMatch: revision, ...ttl }),
      );
      return { revision: String(written.revision ?? ''), updatedAt: epochMs(written.dateUpdated) };
    } catch (error) {
      if (twilioStatus(error) === (revision === undefined ? 409 : 412)) return undefined;
      throw error;
    }
  }

  async listMapNames(serviceSid: string): Promise<string[]> {
    const maps = await this.retry(() =>
      this.client.sync.v1.services(serviceSid).syncMaps.list({ limit: 1000, pageSize: SYNC_MAX_PAGE }),
    );
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

  /** Creates the item only if its key is absent, creating a missing map first. */
  async createMapItem(
    serviceSid: string,
    map: string,
    key: string,
    data: object,
    ttlSeconds?: number,
  ): Promise<CreatedMapItem> {
    let retried = false;
    let lastFailure: unknown;
    const create = async () => {
      // A 429 was never processed; any other retried failure may have been.
      if (lastFailure !== undefined && twilioStatus(lastFailure) !== 429) retried = true;
      try {
        await this.client.sync.v1
          .services(serviceSid)
          .syncMaps(map)
          .syncMapItems.create({ key, data, ...(ttlSeconds ? { itemTtl: ttlSeconds } : {}) });
      } catch (error) {
        lastFailure = error;
        throw error;
      }
    };
    const attempt = async (): Promise<CreatedMapItem> => {
      try {
        await this.retry(create);
        return { created: true, retried };
      } catch (error) {
        if (twilioErrorCode(error) === SYNC_ITEM_EXISTS) return { created: false, retried };
        throw error;
      }
    };
    try {
      return await attempt();
    } catch (error) {
      if (twilioStatus(error) !== 404) throw error;
    }
    // The map does not exist yet: create it (a concurrent creator may win) and try again.
    await this.createMap(serviceSid, map);
    lastFailure = undefined;
    return attempt();
  }

  async fetchMapItem<T>(serviceSid: string, map: string, key: string): Promise<MapItem<T> | undefined> {
    const item = await this.unlessNotFound(() =>
      this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).fetch(),
    );
    return item && { data: item.data as T, revision: item.revision };
  }

  /** Writes only if the item is still at `revision`; the new revision, or false on a 412 (someone wrote first). */
  async updateMapItem(
    serviceSid: string,
    map: string,
    key: string,
    data: object,
    revision: string,
  ): Promise<string | false> {
    try {
      const item = await this.retry(() =>
        this.client.sync.v1.services(serviceSid).syncMaps(map).syncMapItems(key).update({ data, ifMatch: revision }),
      );
      return String(item.revision);
    } catch (error) {
      if (twilioStatus(error) === 412) return false;
      throw error;
    }
  }

  /**
   * The data of a map's newest items by key (keys that sort by
   * time), at most `limit`; empty when the map does not exist.
   */
  async listNewestMapItems<T>(serviceSid: string, map: string, limit: number): Promise<T[]> {
    const items = await this.unlessNotFound(() =>
      this.client.sync.v1
        .services(serviceSid)
        .syncMaps(map)
        .syncMapItems.list({ order: 'desc', limit, pageSize: Math.min(limit, SYNC_MAX_PAGE) }),
    );
    return (items ?? []).map((item) => item.data as T);
  }

  /**
   * A map's items from the newest key down to `lowestKey`, a page of `pageSize` (Sync's maximum is
   * 100) at a time, for at most `maxPages` pages and while `more()` says there is time. `complete`:
   * nothing at or above `lowestKey` was left unread. Empty and complete when the map does not exist.
   */
  async listMapItemsDownTo<T>(
    serviceSid: string,
    map: string,
    lowestKey: string,
    limits: { pageSize: number; maxPages: number; more: () => boolean },
  ): Promise<{ items: { key: string; data: T }[]; complete: boolean }> {
    const items: { key: string; data: T }[] = [];
    const keep = (instances: { key: string; data: unknown }[]): boolean => {
      for (const item of instances) {
        if (item.key < lowestKey) return true;
        items.push({ key: item.key, data: item.data as T });
      }
      return false;
    };
    let page: ItemPage | undefined = await this.unlessNotFound(() =>
      this.client.sync.v1
        .services(serviceSid)
        .syncMaps(map)
        .syncMapItems.page({ order: 'desc', pageSize: limits.pageSize }),
    );
    for (let pages = 1; page; pages++) {
      if (keep(page.instances)) return { items, complete: true };
      const current = page;
      const next = current.nextPageUrl ? () => current.nextPage()! : undefined;
      if (!next) return { items, complete: true };
      if (pages >= limits.maxPages || !limits.more()) return { items, complete: false };
      page = await this.retry(next);
    }
    return { items, complete: true };
  }

  /**
   * Deletes the item (gone already counts as deleted). With `revision`, only that revision of it
   * (If-Match): false when it has changed since.
   */
  async deleteMapItem(serviceSid: string, map: string, key: string, revision?: string): Promise<boolean> {
    try {
      await this.retry(() =>
        this.client.sync.v1
          .services(serviceSid)
          .syncMaps(map)
          .syncMapItems(key)
          .remove(revision === undefined ? {} : { ifMatch: revision }),
      );
      return true;
    } catch (error) {
      if (twilioStatus(error) === 404) return true;
      if (revision !== undefined && twilioStatus(error) === 412) return false;
      throw error;
    }
  }
}
