// Twilio Sync (sync.twilio.com/v1) as the product meets it: services, documents, maps and lists with
// their items; revisions and If-Match; SID-or-unique-name addressing; TTL expiry on the simulator
// clock; payload limits; the per-object read/write rate limit.
import { isoDate } from './clock';
import { TwilioApiError } from './errors';
import type { Params } from './openapi';
import { newSid } from './sids';
import { page, type SimRequest, type SimResponse, type SimulatorModule, type TwilioSimulator } from './simulator';

export type JsonObject = Record<string, unknown>;

/** Twilio's Sync error codes (twilio.com/docs/api/errors/<code>). */
export const SYNC_ERROR = {
  entityTooLarge: 54006,
  invalidJson: 54008,
  rateLimited: 54009,
  noParameters: 54010,
  invalidTtl: 54011,
  serviceNotFound: 54050,
  documentNotFound: 54100,
  invalidDocumentData: 54101,
  documentRevisionMismatch: 54103,
  listNotFound: 54150,
  listItemNotFound: 54151,
  listItemRevisionMismatch: 54155,
  invalidListItemData: 54156,
  mapNotFound: 54200,
  mapItemNotFound: 54201,
  mapItemRevisionMismatch: 54205,
  invalidMapItemData: 54206,
  mapItemExists: 54208,
  invalidMapItemKey: 54209,
  uniqueNameExists: 54301,
  invalidUniqueName: 54302,
} as const;

export const MAX_DATA_BYTES = 16 * 1024;
export const MAX_KEY_LENGTH = 320;
export const MAX_UNIQUE_NAME_LENGTH = 320;
export const MAX_TTL_SECONDS = 31_536_000;
const RATE_WINDOW_MS = 1000;
const SID_PATTERN = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
const BASE_URL = 'https://sync.twilio.com/v1';

/** Revision, timestamps (ms on the simulator clock) and expiry shared by every Sync object and item. */
export interface SyncLifetime {
  revision: number;
  dateCreated: number;
  dateUpdated: number;
  /** null: never expires. */
  dateExpires: number | null;
  createdBy: string;
}

export interface DocumentState extends SyncLifetime {
  sid: string;
  uniqueName: string | null;
  data: JsonObject;
}

/** A map item (key = the item's key) or a list item (key = its index in decimal). */
export interface SyncItemState extends SyncLifetime {
  key: string;
  data: JsonObject;
}

export interface CollectionState extends SyncLifetime {
  kind: 'map' | 'list';
  sid: string;
  uniqueName: string | null;
  items: Map<string, SyncItemState>;
  /** Lists only: the index the next appended item gets (indexes are never reused). */
  nextIndex: number;
}
export type MapState = CollectionState;
export type ListState = CollectionState;

export interface ServiceSettings {
  webhookUrl: string | null;
  aclEnabled: boolean;
  reachabilityWebhooksEnabled: boolean;
  reachabilityDebouncingEnabled: boolean;
  reachabilityDebouncingWindow: number;
  webhooksFromRestEnabled: boolean;
}

export interface ServiceState extends ServiceSettings {
  sid: string;
  /**
   * Read-only, set by Twilio only: `default` for the account's
   * default service, null for every service created through the API.
   */
  uniqueName: string | null;
  friendlyName: string | null;
  dateCreated: number;
  dateUpdated: number;
  documents: Map<string, DocumentState>;
  maps: Map<string, CollectionState>;
  lists: Map<string, CollectionState>;
}

export interface DocumentInput {
  uniqueName?: string;
  data?: JsonObject;
  ttl?: number;
}

export interface CollectionInput {
  uniqueName?: string;
  ttl?: number;
}

/** What differs between maps and lists; everything else is shared. */
interface CollectionKind {
  kind: 'map' | 'list';
  label: string;
  sidPrefix: string;
  segment: 'Maps' | 'Lists';
  parentParam: 'MapSid' | 'ListSid';
  itemParam: 'Key' | 'Index';
  parentField: 'map_sid' | 'list_sid';
  notFound: number;
  itemNotFound: number;
  revisionMismatch: number;
  invalidData: number;
  collections(service: ServiceState): Map<string, CollectionState>;
  itemField(key: string): Record<string, string | number>;
  compareKeys(a: string, b: string): number;
}

