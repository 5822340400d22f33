import { type ScriptedAnswer, scriptedTwilio, type ScriptedTwilio } from './scripted-twilio.testing';

const ITEMS = 'POST /sync/v1/Services/IS1/Maps/m/Items';
const MAPS = 'POST /sync/v1/Services/IS1/Maps';
const exists: ScriptedAnswer = { status: 409, body: { code: 54208, message: 'Item already exists' } };
const created: ScriptedAnswer = { status: 201, body: { key: 'k', data: {}, revision: '0' } };

const servers: ScriptedTwilio[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function createItem(...answers: ScriptedAnswer[]) {
  const twilio = await scriptedTwilio(answers);
  servers.push(twilio);
  const { apis } = twilio.apis(5000);
  return { result: await apis.sync.createMapItem('IS1', 'm', 'k', { seenAt: 'now' }), requests: twilio.requests };
}

describe('SyncApi.fetchService', () => {
  it('reads the unique name Twilio gives only the default service, and undefined for a 404', async () => {
    const twilio = await scriptedTwilio([
      { status: 200, body: { sid: 'IS1', unique_name: 'default', friendly_name: 'Default Service' } },
      { status: 404, body: { code: 20404, message: 'not found' } },
    ]);
    servers.push(twilio);
    const { apis } = twilio.apis(5000);
    await expect(apis.sync.fetchService('IS1')).resolves.toEqual({
      sid: 'IS1',
      uniqueName: 'default',
      friendlyName: 'Default Service',
    });
    await expect(apis.sync.fetchService('IS2')).resolves.toBeUndefined();
    expect(twilio.requests).toEqual(['GET /sync/v1/Services/IS1', 'GET /sync/v1/Services/IS2']);
  });
});

describe('SyncApi.createMapItem', () => {
  it('creates the item on the first attempt', async () => {
    await expect(createItem(created)).resolves.toEqual({
      result: { created: true, retried: false },
      requests: [ITEMS],
    });
  });

  it('reports an existing key as not created, with nothing retried', async () => {
    await expect(createItem(exists)).resolves.toEqual({
      result: { created: false, retried: false },
      requests: [ITEMS],
    });
  });

  it('says the key may be its own when an earlier attempt failed after Twilio may have processed it', async () => {
    await expect(createItem({ status: 500 }, exists)).resolves.toEqual({
      result: { created: false, retried: true },
      requests: [ITEMS, ITEMS],
    });
    await expect(createItem('drop', exists)).resolves.toMatchObject({ result: { created: false, retried: true } });
  });

  it('does not after a 429, which Twilio never processed', async () => {
    await expect(createItem({ status: 429, headers: { 'Retry-After': '0' } }, exists)).resolves.toMatchObject({
      result: { created: false, retried: false },
    });
  });

  it('creates a missing map, then the item', async () => {
    await expect(
      createItem({ status: 404, body: { code: 20404 } }, { status: 201, body: { unique_name: 'm' } }, created),
    ).resolves.toEqual({
      result: { created: true, retried: false },
      requests: [ITEMS, MAPS, ITEMS],
    });
  });
});

describe('SyncApi.deleteMapItem', () => {
  const ITEM = 'DELETE /sync/v1/Services/IS1/Maps/m/Items/k';

  async function deleteItem(revision: string | undefined, ...answers: ScriptedAnswer[]) {
    const twilio = await scriptedTwilio(answers);
    servers.push(twilio);
    const { apis } = twilio.apis(5000);
    const result = await apis.sync.deleteMapItem('IS1', 'm', 'k', revision);
    return { result, requests: twilio.requests, ifMatches: twilio.ifMatches };
  }

  it('deletes only the revision it names, and says when that revision changed', async () => {
    await expect(deleteItem('3', { status: 204 })).resolves.toEqual({
      result: true,
      requests: [ITEM],
      ifMatches: ['3'],
    });
    await expect(deleteItem('3', { status: 412, body: { code: 54103 } })).resolves.toMatchObject({ result: false });
  });

  it('counts an item already gone as deleted, also when its first delete was answered 500', async () => {
    await expect(deleteItem(undefined, { status: 404, body: { code: 20404 } })).resolves.toMatchObject({
      result: true,
      ifMatches: [undefined],
    });
    await expect(deleteItem('3', { status: 500 }, { status: 404, body: { code: 20404 } })).resolves.toEqual({
      result: true,
      requests: [ITEM, ITEM],
      ifMatches: ['3', '3'],
    });
  });
});

describe('SyncApi.writeDocumentOver', () => {
  const DOCUMENTS = 'POST /sync/v1/Services/IS1/Documents';
  const DOCUMENT = 'POST /sync/v1/Services/IS1/Documents/d';

  async function write(revision: string | undefined, ...answers: ScriptedAnswer[]) {
    const twilio = await scriptedTwilio(answers);
    servers.push(twilio);
    const { apis } = twilio.apis(5000);
    const result = await apis.sync.writeDocumentOver('IS1', 'd', { x: 1 }, revision);
    return { result, requests: twilio.requests, ifMatches: twilio.ifMatches };
  }

  it('answers the revision its write left: over the revision it names, or a create when it names none', async () => {
    await expect(
      write('3', { status: 200, body: { unique_name: 'd', data: { x: 1 }, revision: '4' } }),
    ).resolves.toEqual({ result: '4', requests: [DOCUMENT], ifMatches: ['3'] });
    await expect(
      write(undefined, { status: 201, body: { unique_name: 'd', data: { x: 1 }, revision: '0' } }),
    ).resolves.toEqual({ result: '0', requests: [DOCUMENTS], ifMatches: [undefined] });
  });

  it('answers undefined when someone wrote first (412) or created it first (409)', async () => {
    await expect(write('3', { status: 412, body: { code: 54103 } })).resolves.toMatchObject({ result: undefined });
    await expect(write(undefined, { status: 409, body: { code: 54301 } })).resolves.toMatchObject({
      result: undefined,
    });
  });
});
