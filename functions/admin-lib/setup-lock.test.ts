import { type ScriptedAnswer, scriptedTwilio, type ScriptedTwilio } from '../common/twilio/scripted-twilio.testing';
import { type SetupLockHolder, SetupLock } from './setup-lock';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const CREATE = 'POST /sync/v1/Services/IS1/Documents';
const LOCK = '/sync/v1/Services/IS1/Documents/opencx_setup_lock';

const holder = (id: string, expiresInMs: number): SetupLockHolder => ({
  id,
  operation: 'Test & Save',
  by: `${id}@example.com`,
  expiresAt: new Date(NOW + expiresInMs).toISOString(),
});
const ours = holder('ours', 60_000);
const exists: ScriptedAnswer = { status: 409, body: { code: 54301, message: 'Unique name already exists' } };
const syncTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The lock as Sync holds it; `syncExpiresInMs`: when Sync's TTL ends it, by Sync's clock. */
const lockIs = (data: SetupLockHolder, revision: string, syncExpiresInMs?: number): ScriptedAnswer => ({
  status: 200,
  body: {
    unique_name: 'opencx_setup_lock',
    data,
    revision,
    date_updated: syncTime(NOW - 30_000),
    date_expires: syncExpiresInMs === undefined ? null : syncTime(NOW + syncExpiresInMs),
  },
});
const written: ScriptedAnswer = {
  status: 200,
  body: { unique_name: 'opencx_setup_lock', revision: '9', date_updated: syncTime(NOW) },
};
const revisionChanged: ScriptedAnswer = { status: 412, body: { code: 54103, message: 'The revision does not match' } };

const servers: ScriptedTwilio[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function lockWith(...answers: ScriptedAnswer[]) {
  const twilio = await scriptedTwilio(answers);
  servers.push(twilio);
  return { lock: new SetupLock(twilio.apis(5000).apis.sync, 'IS1', () => NOW), twilio };
}

describe('SetupLock.acquire', () => {
  it('takes a free lock with one create-only write', async () => {
    const { lock, twilio } = await lockWith({ status: 201, body: {} });
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE]);
  });

  it('leaves a live lock to its holder, naming it', async () => {
    const theirs = holder('theirs', 1000);
    const { lock, twilio } = await lockWith(exists, lockIs(theirs, '3'));
    await expect(lock.acquire(ours)).resolves.toEqual({ held: false, holder: theirs });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`]);
  });

  it('takes over an expired lock with If-Match on the revision it read', async () => {
    const { lock, twilio } = await lockWith(exists, lockIs(holder('killed', -1), '5'), written);
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`, `POST ${LOCK}`]);
    expect(twilio.ifMatches[2]).toBe('5');
  });

  it('takes over a lock Sync also holds expired', async () => {
    const { lock, twilio } = await lockWith(exists, lockIs(holder('killed', -1), '5', -1000), written);
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`, `POST ${LOCK}`]);
  });

  it("keeps a lock whose expiry by Sync's clock is within 2 s of its holder's (Sync's whole-second TTL)", async () => {
    const { lock, twilio } = await lockWith(exists, lockIs(holder('killed', -1), '5', 2000), written);
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`, `POST ${LOCK}`]);
  });

  it("puts back a lock expired by its holder's clock only (running behind), naming Sync's expiry", async () => {
    // A terminal two minutes behind wrote `expiresAt` in our past; Sync keeps the lock 40 s more.
    const behind = holder('behind', -80_000);
    const { lock, twilio } = await lockWith(exists, lockIs(behind, '5', 40_000), written, written);
    await expect(lock.acquire(ours)).resolves.toEqual({
      held: false,
      holder: { ...behind, expiresAt: '2026-05-01T12:00:40.000Z' },
    });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`, `POST ${LOCK}`, `POST ${LOCK}`]);
    expect(twilio.ifMatches[3]).toBe('9');
    expect(JSON.parse(twilio.forms[3].get('Data') ?? '')).toEqual(behind);
    expect(twilio.forms[3].get('Ttl')).toBe('40');
  });

  it('puts back a lock taken too soon when the takeover answer was lost and a later round finds ours', async () => {
    const behind = holder('behind', -80_000);
    const oursSince = (revision: string): ScriptedAnswer => ({
      status: 200,
      body: { unique_name: 'opencx_setup_lock', data: ours, revision, date_updated: syncTime(NOW) },
    });
    const { lock, twilio } = await lockWith(
      exists,
      lockIs(behind, '5', 40_000),
      { status: 500, body: {} },
      revisionChanged,
      exists,
      oursSince('6'),
      written,
    );
    await expect(lock.acquire(ours)).resolves.toMatchObject({ held: false, holder: { id: 'behind' } });
    expect(twilio.ifMatches.at(-1)).toBe('6');
    expect(JSON.parse(twilio.forms.at(-1)?.get('Data') ?? '')).toEqual(behind);
  });

  it('creates the lock again when Sync deleted the expired one between the read and the takeover', async () => {
    const gone: ScriptedAnswer = {
      status: 404,
      body: { code: 20404, message: 'The requested resource was not found' },
    };
    const { lock, twilio } = await lockWith(exists, lockIs(holder('killed', -1), '5'), gone, { status: 201, body: {} });
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE, `GET ${LOCK}`, `POST ${LOCK}`, CREATE]);
  });

  it('names no holder when every round met an expired lock that went or changed hands', async () => {
    const gone: ScriptedAnswer = {
      status: 404,
      body: { code: 20404, message: 'The requested resource was not found' },
    };
    const round = [exists, lockIs(holder('killed', -1), '5'), gone];
    const { lock, twilio } = await lockWith(...round, ...round, ...round);
    await expect(lock.acquire(ours)).resolves.toEqual({ held: false });
    expect(twilio.requests).toHaveLength(9);
  });

  it('loses a takeover race to the taker that wrote first, and names it', async () => {
    const winner = holder('winner', 60_000);
    const { lock } = await lockWith(
      exists,
      lockIs(holder('killed', -1), '5'),
      revisionChanged,
      exists,
      lockIs(winner, '6'),
    );
    await expect(lock.acquire(ours)).resolves.toEqual({ held: false, holder: winner });
  });

  it('recognises its own create whose answer was lost: the retry meets a lock with its id', async () => {
    const { lock, twilio } = await lockWith('drop', exists, lockIs(ours, '0'));
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
    expect(twilio.requests).toEqual([CREATE, CREATE, `GET ${LOCK}`]);
  });

  it('recognises its own takeover whose answer was lost: the retry is refused, the lock has its id', async () => {
    const { lock } = await lockWith(
      exists,
      lockIs(holder('killed', -1), '5'),
      { status: 500, body: {} },
      revisionChanged,
      exists,
      lockIs(ours, '6'),
    );
    await expect(lock.acquire(ours)).resolves.toEqual({ held: true });
  });
});

describe('SetupLock.release', () => {
  it('deletes its own lock', async () => {
    const { lock, twilio } = await lockWith(lockIs(ours, '0'), { status: 204 });
    await lock.release(ours.id);
    expect(twilio.requests).toEqual([`GET ${LOCK}`, `DELETE ${LOCK}`]);
  });

  it('leaves alone a lock taken over since it expired', async () => {
    const { lock, twilio } = await lockWith(lockIs(holder('next', 60_000), '7'));
    await lock.release(ours.id);
    expect(twilio.requests).toEqual([`GET ${LOCK}`]);
  });
});