const MAP_KIND: CollectionKind = {
  kind: 'map',
  label: 'Map',
  sidPrefix: 'MP',
  segment: 'Maps',
  parentParam: 'MapSid',
  itemParam: 'Key',
  parentField: 'map_sid',
  notFound: SYNC_ERROR.mapNotFound,
  itemNotFound: SYNC_ERROR.mapItemNotFound,
  revisionMismatch: SYNC_ERROR.mapItemRevisionMismatch,
  invalidData: SYNC_ERROR.invalidMapItemData,
  collections: (service) => service.maps,
  itemField: (key) => ({ key }),
  compareKeys: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

const LIST_KIND: CollectionKind = {
  kind: 'list',
  label: 'List',
  sidPrefix: 'ES',
  segment: 'Lists',
  parentParam: 'ListSid',
  itemParam: 'Index',
  parentField: 'list_sid',
  notFound: SYNC_ERROR.listNotFound,
  itemNotFound: SYNC_ERROR.listItemNotFound,
  revisionMismatch: SYNC_ERROR.listItemRevisionMismatch,
  invalidData: SYNC_ERROR.invalidListItemData,
  collections: (service) => service.lists,
  itemField: (key) => ({ index: Number(key) }),
  compareKeys: (a, b) => Number(a) - Number(b),
};

type Access = 'read' | 'write';

export class SyncSim implements SimulatorModule {
  readonly services = new Map<string, ServiceState>();
  /** Twilio: ~20/s per object (a map or list with all its items is one object). Sliding 1 s window, no burst credit. */
  writesPerSecondPerObject = 20;
  readsPerSecondPerObject = 20;
  /**
   * The time the rate window runs on; by default the clock's rate time (real time plus advances),
   * since with frozen simulated time every write of a test would fall into one instant.
   */
  rateTime: () => number = () => this.clock.rateTime();
  private simulator?: TwilioSimulator;
  private defaultServiceSid?: string;
  private readonly traffic = new Map<string, number[]>();
  private readonly expiryTimers = new WeakMap<SyncLifetime, number>();

  register(sim: TwilioSimulator): void {
    this.simulator = sim;
    this.registerServiceRoutes();
    this.registerDocumentRoutes();
    this.registerCollectionRoutes(MAP_KIND);
    this.registerCollectionRoutes(LIST_KIND);
  }

  reset(): void {
    this.services.clear();
    this.traffic.clear();
    this.defaultServiceSid = undefined;
  }

  // ---- programmatic API ------------------------------------------------------------------------

  createService(friendlyName: string | null, settings: Partial<ServiceSettings> = {}): ServiceState {
    const now = this.now();
    const service: ServiceState = {
      sid: newSid('IS'),
      uniqueName: null,
      friendlyName,
      webhookUrl: null,
      aclEnabled: false,
      reachabilityWebhooksEnabled: false,
      reachabilityDebouncingEnabled: false,
      reachabilityDebouncingWindow: 5000,
      webhooksFromRestEnabled: false,
      ...settings,
      dateCreated: now,
      dateUpdated: now,
      documents: new Map(),
      maps: new Map(),
      lists: new Map(),
    };
    this.services.set(service.sid, service);
    return service;
  }

  /**
   * A service by SID; `default` is the account's default service (what `Runtime.getSync()` uses), made on first use.
   */
  service(sid: string): ServiceState | undefined {
    return sid === 'default' ? this.defaultService() : this.services.get(sid);
  }

  /**
   * The account's default service, as a Flex account has it: unique name `default`, "Default Service".
   * Flex agents' tokens grant Sync on it (docs/twilio-notes.md, Sync).
   */
  defaultService(): ServiceState {
    const existing = this.defaultServiceSid ? this.services.get(this.defaultServiceSid) : undefined;
    if (existing) return existing;
    const created = this.createService('Default Service');
    created.uniqueName = 'default';
    this.defaultServiceSid = created.sid;
    return created;
  }

  document(serviceSid: string, sidOrName: string): DocumentState | undefined {
    this.purgeExpired();
    const service = this.service(serviceSid);
    return service && findBySidOrName(service.documents, sidOrName);
  }

  map(serviceSid: string, sidOrName: string): MapState | undefined {
    return this.collection(MAP_KIND, serviceSid, sidOrName);
  }

  syncList(serviceSid: string, sidOrName: string): ListState | undefined {
    return this.collection(LIST_KIND, serviceSid, sidOrName);
  }

  /** The map's live items in key order; empty when the map does not exist (or has expired). */
  mapItems(serviceSid: string, mapSidOrName: string): SyncItemState[] {
    const map = this.map(serviceSid, mapSidOrName);
    return map ? sortedItems(MAP_KIND, map) : [];
  }

  listItems(serviceSid: string, listSidOrName: string): SyncItemState[] {
    const list = this.syncList(serviceSid, listSidOrName);
    return list ? sortedItems(LIST_KIND, list) : [];
  }

  createDocument(serviceSid: string, input: DocumentInput = {}): DocumentState {
    const service = this.requireService(serviceSid);
    this.claimUniqueName(service.documents, input.uniqueName);
    const document: DocumentState = {
      sid: newSid('ET'),
      uniqueName: input.uniqueName ?? null,
      data: input.data ?? {},
      ...this.freshLifetime(),
    };
    this.setExpiry(document, input.ttl);
    service.documents.set(document.sid, document);
    return document;
  }

  createMap(serviceSid: string, input: CollectionInput = {}): MapState {
    return this.createCollection(MAP_KIND, this.requireService(serviceSid), input);
  }

  createSyncList(serviceSid: string, input: CollectionInput = {}): ListState {
    return this.createCollection(LIST_KIND, this.requireService(serviceSid), input);
  }

  /** Seeds a map item (creates or replaces it) without going through REST, rate limits or revisions checks. */
  setMapItem(serviceSid: string, mapSidOrName: string, key: string, data: JsonObject, ttl?: number): SyncItemState {
    const map = this.map(serviceSid, mapSidOrName);
    if (!map) throw new Error(`no Sync map ${mapSidOrName} in service ${serviceSid}`);
    map.items.delete(key);
    return this.addItem(map, key, data, ttl);
  }

  snapshot(): unknown {
    this.purgeExpired();
    return JSON.parse(JSON.stringify({ services: [...this.services.values()].map(serviceSnapshot) })) as unknown;
  }

  // ---- routes ----------------------------------------------------------------------------------

  private registerServiceRoutes(): void {
    this.on('POST', '/v1/Services', (req) => {
      const service = this.createService(text(req.form, 'FriendlyName') ?? null, serviceSettings(req.form));
      return { status: 201, body: serviceResource(this.accountSid, service) };
    });
    this.on('GET', '/v1/Services', (req) =>
      page(
        req,
        'services',
        [...this.services.values()].map((s) => serviceResource(this.accountSid, s)),
      ),
    );
    this.on('GET', '/v1/Services/{Sid}', (req) => ({
      status: 200,
      body: serviceResource(this.accountSid, this.requireService(req.pathParams.Sid)),
    }));
    this.on('POST', '/v1/Services/{Sid}', (req) => {
      const service = this.requireService(req.pathParams.Sid);
      const friendlyName = text(req.form, 'FriendlyName');
      if (friendlyName !== undefined) service.friendlyName = friendlyName;
      Object.assign(service, serviceSettings(req.form), { dateUpdated: this.now() });
      return { status: 200, body: serviceResource(this.accountSid, service) };
    });
    this.on('DELETE', '/v1/Services/{Sid}', (req) => {
      const service = this.requireService(req.pathParams.Sid);
      this.services.delete(service.sid);
      if (service.sid === this.defaultServiceSid) this.defaultServiceSid = undefined;
      return { status: 204 };
    });
  }

  private registerDocumentRoutes(): void {
    const collection = '/v1/Services/{ServiceSid}/Documents';
    const single = '/v1/Services/{ServiceSid}/Documents/{Sid}';
    this.on('POST', collection, (req) => {
      const service = this.requireService(req.pathParams.ServiceSid);
      const raw = text(req.form, 'Data');
      const document = this.createDocument(service.sid, {
        uniqueName: text(req.form, 'UniqueName'),
        data: raw === undefined ? undefined : parseData(raw, SYNC_ERROR.invalidDocumentData),
        ttl: ttlParam(req.form, 'Ttl'),
      });
      return this.documentResponse(201, service, document);
    });
    this.on('GET', collection, (req) => {
      const service = this.requireService(req.pathParams.ServiceSid);
      const documents = [...service.documents.values()].map((d) => documentResource(this.accountSid, service, d));
      return page(req, 'documents', documents);
    });
    this.on('GET', single, (req) => {
      const { service, document } = this.requireDocument(req);
      this.admit(document.sid, 'read');
      return this.documentResponse(200, service, document);
    });
    this.on('POST', single, (req) => {
      const { service, document } = this.requireDocument(req);
      this.admit(document.sid, 'write');
      requireSomeParameter(req.form, ['Data', 'Ttl']);
      checkRevision(req, document, SYNC_ERROR.documentRevisionMismatch, 'Document');
      const raw = text(req.form, 'Data');
      const ttl = ttlParam(req.form, 'Ttl');
      if (raw !== undefined) document.data = parseData(raw, SYNC_ERROR.invalidDocumentData);
      if (ttl !== undefined) this.setExpiry(document, ttl);
      this.touch(document);
      return this.documentResponse(200, service, document);
    });
    this.on('DELETE', single, (req) => {
      const { service, document } = this.requireDocument(req);
      this.admit(document.sid, 'write');
      this.forget(service.documents, document);
      return { status: 204 };
    });
  }

  private registerCollectionRoutes(kind: CollectionKind): void {
    const collections = `/v1/Services/{ServiceSid}/${kind.segment}`;
    const single = `${collections}/{Sid}`;
    const items = `${collections}/{${kind.parentParam}}/Items`;
    const item = `${items}/{${kind.itemParam}}`;

    this.on('POST', collections, (req) => {
      const service = this.requireService(req.pathParams.ServiceSid);
      const created = this.createCollection(kind, service, {
        uniqueName: text(req.form, 'UniqueName'),
        ttl: ttlParam(req.form, 'CollectionTtl', 'Ttl'),
      });
      return { status: 201, body: collectionResource(kind, this.accountSid, service, created) };
    });
    this.on('GET', collections, (req) => {
      const service = this.requireService(req.pathParams.ServiceSid);
      const all = [...kind.collections(service).values()].map((c) =>
        collectionResource(kind, this.accountSid, service, c),
      );
      return page(req, kind.segment.toLowerCase(), all);
    });
    this.on('GET', single, (req) => {
      const { service, collection } = this.requireCollection(kind, req, 'Sid');
      this.admit(collection.sid, 'read');
      return { status: 200, body: collectionResource(kind, this.accountSid, service, collection) };
    });
    this.on('POST', single, (req) => {
      const { service, collection } = this.requireCollection(kind, req, 'Sid');
      this.admit(collection.sid, 'write');
      requireSomeParameter(req.form, ['Ttl', 'CollectionTtl']);
      this.setExpiry(collection, ttlParam(req.form, 'CollectionTtl', 'Ttl'));
      collection.dateUpdated = this.now();
      return { status: 200, body: collectionResource(kind, this.accountSid, service, collection) };
    });
    this.on('DELETE', single, (req) => {
      const { service, collection } = this.requireCollection(kind, req, 'Sid');
      this.admit(collection.sid, 'write');
      this.forget(kind.collections(service), collection);
      return { status: 204 };
    });

    this.on('POST', items, (req) => this.createItem(kind, req));
    this.on('GET', items, (req) => this.listItemsPage(kind, req));
    this.on('GET', item, (req) => {
      const { service, collection } = this.requireCollection(kind, req, kind.parentParam);
      this.admit(collection.sid, 'read');
      const found = this.requireItem(kind, collection, req.pathParams[kind.itemParam]);
      return this.itemResponse(200, kind, service, collection, found);
    });
    this.on('POST', item, (req) => this.updateItem(kind, req));
    this.on('DELETE', item, (req) => {
      const { collection } = this.requireCollection(kind, req, kind.parentParam);
      this.admit(collection.sid, 'write');
      const found = this.requireItem(kind, collection, req.pathParams[kind.itemParam]);
      checkRevision(req, found, kind.revisionMismatch, `${kind.label} Item`);
      this.forget(collection.items, found);
      this.touch(collection);
      return { status: 204 };
    });
  }

  private createItem(kind: CollectionKind, req: SimRequest): SimResponse {
    const { service, collection } = this.requireCollection(kind, req, kind.parentParam);
    this.admit(collection.sid, 'write');
    const data = parseData(text(req.form, 'Data') ?? '', kind.invalidData);
    const ttl = ttlParam(req.form, 'ItemTtl', 'Ttl');
    const collectionTtl = ttlParam(req.form, 'CollectionTtl');
    const key =
      kind.kind === 'map' ? this.newMapKey(collection, text(req.form, 'Key') ?? '') : String(collection.nextIndex);
    const created = this.addItem(collection, key, data, ttl);
    if (collectionTtl !== undefined) this.setExpiry(collection, collectionTtl);
    return this.itemResponse(201, kind, service, collection, created);
  }

  private updateItem(kind: CollectionKind, req: SimRequest): SimResponse {
    const { service, collection } = this.requireCollection(kind, req, kind.parentParam);
    this.admit(collection.sid, 'write');
    const found = this.requireItem(kind, collection, req.pathParams[kind.itemParam]);
    requireSomeParameter(req.form, ['Data', 'Ttl', 'ItemTtl', 'CollectionTtl']);
    checkRevision(req, found, kind.revisionMismatch, `${kind.label} Item`);
    const raw = text(req.form, 'Data');
    const ttl = ttlParam(req.form, 'ItemTtl', 'Ttl');
    const collectionTtl = ttlParam(req.form, 'CollectionTtl');
    if (raw !== undefined) found.data = parseData(raw, kind.invalidData);
    if (ttl !== undefined) this.setExpiry(found, ttl);
    if (collectionTtl !== undefined) this.setExpiry(collection, collectionTtl);
    this.touch(found);
    this.touch(collection);
    return this.itemResponse(200, kind, service, collection, found);
  }

  private listItemsPage(kind: CollectionKind, req: SimRequest): SimResponse {
    const { service, collection } = this.requireCollection(kind, req, kind.parentParam);
    this.admit(collection.sid, 'read');
    const order = text(req.query, 'Order') ?? 'asc';
    const from = text(req.query, 'From');
    const bounds = text(req.query, 'Bounds') ?? 'inclusive';
    if (from !== undefined && kind.kind === 'list' && !/^\d+$/.test(from)) {
      throw new TwilioApiError(400, 20001, `From must be a list item index, got ${JSON.stringify(from)}`);
    }
    const ordered = order === 'desc' ? sortedItems(kind, collection).reverse() : sortedItems(kind, collection);
    const selected =
      from === undefined ? ordered : ordered.filter((i) => withinBounds(kind.compareKeys(i.key, from), order, bounds));
    const resources = selected.map((i) => itemResource(kind, this.accountSid, service, collection, i));
    return page(req, 'items', resources, pageFilters(req.query));
  }

  // ---- state operations ------------------------------------------------------------------------

  private createCollection(kind: CollectionKind, service: ServiceState, input: CollectionInput): CollectionState {
    const collections = kind.collections(service);
    this.claimUniqueName(collections, input.uniqueName);
    const created: CollectionState = {
      kind: kind.kind,
      sid: newSid(kind.sidPrefix),
      uniqueName: input.uniqueName ?? null,
      items: new Map(),
      nextIndex: 0,
      ...this.freshLifetime(),
    };
    this.setExpiry(created, input.ttl);
    collections.set(created.sid, created);
    return created;
  }

  private addItem(collection: CollectionState, key: string, data: JsonObject, ttl: number | undefined): SyncItemState {
    const created: SyncItemState = { key, data, ...this.freshLifetime() };
    this.setExpiry(created, ttl);
    collection.items.set(key, created);
    if (collection.kind === 'list') collection.nextIndex = Number(key) + 1;
    this.touch(collection);
    return created;
  }

  private newMapKey(map: CollectionState, key: string): string {
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
      throw new TwilioApiError(
        400,
        SYNC_ERROR.invalidMapItemKey,
        `Map Item key must be 1-${MAX_KEY_LENGTH} characters, got ${key.length}`,
      );
    }
    if (map.items.has(key))
      throw new TwilioApiError(
        409,
        SYNC_ERROR.mapItemExists,
        `Map Item with key ${JSON.stringify(key)} already exists`,
      );
    return key;
  }

  private claimUniqueName<T extends { uniqueName: string | null }>(
    entries: Map<string, T>,
    uniqueName: string | undefined,
  ): void {
    if (uniqueName === undefined) return;
    if (uniqueName.length < 1 || uniqueName.length > MAX_UNIQUE_NAME_LENGTH || SID_PATTERN.test(uniqueName)) {
      throw new TwilioApiError(400, SYNC_ERROR.invalidUniqueName, `Invalid unique name ${JSON.stringify(uniqueName)}`);
    }
    if ([...entries.values()].some((e) => e.uniqueName === uniqueName)) {
      throw new TwilioApiError(
        409,
        SYNC_ERROR.uniqueNameExists,
        `Unique name ${JSON.stringify(uniqueName)} already exists`,
      );
    }
  }

  private freshLifetime(): SyncLifetime {
    const now = this.now();
    return { revision: 0, dateCreated: now, dateUpdated: now, dateExpires: null, createdBy: 'system' };
  }

  private touch(entry: SyncLifetime): void {
    entry.revision += 1;
    entry.dateUpdated = this.now();
  }

  /** TTL 0 means "never expires"; the expiry time is fixed until a later write sets a new TTL. */
  private setExpiry(entry: SyncLifetime, ttlSeconds: number | undefined): void {
    if (ttlSeconds === undefined) return;
    this.clock.cancel(this.expiryTimers.get(entry));
    entry.dateExpires = ttlSeconds === 0 ? null : this.now() + ttlSeconds * 1000;
    if (entry.dateExpires === null) return;
    const lagMs = this.sim.switches.syncTtlLagMs;
    this.expiryTimers.set(
      entry,
      this.clock.schedule(ttlSeconds * 1000 + lagMs, () => this.purgeExpired()),
    );
  }

  private forget<T extends SyncLifetime>(entries: Map<string, T>, entry: T): void {
    this.clock.cancel(this.expiryTimers.get(entry));
    for (const [key, candidate] of entries) if (candidate === entry) entries.delete(key);
  }

  /** Removes everything past its expiry (plus the `syncTtlLagMs` switch). Runs on every access and on timers. */
  private purgeExpired(): void {
    if (!this.simulator) return;
    const cutoff = this.now() - this.sim.switches.syncTtlLagMs;
    for (const service of this.services.values()) {
      dropExpired(service.documents, cutoff);
      for (const collections of [service.maps, service.lists]) {
        dropExpired(collections, cutoff);
        for (const collection of collections.values()) dropExpired(collection.items, cutoff);
      }
    }
  }

  /** Counts a read or write against one Sync object; beyond the limit in the last second → 429 / 54009. */
  private admit(objectSid: string, access: Access): void {
    const limit = access === 'write' ? this.writesPerSecondPerObject : this.readsPerSecondPerObject;
    const now = this.rateTime();
    const key = `${access} ${objectSid}`;
    const recent = (this.traffic.get(key) ?? []).filter((at) => at > now - RATE_WINDOW_MS);
    this.traffic.set(key, recent);
    if (recent.length >= limit) {
      throw new TwilioApiError(
        429,
        SYNC_ERROR.rateLimited,
        `Rate limit exceeded: more than ${limit} ${access}s/s on ${objectSid}`,
        { 'Retry-After': '1' },
      );
    }
    recent.push(now);
  }

  // ---- lookups ---------------------------------------------------------------------------------

  private requireService(sid: string): ServiceState {
    const service = this.service(sid);
    if (!service) throw new TwilioApiError(404, SYNC_ERROR.serviceNotFound, `Service Instance ${sid} not found`);
    return service;
  }

  private requireDocument(req: SimRequest): { service: ServiceState; document: DocumentState } {
    const service = this.requireService(req.pathParams.ServiceSid);
    const document = findBySidOrName(service.documents, req.pathParams.Sid);
    if (!document)
      throw new TwilioApiError(404, SYNC_ERROR.documentNotFound, `Document ${req.pathParams.Sid} not found`);
    return { service, document };
  }

  private collection(kind: CollectionKind, serviceSid: string, sidOrName: string): CollectionState | undefined {
    this.purgeExpired();
    const service = this.service(serviceSid);
    return service && findBySidOrName(kind.collections(service), sidOrName);
  }

  private requireCollection(
    kind: CollectionKind,
    req: SimRequest,
    param: string,
  ): { service: ServiceState; collection: CollectionState } {
    const service = this.requireService(req.pathParams.ServiceSid);
    const collection = findBySidOrName(kind.collections(service), req.pathParams[param]);
    if (!collection) throw new TwilioApiError(404, kind.notFound, `${kind.label} ${req.pathParams[param]} not found`);
    return { service, collection };
  }

  private requireItem(kind: CollectionKind, collection: CollectionState, pathKey: string): SyncItemState {
    const key = kind.kind === 'list' ? String(Number(pathKey)) : pathKey;
    const found = collection.items.get(key);
    if (!found)
      throw new TwilioApiError(
        404,
        kind.itemNotFound,
        `${kind.label} Item ${JSON.stringify(key)} not found in ${collection.sid}`,
      );
    return found;
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private on(method: string, template: string, handler: (req: SimRequest) => SimResponse): void {
    this.sim.route('sync', method, template, (req) => {
      this.purgeExpired();
      return handler(req);
    });
  }

  private documentResponse(status: number, service: ServiceState, document: DocumentState): SimResponse {
    return {
      status,
      body: documentResource(this.accountSid, service, document),
      headers: { ETag: String(document.revision) },
    };
  }

  private itemResponse(
    status: number,
    kind: CollectionKind,
    service: ServiceState,
    collection: CollectionState,
    item: SyncItemState,
  ): SimResponse {
    return {
      status,
      body: itemResource(kind, this.accountSid, service, collection, item),
      headers: { ETag: String(item.revision) },
    };
  }

  private get sim(): TwilioSimulator {
    if (!this.simulator) throw new Error('SyncSim is not registered: sim.use("sync", new SyncSim()) first');
    return this.simulator;
  }

  private get clock(): TwilioSimulator['clock'] {
    return this.sim.clock;
  }

  private get accountSid(): string {
    return this.sim.accountSid;
  }

  private now(): number {
    return this.clock.now();
  }
}

// ---- request parsing ---------------------------------------------------------------------------

function text(params: Params, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

function flag(params: Params, name: string): boolean | undefined {
  const value = text(params, name);
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

/** The first TTL parameter present (Twilio: `Ttl` is an alias ignored when the specific one is given). */
function ttlParam(form: Params, ...names: string[]): number | undefined {
  const name = names.find((n) => text(form, n) !== undefined);
  if (!name) return undefined;
  const seconds = Number(text(form, name));
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_TTL_SECONDS) {
    throw new TwilioApiError(400, SYNC_ERROR.invalidTtl, `${name} must be an integer between 0 and ${MAX_TTL_SECONDS}`);
  }
  return seconds;
}

function parseData(raw: string, invalidDataCode: number): JsonObject {
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_DATA_BYTES) {
    throw new TwilioApiError(413, SYNC_ERROR.entityTooLarge, `Data is ${bytes} bytes; the limit is ${MAX_DATA_BYTES}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw new TwilioApiError(400, SYNC_ERROR.invalidJson, 'Data is not valid JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TwilioApiError(400, invalidDataCode, 'Data must be a JSON object');
  }
  return data as JsonObject;
}

function serviceSettings(form: Params): Partial<ServiceSettings> {
  const settings: Partial<ServiceSettings> = {
    webhookUrl: text(form, 'WebhookUrl'),
    aclEnabled: flag(form, 'AclEnabled'),
    reachabilityWebhooksEnabled: flag(form, 'ReachabilityWebhooksEnabled'),
    reachabilityDebouncingEnabled: flag(form, 'ReachabilityDebouncingEnabled'),
    reachabilityDebouncingWindow:
      text(form, 'ReachabilityDebouncingWindow') === undefined
        ? undefined
        : Number(text(form, 'ReachabilityDebouncingWindow')),
    webhooksFromRestEnabled: flag(form, 'WebhooksFromRestEnabled'),
  };
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as Partial<ServiceSettings>;
}

function requireSomeParameter(form: Params, names: string[]): void {
  if (!names.some((name) => text(form, name) !== undefined)) {
    throw new TwilioApiError(400, SYNC_ERROR.noParameters, `Expected at least one of ${names.join(', ')}`);
  }
}

function checkRevision(req: SimRequest, entry: SyncLifetime, mismatchCode: number, label: string): void {
  const header = req.headers['if-match'];
  if (header === undefined) return;
  const expected = String(header)
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (expected !== String(entry.revision)) {
    throw new TwilioApiError(
      412,
      mismatchCode,
      `${label} revision mismatch: If-Match ${expected}, actual ${entry.revision}`,
    );
  }
}

// ---- state helpers -----------------------------------------------------------------------------

function findBySidOrName<T extends { sid: string; uniqueName: string | null }>(
  entries: Map<string, T>,
  sidOrName: string,
): T | undefined {
  return entries.get(sidOrName) ?? [...entries.values()].find((e) => e.uniqueName === sidOrName);
}

function dropExpired<T extends SyncLifetime>(entries: Map<string, T>, cutoff: number): void {
  for (const [key, entry] of entries) {
    if (entry.dateExpires !== null && entry.dateExpires <= cutoff) entries.delete(key);
  }
}

function sortedItems(kind: CollectionKind, collection: CollectionState): SyncItemState[] {
  return [...collection.items.values()].sort((a, b) => kind.compareKeys(a.key, b.key));
}

function withinBounds(comparedToFrom: number, order: string, bounds: string): boolean {
  const ahead = order === 'desc' ? comparedToFrom < 0 : comparedToFrom > 0;
  return ahead || (bounds === 'inclusive' && comparedToFrom === 0);
}

/** The item filters the next page must keep: Order, From and Bounds. */
function pageFilters(query: Params): string {
  return ['Order', 'From', 'Bounds']
    .filter((name) => text(query, name) !== undefined)
    .map((name) => `${name}=${encodeURIComponent(text(query, name) ?? '')}`)
    .join('&');
}

// ---- resources (the spec's snake_case shapes) --------------------------------------------------

function lifetimeFields(entry: SyncLifetime): Record<string, unknown> {
  return {
    revision: String(entry.revision),
    date_expires: isoDate(entry.dateExpires),
    date_created: isoDate(entry.dateCreated),
    date_updated: isoDate(entry.dateUpdated),
    created_by: entry.createdBy,
  };
}

function serviceResource(accountSid: string, service: ServiceState): Record<string, unknown> {
  const url = `${BASE_URL}/Services/${service.sid}`;
  return {
    sid: service.sid,
    unique_name: service.uniqueName,
    account_sid: accountSid,
    friendly_name: service.friendlyName,
    date_created: isoDate(service.dateCreated),
    date_updated: isoDate(service.dateUpdated),
    url,
    webhook_url: service.webhookUrl,
    webhooks_from_rest_enabled: service.webhooksFromRestEnabled,
    reachability_webhooks_enabled: service.reachabilityWebhooksEnabled,
    acl_enabled: service.aclEnabled,
    reachability_debouncing_enabled: service.reachabilityDebouncingEnabled,
    reachability_debouncing_window: service.reachabilityDebouncingWindow,
    links: { documents: `${url}/Documents`, lists: `${url}/Lists`, maps: `${url}/Maps`, streams: `${url}/Streams` },
  };
}

function documentResource(accountSid: string, service: ServiceState, document: DocumentState): Record<string, unknown> {
  const url = `${BASE_URL}/Services/${service.sid}/Documents/${document.sid}`;
  return {
    sid: document.sid,
    unique_name: document.uniqueName,
    account_sid: accountSid,
    service_sid: service.sid,
    url,
    links: { permissions: `${url}/Permissions` },
    data: document.data,
    ...lifetimeFields(document),
  };
}

function collectionResource(
  kind: CollectionKind,
  accountSid: string,
  service: ServiceState,
  collection: CollectionState,
): Record<string, unknown> {
  const url = `${BASE_URL}/Services/${service.sid}/${kind.segment}/${collection.sid}`;
  return {
    sid: collection.sid,
    unique_name: collection.uniqueName,
    account_sid: accountSid,
    service_sid: service.sid,
    url,
    links: { items: `${url}/Items`, permissions: `${url}/Permissions` },
    ...lifetimeFields(collection),
  };
}

function itemResource(
  kind: CollectionKind,
  accountSid: string,
  service: ServiceState,
  collection: CollectionState,
  item: SyncItemState,
): Record<string, unknown> {
  return {
    ...kind.itemField(item.key),
    account_sid: accountSid,
    service_sid: service.sid,
    [kind.parentField]: collection.sid,
    url: `${BASE_URL}/Services/${service.sid}/${kind.segment}/${collection.sid}/Items/${encodeURIComponent(item.key)}`,
    data: item.data,
    ...lifetimeFields(item),
  };
}

// ---- snapshot ----------------------------------------------------------------------------------

function lifetimeSnapshot(entry: SyncLifetime): Record<string, unknown> {
  return {
    revision: entry.revision,
    dateCreated: isoDate(entry.dateCreated),
    dateUpdated: isoDate(entry.dateUpdated),
    dateExpires: isoDate(entry.dateExpires),
  };
}

function collectionSnapshot(collection: CollectionState): Record<string, unknown> {
  const kind = collection.kind === 'map' ? MAP_KIND : LIST_KIND;
  return {
    sid: collection.sid,
    uniqueName: collection.uniqueName,
    ...lifetimeSnapshot(collection),
    items: sortedItems(kind, collection).map((item) => ({ key: item.key, data: item.data, ...lifetimeSnapshot(item) })),
  };
}

function serviceSnapshot(service: ServiceState): Record<string, unknown> {
  const { documents, maps, lists, dateCreated, dateUpdated, ...settings } = service;
  return {
    ...settings,
    dateCreated: isoDate(dateCreated),
    dateUpdated: isoDate(dateUpdated),
    documents: [...documents.values()].map((d) => ({
      sid: d.sid,
      uniqueName: d.uniqueName,
      data: d.data,
      ...lifetimeSnapshot(d),
    })),
    maps: [...maps.values()].map(collectionSnapshot),
    lists: [...lists.values()].map(collectionSnapshot),
  };
}
