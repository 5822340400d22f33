import type { TwilioClient } from '../../../functions/common/twilio/client';
import type { TwilioSimulator } from './simulator';
import { MAX_DATA_BYTES, SyncSim } from './sync';
import { clientFor, startSimulator } from './test-support';

describe('Twilio Sync simulator', () => {
  let sim: TwilioSimulator;
  let sync: SyncSim;
  let client: TwilioClient;
  let serviceSid: string;

  beforeEach(async () => {
    sync = new SyncSim();
    sim = await startSimulator({ sync });
    client = clientFor(sim);
    serviceSid = sync.createService('OpenCX').sid;
  });
  afterEach(() => sim.stop());

  const service = () => client.sync.v1.services(serviceSid);
  /** A JSON object whose serialized form is exactly `bytes` long. */
  const dataOfSize = (bytes: number) => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

  test('creates, fetches and lists services by SID; an unknown service is 404 / 54050', async () => {
    const created = await client.sync.v1.services.create({ friendlyName: 'secrets', aclEnabled: true });
    expect(created).toMatchObject({ friendlyName: 'secrets', aclEnabled: true, accountSid: sim.accountSid });
    expect(created.sid).toMatch(/^IS[0-9a-f]{32}$/);
    await expect(client.sync.v1.services(created.sid).fetch()).resolves.toMatchObject({
      friendlyName: 'secrets',
      aclEnabled: true,
    });
    const all = await client.sync.v1.services.list();
    expect(all.map((s) => s.friendlyName).sort()).toEqual(['OpenCX', 'secrets']);
    await expect(client.sync.v1.services('IS' + '0'.repeat(32)).fetch()).rejects.toMatchObject({
      status: 404,
      code: 54050,
    });
    expect(sim.violations).toEqual([]);
  });

  test('document revisions and If-Match: a stale revision is refused with 412 / 54103', async () => {
    const created = await service().documents.create({ uniqueName: 'routing-config', data: { mode: 'queue' } });
    expect(created).toMatchObject({
      uniqueName: 'routing-config',
      revision: '0',
      data: { mode: 'queue' },
      dateExpires: null,
    });

    const updated = await service()
      .documents(created.sid)
      .update({ data: { mode: 'direct' }, ifMatch: '0' });
    expect(updated).toMatchObject({ revision: '1', data: { mode: 'direct' } });

    await expect(
      service()
        .documents(created.sid)
        .update({ data: { mode: 'stale' }, ifMatch: '0' }),
    ).rejects.toMatchObject({ status: 412, code: 54103 });
    await expect(service().documents(created.sid).fetch()).resolves.toMatchObject({
      revision: '1',
      data: { mode: 'direct' },
    });
    expect(sync.document(serviceSid, 'routing-config')).toMatchObject({ revision: 1, data: { mode: 'direct' } });

    await expect(service().documents.create({ uniqueName: 'routing-config', data: {} })).rejects.toMatchObject({
      status: 409,
      code: 54301,
    });
    await service().documents(created.sid).remove();
    await expect(service().documents('routing-config').fetch()).rejects.toMatchObject({ status: 404, code: 54100 });
    expect(sim.violations).toEqual([]);
  });

  test('a map item created twice under one key fails with 409 / 54208; update honours If-Match (54205)', async () => {
    const map = await service().syncMaps.create({ uniqueName: 'conversations' });
    const items = service().syncMaps(map.sid).syncMapItems;
    const first = await items.create({ key: 'CH1', data: { taskSid: 'WT1' } });
    expect(first).toMatchObject({ key: 'CH1', mapSid: map.sid, revision: '0', data: { taskSid: 'WT1' } });

    await expect(items.create({ key: 'CH1', data: { taskSid: 'WT2' } })).rejects.toMatchObject({
      status: 409,
      code: 54208,
    });
    await expect(service().syncMaps(map.sid).syncMapItems('CH1').fetch()).resolves.toMatchObject({
      data: { taskSid: 'WT1' },
    });

    await expect(
      service()
        .syncMaps(map.sid)
        .syncMapItems('CH1')
        .update({ data: { taskSid: 'WT3' }, ifMatch: '7' }),
    ).rejects.toMatchObject({ status: 412, code: 54205 });
    await expect(
      service()
        .syncMaps(map.sid)
        .syncMapItems('CH1')
        .update({ data: { taskSid: 'WT3' }, ifMatch: '0' }),
    ).resolves.toMatchObject({ revision: '1' });
    await service().syncMaps(map.sid).syncMapItems('CH1').remove();
    await expect(service().syncMaps(map.sid).syncMapItems('CH1').fetch()).rejects.toMatchObject({
      status: 404,
      code: 54201,
    });
    await expect(service().syncMaps.create({ uniqueName: 'conversations' })).rejects.toMatchObject({
      status: 409,
      code: 54301,
    });
    expect(sim.violations).toEqual([]);
  });

  test('items and documents vanish after their TTL on the simulator clock', async () => {
    const map = await service().syncMaps.create({ uniqueName: 'locks' });
    const created = await service()
      .syncMaps(map.sid)
      .syncMapItems.create({ key: 'lock', data: { owner: 'a' }, itemTtl: 60 });
    expect(Math.abs(created.dateExpires.getTime() - (sim.clock.now() + 60_000))).toBeLessThan(2_000);
    await service().documents.create({ uniqueName: 'session', data: {}, ttl: 120 });

    sim.clock.advance(59_000);
    await expect(service().syncMaps('locks').syncMapItems('lock').fetch()).resolves.toMatchObject({
      data: { owner: 'a' },
    });

    sim.clock.advance(2_000);
    // The scheduled expiry has already removed it from state, before any request looks.
    expect(sync.services.get(serviceSid)!.maps.get(map.sid)!.items.size).toBe(0);
    await expect(service().syncMaps('locks').syncMapItems('lock').fetch()).rejects.toMatchObject({
      status: 404,
      code: 54201,
    });
    // An expired key is free again.
    await expect(
      service()
        .syncMaps('locks')
        .syncMapItems.create({ key: 'lock', data: { owner: 'b' } }),
    ).resolves.toMatchObject({ key: 'lock' });

    expect(sync.document(serviceSid, 'session')).toBeDefined();
    sim.clock.advance(60_000);
    expect(sync.document(serviceSid, 'session')).toBeUndefined();
    expect(sim.violations).toEqual([]);
  });

  test('syncTtlLagMs keeps expired items visible for the lag', async () => {
    sim.switches.syncTtlLagMs = 120_000;
    const map = sync.createMap(serviceSid, { uniqueName: 'lagging' });
    sync.setMapItem(serviceSid, map.sid, 'k', { v: 1 }, 10);
    sim.clock.advance(11_000);
    await expect(service().syncMaps('lagging').syncMapItems('k').fetch()).resolves.toMatchObject({ data: { v: 1 } });
    sim.clock.advance(120_000);
    await expect(service().syncMaps('lagging').syncMapItems('k').fetch()).rejects.toMatchObject({ code: 54201 });
    expect(sync.mapItems(serviceSid, 'lagging')).toEqual([]);
  });

  test('enforces key, data and TTL limits', async () => {
    const items = service().syncMaps(sync.createMap(serviceSid).sid).syncMapItems;
    await expect(items.create({ key: 'k'.repeat(320), data: {} })).resolves.toMatchObject({ key: 'k'.repeat(320) });
    await expect(items.create({ key: 'k'.repeat(321), data: {} })).rejects.toMatchObject({ status: 400, code: 54209 });

    await expect(items.create({ key: 'full', data: dataOfSize(MAX_DATA_BYTES) })).resolves.toMatchObject({
      key: 'full',
    });
    await expect(items.create({ key: 'over', data: dataOfSize(MAX_DATA_BYTES + 1) })).rejects.toMatchObject({
      status: 413,
      code: 54006,
    });
    await expect(service().documents.create({ data: dataOfSize(MAX_DATA_BYTES + 1) })).rejects.toMatchObject({
      code: 54006,
    });

    await expect(items.create({ key: 'year', data: {}, itemTtl: 31_536_000 })).resolves.toMatchObject({ key: 'year' });
    await expect(items.create({ key: 'too-long', data: {}, itemTtl: 31_536_001 })).rejects.toMatchObject({
      status: 400,
      code: 54011,
    });
    await expect(items.create({ key: 'not-json', data: '{oops' })).rejects.toMatchObject({ status: 400, code: 54008 });
    expect(sync.mapItems(serviceSid, [...sync.services.get(serviceSid)!.maps.keys()][0]).map((i) => i.key)).toEqual([
      'full',
      'k'.repeat(320),
      'year',
    ]);
    expect(sim.violations).toEqual([]);
  });

  test('the 21st write to one map within a second is 429 / 54009; another map is unaffected', async () => {
    const busy = service().syncMaps(sync.createMap(serviceSid, { uniqueName: 'busy' }).sid);
    const quiet = service().syncMaps(sync.createMap(serviceSid, { uniqueName: 'quiet' }).sid);
    expect(sync.writesPerSecondPerObject).toBe(20);
    // The window on simulated time only, so the outcome does not depend on how fast this machine writes.
    sync.rateTime = () => sim.clock.now();

    for (let i = 0; i < 20; i++) await busy.syncMapItems.create({ key: `k${i}`, data: { i } });
    await expect(busy.syncMapItems('k0').update({ data: { i: -1 } })).rejects.toMatchObject({
      status: 429,
      code: 54009,
    });
    await expect(quiet.syncMapItems.create({ key: 'k0', data: {} })).resolves.toMatchObject({ key: 'k0' });
    // Reads have their own budget.
    await expect(busy.syncMapItems('k0').fetch()).resolves.toMatchObject({ data: { i: 0 } });

    sim.clock.advance(1_000);
    await expect(busy.syncMapItems('k0').update({ data: { i: -1 } })).resolves.toMatchObject({ data: { i: -1 } });
    expect(sim.violations).toEqual([]);
  });

  test('the read limit is a public per-object property too', async () => {
    sync.readsPerSecondPerObject = 2;
    sync.rateTime = () => sim.clock.now();
    const doc = sync.createDocument(serviceSid, { uniqueName: 'hot', data: {} });
    await service().documents('hot').fetch();
    await service().documents(doc.sid).fetch();
    await expect(service().documents('hot').fetch()).rejects.toMatchObject({ status: 429, code: 54009 });
  });

  test('addresses documents, maps and lists by unique name in the SID slot', async () => {
    await service().documents.create({ uniqueName: 'agent-settings', data: { theme: 'dark' } });
    await expect(
      service()
        .documents('agent-settings')
        .update({ data: { theme: 'light' } }),
    ).resolves.toMatchObject({ revision: '1' });
    expect(sync.document(serviceSid, 'agent-settings')!.data).toEqual({ theme: 'light' });

    const map = await service().syncMaps.create({ uniqueName: 'customers' });
    await service()
      .syncMaps('customers')
      .syncMapItems.create({ key: 'c1', data: { name: 'Ada' } });
    await expect(service().syncMaps(map.sid).syncMapItems('c1').fetch()).resolves.toMatchObject({
      data: { name: 'Ada' },
    });
    await expect(service().syncMaps('customers').fetch()).resolves.toMatchObject({
      sid: map.sid,
      uniqueName: 'customers',
    });
    expect(sync.mapItems(serviceSid, 'customers').map((i) => i.data)).toEqual([{ name: 'Ada' }]);

    await service().syncLists.create({ uniqueName: 'history' });
    await service()
      .syncLists('history')
      .syncListItems.create({ data: { n: 0 } });
    await expect(service().syncLists('history').syncListItems(0).fetch()).resolves.toMatchObject({
      index: 0,
      data: { n: 0 },
    });

    await expect(service().syncMaps('nope').syncMapItems('c1').fetch()).rejects.toMatchObject({
      status: 404,
      code: 54200,
    });
    await expect(service().documents.create({ uniqueName: 'ET' + 'a'.repeat(32) })).rejects.toMatchObject({
      status: 400,
      code: 54302,
    });
    expect(sim.violations).toEqual([]);
  });

  test('lists map items in key order with Order, From and Bounds, across pages', async () => {
    const map = sync.createMap(serviceSid, { uniqueName: 'roster' });
    for (const key of ['d', 'a', 'c', 'e', 'b']) sync.setMapItem(serviceSid, map.sid, key, { key });
    const items = service().syncMaps('roster').syncMapItems;
    const keys = async (options: Parameters<typeof items.list>[0]) => (await items.list(options)).map((i) => i.key);

    expect(await keys({})).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await keys({ order: 'desc' })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await keys({ from: 'c' })).toEqual(['c', 'd', 'e']);
    expect(await keys({ from: 'c', bounds: 'exclusive' })).toEqual(['d', 'e']);
    expect(await keys({ from: 'c', order: 'desc', bounds: 'exclusive' })).toEqual(['b', 'a']);
    // Paging keeps the filters: pages of two, newest first.
    expect(await keys({ order: 'desc', pageSize: 2 })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(sim.calls({ product: 'sync', method: 'GET' }).length).toBe(5 + 3);
    expect(sim.violations).toEqual([]);
  });

  test('lists: appended items get increasing indexes that are never reused', async () => {
    const list = await service().syncLists.create({ uniqueName: 'events' });
    const listItems = service().syncLists(list.sid).syncListItems;
    for (const n of [0, 1, 2]) await listItems.create({ data: { n } });
    await service().syncLists(list.sid).syncListItems(2).remove();
    await expect(listItems.create({ data: { n: 3 } })).resolves.toMatchObject({ index: 3, listSid: list.sid });
    expect((await listItems.list({ order: 'desc' })).map((i) => i.index)).toEqual([3, 1, 0]);
    await expect(service().syncLists(list.sid).syncListItems(2).fetch()).rejects.toMatchObject({
      status: 404,
      code: 54151,
    });
    await expect(
      service().syncLists(list.sid).syncListItems(1).update({ data: {}, ifMatch: '5' }),
    ).rejects.toMatchObject({ status: 412, code: 54155 });
    expect(sync.listItems(serviceSid, 'events').map((i) => i.key)).toEqual(['0', '1', '3']);
    expect(sim.violations).toEqual([]);
  });

  test('"default" is the account default service, as Runtime.getSync() addresses it', async () => {
    const doc = await client.sync.v1.services('default').documents.create({ uniqueName: 'flags', data: { on: true } });
    const defaultService = sync.service('default')!;
    expect(doc.serviceSid).toBe(defaultService.sid);
    expect(sync.document(defaultService.sid, 'flags')!.data).toEqual({ on: true });
  });

  test('a fetched service carries the unique name only Twilio sets: "default" for the default service', async () => {
    const defaultService = sync.defaultService();
    await expect(client.sync.v1.services(defaultService.sid).fetch()).resolves.toMatchObject({
      sid: defaultService.sid,
      uniqueName: 'default',
      friendlyName: 'Default Service',
    });
    await expect(client.sync.v1.services('default').fetch()).resolves.toMatchObject({ sid: defaultService.sid });
    await expect(client.sync.v1.services(serviceSid).fetch()).resolves.toMatchObject({
      sid: serviceSid,
      uniqueName: null,
      friendlyName: 'OpenCX',
    });
    await expect(client.sync.v1.services('IS' + 'f'.repeat(32)).fetch()).rejects.toMatchObject({ status: 404 });
    expect(sim.violations).toEqual([]);
  });

  test('snapshot() is plain JSON of every service, object and item', async () => {
    const map = sync.createMap(serviceSid, { uniqueName: 'm' });
    sync.setMapItem(serviceSid, map.sid, 'k', { v: 1 });
    sync.createDocument(serviceSid, { uniqueName: 'd', data: { x: 1 } });
    const snapshot = sync.snapshot() as {
      services: { sid: string; documents: unknown[]; maps: { uniqueName: string; items: unknown[] }[] }[];
    };
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.services[0]).toMatchObject({
      sid: serviceSid,
      friendlyName: 'OpenCX',
      documents: [expect.objectContaining({ uniqueName: 'd', data: { x: 1 }, revision: 0 })],
      maps: [
        expect.objectContaining({
          uniqueName: 'm',
          revision: 1,
          items: [expect.objectContaining({ key: 'k', data: { v: 1 } })],
        }),
      ],
    });
    expect(sim.snapshot().sync).toEqual(snapshot);
  });
});
