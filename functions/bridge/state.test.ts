import type { CreatedMapItem, SyncApi } from '../common/twilio';
import type { ConversationRecord } from './conversation-record';
import { newConfigVersion, parseConfig } from '../common/config';
import { locationOf } from '../common/shards';
import {
  BridgeState,
  CONFIG_CACHE_MS,
  CONVERSATION_MAPS,
  forgetCachedConfig,
  forgetRetiredMaps,
  PARK_ATTEMPTS,
} from './state';

const saved = {
  opencxToken: 'ocx_live_x',
  workspaceSid: 'WS1',
  aiWorkerSid: 'WK1',
  conversationsServiceSid: 'IS1',
  aiAuthorName: 'AI',
};

function stateWith(document: unknown, serviceSid = 'IS_SYNC') {
  const reads: string[] = [];
  const gateway = {
    fetchDocument: async (service: string, name: string) => {
      reads.push(`${service}/${name}`);
      return document === undefined ? undefined : { data: document, revision: '1' };
    },
  } as unknown as SyncApi;
  return { state: new BridgeState(gateway, serviceSid), reads };
}

describe('BridgeState.loadConfig', () => {
  beforeEach(() => forgetCachedConfig());

  it('reads the config document once per cache period in a warm container', async () => {
    const { state, reads } = stateWith(saved);
    await expect(state.loadConfig({ now: 1000 })).resolves.toMatchObject({ workspaceSid: 'WS1' });
    await expect(state.loadConfig({ now: 1000 + CONFIG_CACHE_MS - 1 })).resolves.toMatchObject({ workspaceSid: 'WS1' });
    expect(reads).toEqual(['IS_SYNC/opencx_config']);
    await state.loadConfig({ now: 1000 + CONFIG_CACHE_MS });
    expect(reads).toHaveLength(2);
  });

  it('keeps the settings it read last when a later read fails (a timer is still armed with Sync down)', async () => {
    let failing = false;
    const gateway = {
      fetchDocument: async () => {
        if (failing) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
        return { data: saved, revision: '1' };
      },
    } as unknown as SyncApi;
    const state = new BridgeState(gateway, 'IS_LAST');
    expect(state.lastKnownConfig()).toBeUndefined();
    await state.loadConfig({ now: 1000 });
    failing = true;
    await expect(state.loadConfig({ now: 1001, fresh: true })).rejects.toThrow('Service Unavailable');
    expect(state.lastKnownConfig()).toMatchObject({ workspaceSid: 'WS1' });
    expect(new BridgeState(gateway, 'IS_OTHER').lastKnownConfig()).toBeUndefined();
  });

  it('reads afresh when asked (the admin Functions, a refused OpenCX key)', async () => {
    const { state, reads } = stateWith(saved);
    await state.loadConfig({ now: 1000 });
    await state.loadConfig({ now: 1001, fresh: true });
    expect(reads).toHaveLength(2);
  });

  it('reads afresh when an event names another config version, and not when it names the cached one', async () => {
    const { state, reads } = stateWith({ ...saved, configVersion: 'v1' });
    await state.loadConfig({ now: 1000, version: 'v1' });
    await state.loadConfig({ now: 1001, version: 'v1' });
    expect(reads).toHaveLength(1);
    await state.loadConfig({ now: 1002, version: 'v2' });
    expect(reads).toHaveLength(2);
  });

  it('serves an event naming an older version from newer cached settings (URLs a save left as they were)', async () => {
    const { state, reads } = stateWith({ ...saved, configVersion: newConfigVersion(new Date(2_000_000)) });
    await state.loadConfig({ now: 1000 });
    for (const older of [newConfigVersion(new Date(1_000_000)), newConfigVersion(new Date(1_999_999))])
      await expect(state.loadConfig({ now: 1001, version: older })).resolves.toMatchObject({ workspaceSid: 'WS1' });
    expect(reads).toHaveLength(1);
    await state.loadConfig({ now: 1002, version: newConfigVersion(new Date(2_000_001)) });
    expect(reads).toHaveLength(2);
  });

  it('does not cache a missing config, so a first save applies at once', async () => {
    const { state, reads } = stateWith(undefined);
    await expect(state.loadConfig({ now: 1000 })).resolves.toBeUndefined();
    await state.loadConfig({ now: 1001 });
    expect(reads).toHaveLength(2);
  });

  it('does not serve one Sync service the config of another', async () => {
    await stateWith(saved, 'IS_A').state.loadConfig({ now: 1000 });
    const other = stateWith({ ...saved, workspaceSid: 'WS2' }, 'IS_B');
    await expect(other.state.loadConfig({ now: 1001 })).resolves.toMatchObject({ workspaceSid: 'WS2' });
    expect(other.reads).toHaveLength(1);
  });
});

describe('BridgeState.loadConfig in a warm container: concurrent first events share one read', () => {
  beforeEach(() => forgetCachedConfig());

  /** A config document whose reads answer only when `answer()` is called. */
  function slowDocument(versions: string[]) {
    const reads: Array<() => void> = [];
    const gateway = {
      fetchDocument: () =>
        new Promise((resolve) => {
          const version = versions[Math.min(reads.length, versions.length - 1)];
          reads.push(() => resolve({ data: { ...saved, configVersion: version }, revision: '1' }));
        }),
    } as unknown as SyncApi;
    const answer = async (): Promise<void> => {
      for (const read of reads) read();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { state: () => new BridgeState(gateway, 'IS_SYNC'), reads, answer };
  }

  it('100 concurrent events read the document once', async () => {
    const sync = slowDocument(['v1']);
    const loads = Array.from({ length: 100 }, () => sync.state().loadConfig({ version: 'v1' }));
    await sync.answer();
    const configs = await Promise.all(loads);
    expect(sync.reads).toHaveLength(1);
    expect(configs.every((config) => config?.configVersion === 'v1')).toBe(true);
  });

  it('events naming a version the shared read did not find make one more read between them, not one each', async () => {
    const sync = slowDocument(['v1', 'v2']);
    const before = Array.from({ length: 10 }, () => sync.state().loadConfig({ version: 'v1' }));
    const after = Array.from({ length: 10 }, () => sync.state().loadConfig({ version: 'v2' }));
    await sync.answer();
    await sync.answer();
    expect((await Promise.all(before)).map((c) => c?.configVersion)).toEqual(new Array(10).fill('v1'));
    expect((await Promise.all(after)).map((c) => c?.configVersion)).toEqual(new Array(10).fill('v2'));
    expect(sync.reads).toHaveLength(2);
  });

  it('a save forgets the read in progress: the next event reads the saved settings', async () => {
    const sync = slowDocument(['v1', 'v2']);
    const early = sync.state().loadConfig();
    forgetCachedConfig();
    const late = sync.state().loadConfig();
    await sync.answer();
    expect((await early)?.configVersion).toBe('v1');
    expect((await late)?.configVersion).toBe('v2');
    expect(sync.reads).toHaveLength(2);
  });

  it('a refused key joins the read in progress rather than the cache', async () => {
    const sync = slowDocument(['v1', 'v2']);
    await Promise.all([sync.state().loadConfig(), sync.answer()]);
    const fresh = Array.from({ length: 5 }, () => sync.state().loadConfig({ fresh: true }));
    await sync.answer();
    expect((await Promise.all(fresh)).map((c) => c?.configVersion)).toEqual(new Array(5).fill('v2'));
    expect(sync.reads).toHaveLength(2);
  });
});

/** A Sync holding `items` (map → key → data) that records every call. */
function syncHolding(items: Record<string, Record<string, unknown>>) {
  const calls: string[] = [];
  // Every item starts at revision 3; an update makes it 4.
  const revisions: Record<string, string> = {};
  const revisionOf = (map: string, key: string) => revisions[`${map}/${key}`] ?? '3';
  const sync = {
    fetchMapItem: async (_service: string, map: string, key: string) => {
      calls.push(`GET ${map}/${key}`);
      return key in (items[map] ?? {}) ? { data: items[map][key], revision: revisionOf(map, key) } : undefined;
    },
    updateMapItem: async (_service: string, map: string, key: string, data: unknown) => {
      calls.push(`UPDATE ${map}/${key}`);
      items[map] ??= {};
      items[map][key] = data;
      revisions[`${map}/${key}`] = '4';
      return '4';
    },
    createMapItem: async (_service: string, map: string, key: string, data: unknown) => {
      calls.push(`CREATE ${map}/${key}`);
      if (key in (items[map] ?? {})) return { created: false, retried: false };
      items[map] ??= {};
      items[map][key] = data;
      return { created: true, retried: false };
    },
    deleteMapItem: async (_service: string, map: string, key: string, revision?: string) => {
      calls.push(`DELETE ${map}/${key}`);
      if (revision !== undefined && key in (items[map] ?? {}) && revision !== revisionOf(map, key)) return false;
      delete items[map]?.[key];
      return true;
    },
  } as unknown as SyncApi;
  return { state: new BridgeState(sync, 'IS_SYNC'), calls, items };
}

/** A conversation the AI holds in session S1 on task WT1. */
const aiHeld: ConversationRecord = { workspaceSid: 'WS1', taskSid: 'WT1', sessionId: 'S1', phase: 'ai', claimedAt: 1 };

describe('conversation records across a change of shard count', () => {
  const record: ConversationRecord = {
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    reservationSid: 'WR1',
    sessionId: 'S1',
    phase: 'ai',
    claimedAt: 1,
  };
  const shard = locationOf(CONVERSATION_MAPS, 'CH1');

  it('a record in its shard costs one read', async () => {
    const { state, calls } = syncHolding({ [shard]: { CH1: record } });
    await expect(state.conversation('CH1')).resolves.toEqual({ record, revision: '3' });
    expect(calls).toEqual([`GET ${shard}/CH1`]);
  });

  it('a record written before the maps were sharded is found, updated where it is, and cleared', async () => {
    const { state, calls, items } = syncHolding({ opencx_conversations: { CH1: record } });
    const known = await state.conversation('CH1');
    expect(known?.record).toEqual(record);
    await state.update('CH1', (r) => ({ ...r, phase: 'human' }), known);
    expect(items.opencx_conversations.CH1).toMatchObject({ phase: 'human' });
    expect(items[shard]).toBeUndefined();
    await state.forget('CH1');
    expect(items.opencx_conversations.CH1).toBeUndefined();
    expect(calls).toEqual([
      `GET ${shard}/CH1`,
      'GET opencx_conversations/CH1',
      'UPDATE opencx_conversations/CH1',
      `DELETE ${shard}/CH1`,
      'DELETE opencx_conversations/CH1',
    ]);
  });

  it('a conversation claimed before the maps were sharded is not claimed again', async () => {
    const { state, items } = syncHolding({ opencx_conversations: { CH1: record } });
    await expect(
      state.claim('CH1', { ...record, reservationSid: 'WR2', sessionId: undefined, claimedAt: 2 }),
    ).resolves.toEqual({
      claimed: false,
      existing: record,
    });
    expect(items[shard]).toBeUndefined();
  });

  it('a new conversation is claimed in its shard', async () => {
    const { state, items } = syncHolding({});
    await expect(state.claim('CH1', record)).resolves.toEqual({ claimed: true });
    expect(items[shard].CH1).toEqual(record);
  });

  it('an OpenCX session mapped before the maps were sharded still finds its conversation', async () => {
    const { state } = syncHolding({ opencx_sessions: { S1: { conversationSid: 'CH1' } } });
    await expect(state.conversationOfSession('S1')).resolves.toBe('CH1');
  });
});

describe('parkMessage (a relay that can wait no longer for the OpenCX session)', () => {
  const engaging: ConversationRecord = { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai', claimedAt: 1 };
  const shard = locationOf(CONVERSATION_MAPS, 'CH1');

  it('leaves the message on the record, once however often it is parked', async () => {
    const { state, items } = syncHolding({ [shard]: { CH1: { ...engaging, pendingMessages: ['IM1'] } } });
    await expect(state.parkMessage('CH1', 'IM2')).resolves.toBe('parked');
    await expect(state.parkMessage('CH1', 'IM2')).resolves.toBe('parked');
    expect(items[shard].CH1).toMatchObject({ pendingMessages: ['IM1', 'IM2'] });
  });

  it(`outlasts a burst: ${PARK_ATTEMPTS - 1} writes that each lost to another park`, async () => {
    let conflicts = PARK_ATTEMPTS - 1;
    let stored: ConversationRecord = engaging;
    const gateway = {
      fetchMapItem: async () => ({ data: stored, revision: '1' }),
      updateMapItem: async (_s: string, _m: string, _k: string, data: ConversationRecord) => {
        if (conflicts-- > 0) return undefined;
        stored = data;
        return '2';
      },
    } as unknown as SyncApi;
    await expect(new BridgeState(gateway, 'IS_SYNC').parkMessage('CH1', 'IM2')).resolves.toBe('parked');
    expect(stored).toMatchObject({ pendingMessages: ['IM2'] });
  });

  it(`records the engage's session through ${PARK_ATTEMPTS - 1} lost writes, taking every message parked`, async () => {
    let conflicts = PARK_ATTEMPTS - 1;
    let stored: ConversationRecord = { ...engaging, pendingMessages: ['IM1'] };
    const gateway = {
      fetchMapItem: async () => ({ data: stored, revision: '1' }),
      updateMapItem: async (_s: string, _m: string, _k: string, data: ConversationRecord) => {
        // Each lost write is another relay's park landing first.
        if (conflicts-- > 0) {
          stored = { ...stored, pendingMessages: [...(stored.pendingMessages ?? []), `IM${20 - conflicts}`] };
          return undefined;
        }
        stored = data;
        return '2';
      },
    } as unknown as SyncApi;
    const recorded = await new BridgeState(gateway, 'IS_SYNC').recordSession('CH1', 'S1', 'customer-1', 1);
    expect(recorded?.known.record).toMatchObject({ sessionId: 'S1', customerAuthor: 'customer-1' });
    expect(recorded?.known.record).not.toHaveProperty('pendingMessages');
    expect(recorded?.parked).toHaveLength(PARK_ATTEMPTS);
    expect(recorded?.parked[0]).toBe('IM1');
  });

  it("records the session only on this engage's claim, while the AI still holds it", async () => {
    for (const now of [
      { ...engaging, phase: 'handoff' as const },
      { ...engaging, claimedAt: 2 },
      { ...engaging, sessionId: 'S0' },
    ]) {
      const { state, calls } = syncHolding({ [shard]: { CH1: now } });
      await expect(state.recordSession('CH1', 'S1', undefined, 1)).resolves.toBeUndefined();
      expect(calls.filter((c) => c.startsWith('UPDATE'))).toEqual([]);
    }
    const { state, items } = syncHolding({ [shard]: { CH1: { ...engaging, pendingMessages: ['IM1'] } } });
    await expect(state.recordSession('CH1', 'S1', undefined, 1)).resolves.toMatchObject({ parked: ['IM1'] });
    expect(items[shard].CH1).toEqual({ ...engaging, sessionId: 'S1' });
  });

  it('once the session is recorded, or humans hold the conversation, answers the record instead', async () => {
    const withSession = { ...engaging, sessionId: 'S1' };
    const { state, calls } = syncHolding({ [shard]: { CH1: withSession } });
    await expect(state.parkMessage('CH1', 'IM2')).resolves.toEqual({ record: withSession, revision: '3' });
    expect(calls.filter((c) => c.startsWith('UPDATE'))).toEqual([]);

    const withHumans = { ...engaging, phase: 'handoff' as const };
    await expect(syncHolding({ [shard]: { CH1: withHumans } }).state.parkMessage('CH1', 'IM2')).resolves.toEqual({
      record: withHumans,
      revision: '3',
    });
  });
});

describe('the resend queue (messages that follow a rate-limited text)', () => {
  const held = aiHeld;
  const shard = locationOf(CONVERSATION_MAPS, 'CH1');
  const UNTIL = 50_000;
  const queueOf = (owner: string, messageSids: string[], until = UNTIL, sessionId = 'S1') => ({
    resendQueue: { sessionId, owner, messageSids, until },
  });

  it('queues messages in the order they come, once each, handing them all to the resend', async () => {
    const { state, items } = syncHolding({ [shard]: { CH1: held } });
    await expect(state.queueBehindResend('CH1', 'IM2', 1000)).resolves.toEqual({ record: held, revision: '3' });
    await expect(state.openResendQueue('CH1', 'S1', 'IM1', UNTIL, 1000)).resolves.toBe(true);
    await expect(state.queueBehindResend('CH1', 'IM2', 1000)).resolves.toBe('queued');
    await expect(state.queueBehindResend('CH1', 'IM3', 1000)).resolves.toBe('queued');
    await expect(state.queueBehindResend('CH1', 'IM2', 1000)).resolves.toBe('queued');
    // Its resend refused again opens the queue again: what waits in it stays, and it waits longer.
    await expect(state.openResendQueue('CH1', 'S1', 'IM1', UNTIL + 20_000, 30_000)).resolves.toBe(true);
    expect(items[shard].CH1).toMatchObject(queueOf('IM1', ['IM3', 'IM2'], UNTIL + 20_000));

    // Another resend's timer takes nothing: only the owner's sends the queue after its own text.
    await expect(state.takeResendQueue('CH1', 'S1', undefined, 'IM9')).resolves.toEqual([]);
    await expect(state.takeResendQueue('CH1', 'S1', undefined, 'IM1')).resolves.toEqual(['IM3', 'IM2']);
    expect(items[shard].CH1).toEqual(held);
    await expect(state.takeResendQueue('CH1', 'S1')).resolves.toEqual([]);
    // Closed: the next message is the relay's to send.
    await expect(state.queueBehindResend('CH1', 'IM4', 1000)).resolves.toMatchObject({ record: held });
  });

  it("leaves another resend's live queue to it; replaces an overdue one (its watchdogs send it)", async () => {
    const live = { ...held, ...queueOf('IM1', ['IM3']) };
    const { state, items, calls } = syncHolding({ [shard]: { CH1: live } });
    await expect(state.openResendQueue('CH1', 'S1', 'IM2', UNTIL + 5000, 1000)).resolves.toBe(false);
    expect(calls.filter((c) => c.startsWith('UPDATE'))).toEqual([]);
    await expect(state.openResendQueue('CH1', 'S1', 'IM5', UNTIL + 90_000, UNTIL)).resolves.toBe(true);
    expect(items[shard].CH1).toEqual({ ...held, ...queueOf('IM5', [], UNTIL + 90_000) });
  });

  it("an overdue queue's watchdog takes it only while it is still overdue", async () => {
    const queued = { ...held, ...queueOf('IM1', ['IM2']) };
    const { state, calls } = syncHolding({ [shard]: { CH1: queued } });
    // Its resend, refused again, made it live once more.
    await expect(state.takeResendQueue('CH1', 'S1', undefined, 'IM1', UNTIL - 1)).resolves.toEqual([]);
    expect(calls.filter((c) => c.startsWith('UPDATE'))).toEqual([]);
    await expect(state.takeResendQueue('CH1', 'S1', undefined, 'IM1', UNTIL)).resolves.toEqual(['IM2']);
  });

  it('queues nothing behind an overdue resend', async () => {
    const overdue = { ...held, ...queueOf('IM1', ['IM2']) };
    const { state, calls } = syncHolding({ [shard]: { CH1: overdue } });
    await expect(state.queueBehindResend('CH1', 'IM3', UNTIL)).resolves.toMatchObject({ record: overdue });
    expect(calls.filter((c) => c.startsWith('UPDATE'))).toEqual([]);
  });

  it("queues nothing behind another session's resend, or once the AI left the conversation", async () => {
    const earlier = { ...held, ...queueOf('IM0', ['IM1'], UNTIL, 'S0') };
    const { state, calls } = syncHolding({ [shard]: { CH1: earlier } });
    await expect(state.queueBehindResend('CH1', 'IM2', 1000)).resolves.toMatchObject({ record: earlier });
    await expect(state.takeResendQueue('CH1', 'S1')).resolves.toEqual([]);
    const handedOff = { ...held, phase: 'handoff' as const };
    const other = syncHolding({ [shard]: { CH1: handedOff } });
    await expect(other.state.openResendQueue('CH1', 'S1', 'IM1', UNTIL, 1000)).resolves.toBe(false);
    expect([...calls, ...other.calls].filter((c) => c.startsWith('UPDATE'))).toEqual([]);
  });

  it('a take whose answer was lost still hands over what it took', async () => {
    let stored: ConversationRecord = { ...held, ...queueOf('IM1', ['IM2']) };
    let lost = 1;
    const gateway = {
      fetchMapItem: async () => ({ data: stored, revision: '1' }),
      updateMapItem: async (_s: string, _m: string, _k: string, data: ConversationRecord) => {
        stored = data;
        return lost-- > 0 ? undefined : '2';
      },
    } as unknown as SyncApi;
    await expect(new BridgeState(gateway, 'IS_SYNC').takeResendQueue('CH1', 'S1')).resolves.toEqual(['IM2']);
    expect(stored).toEqual(held);
  });
});

describe('forgetIf (the end of a task clears the record it was decided on)', () => {
  const record = aiHeld;
  const shard = locationOf(CONVERSATION_MAPS, 'CH1');
  const sameTask = (r: ConversationRecord) => r.taskSid === 'WT1';

  it('deletes the revision it read, in one call', async () => {
    const { state, items, calls } = syncHolding({ [shard]: { CH1: record } });
    await expect(state.forgetIf('CH1', sameTask, { record, revision: '3' })).resolves.toEqual({
      gone: true,
      deleted: record,
    });
    expect(items[shard].CH1).toBeUndefined();
    expect(calls).toEqual([`DELETE ${shard}/CH1`]);
  });

  it('keeps a record another event gave a new task since it was read', async () => {
    const { state, items } = syncHolding({ [shard]: { CH1: record } });
    await state.update('CH1', (r) => ({ ...r, taskSid: 'WT2' }));
    await expect(state.forgetIf('CH1', sameTask, { record, revision: '3' })).resolves.toEqual({ gone: false });
    expect(items[shard].CH1).toMatchObject({ taskSid: 'WT2' });
  });

  it('reads again after a change that kept the task, and deletes, telling what it deleted', async () => {
    const { state, items } = syncHolding({ [shard]: { CH1: record } });
    await state.update('CH1', (r) => ({ ...r, pendingMessages: ['IM1'] }));
    await expect(state.forgetIf('CH1', sameTask, { record, revision: '3' })).resolves.toEqual({
      gone: true,
      deleted: { ...record, pendingMessages: ['IM1'] },
    });
    expect(items[shard].CH1).toBeUndefined();
  });

  it('a record already gone counts as forgotten', async () => {
    await expect(syncHolding({}).state.forgetIf('CH1', sameTask)).resolves.toEqual({ gone: true });
  });
});

describe('recordConfig', () => {
  const record = aiHeld;
  const config = { ...parseConfig({ ...saved, opencxWebhookSecret: 'whsec', configVersion: 'v2' })! };

  it('puts the settings without the webhook secret on the record, and returns its new revision', async () => {
    const { state, items } = syncHolding({ [locationOf(CONVERSATION_MAPS, 'CH1')]: { CH1: record } });
    const known = await state.recordConfig('CH1', config, { record, revision: '3' });
    expect(known).toEqual({
      record: { ...record, config: expect.objectContaining({ configVersion: 'v2', opencxToken: 'ocx_live_x' }) },
      revision: '4',
    });
    expect(JSON.stringify(items)).not.toContain('whsec');
  });

  it('is best effort: a failed write leaves the record as read, its revision unknown', async () => {
    const sync = {
      updateMapItem: async () => {
        throw Object.assign(new Error('Too many requests'), { status: 429 });
      },
    } as unknown as SyncApi;
    const known = await new BridgeState(sync, 'IS_SYNC').recordConfig('CH1', config, { record, revision: '3' });
    expect(known).toEqual({ record, revision: '' });
  });
});

/**
 * A Sync whose create answers `created`; the stored item is what the
 * create sent (our own lost write) unless `stored` says otherwise.
 */
function stateAfterCreate(created: CreatedMapItem, stored?: { data: unknown }) {
  let sent: unknown;
  const sync = {
    createMapItem: async (_service: string, _map: string, _key: string, data: unknown) => {
      sent = data;
      return created;
    },
    fetchMapItem: async (_service: string, map: string) =>
      map === 'opencx_conversations' ? undefined : { data: stored ? stored.data : sent, revision: '7' },
    updateMapItem: async () => false,
  } as unknown as SyncApi;
  return new BridgeState(sync, 'IS_SYNC');
}

describe('a create whose answer may have been lost', () => {
  const record: ConversationRecord = {
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    reservationSid: 'WR1',
    phase: 'ai',
    claimedAt: Date.now(),
  };
  const lost = { created: false, retried: true };

  it('claims the conversation when the stored record is the one this call sent', async () => {
    await expect(stateAfterCreate(lost).claim('CH1', record)).resolves.toEqual({ claimed: true });
  });

  it('claims it when a relay parked a message on it since: the claim is this call’s, the message too', async () => {
    const parked = { ...record, pendingMessages: ['IM2'] };
    await expect(stateAfterCreate(lost, { data: parked }).claim('CH1', record)).resolves.toEqual({ claimed: true });
  });

  it('does not claim it when the stored record is another Function’s', async () => {
    const theirs = { ...record, reservationSid: 'WR2' };
    await expect(stateAfterCreate(lost, { data: theirs }).claim('CH1', record)).resolves.toEqual({
      claimed: false,
      existing: theirs,
    });
  });

  it('does not claim it on an equal record when no attempt could have written it', async () => {
    await expect(stateAfterCreate({ created: false, retried: false }).claim('CH1', record)).resolves.toEqual({
      claimed: false,
      existing: record,
    });
  });

  it('counts a claim this call wrote as its own, and another call’s (another token) as taken', async () => {
    await expect(stateAfterCreate(lost).claimOnce('k')).resolves.toBe(true);
    await expect(
      stateAfterCreate(lost, { data: { at: '2000-01-01T00:00:00.000Z', by: 'another-call' } }).claimOnce('k'),
    ).resolves.toBe(false);
    await expect(stateAfterCreate({ created: false, retried: false }).claimOnce('k')).resolves.toBe(false);
    await expect(stateAfterCreate({ created: true, retried: true }).claimOnce('k')).resolves.toBe(true);
  });
});

describe('BridgeState.takeOverStaleClaim', () => {
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  /** `landed`: a 412 answers a write that did land (its first answer lost): the item is then ours. */
  function stateWithClaim(
    claim: { data: object; revision: string } | undefined,
    update: unknown = '2',
    landed = false,
  ) {
    const updates: { revision: string; data: object }[] = [];
    const creates: string[] = [];
    const gateway = {
      fetchMapItem: async () => (landed && updates.length ? { data: updates[0].data, revision: '8' } : claim),
      updateMapItem: async (_s: string, _m: string, _k: string, data: object, revision: string) => {
        updates.push({ data, revision });
        if (update instanceof Error) throw update;
        return update;
      },
      createMapItem: async (_s: string, _m: string, key: string) => {
        creates.push(key);
        return { created: true, retried: false };
      },
    } as unknown as SyncApi;
    return { state: new BridgeState(gateway, 'IS_SYNC'), updates, creates };
  }

  it('leaves a claim younger than the limit to its claimant, writing nothing', async () => {
    const { state, updates } = stateWithClaim({ data: { at: ago(30_000), by: 'them' }, revision: '7' });
    await expect(state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(false);
    expect(updates).toEqual([]);
  });

  it('takes over an older one with If-Match on the revision it read, as a new claim of its own', async () => {
    const { state, updates } = stateWithClaim({ data: { at: ago(61_000), by: 'them' }, revision: '7' });
    await expect(state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(true);
    expect(updates).toEqual([{ revision: '7', data: { at: expect.any(String), by: expect.any(String) } }]);
    expect(updates[0].data).not.toMatchObject({ by: 'them' });
  });

  it('loses to another taker that wrote first (412), and claims afresh a claim gone since', async () => {
    const stale = { data: { at: ago(61_000), by: 'them' }, revision: '7' };
    await expect(stateWithClaim(stale, false).state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(false);
    // Its own write, landed though the answer was lost (the retry met a 412): taken.
    await expect(stateWithClaim(stale, false, true).state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(
      true,
    );
    const gone = Object.assign(new Error('not found'), { status: 404 });
    await expect(stateWithClaim(stale, gone).state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(false);
    const { state, creates } = stateWithClaim(undefined);
    await expect(state.takeOverStaleClaim('invite_k', 60_000, 3600)).resolves.toBe(true);
    expect(creates).toEqual(['invite_k']);
  });
});

const CH = `CH${'1'.repeat(32)}`;
/** One conversation record in Sync, updated only with the revision it has; `lost` writes land, their answer lost. */
function stateHolding(record: ConversationRecord, lost = 0) {
  const stored = { data: record, revision: 1 };
  const gateway = {
    fetchMapItem: async (_service: string, map: string) =>
      map === locationOf(CONVERSATION_MAPS, CH) ? { data: stored.data, revision: String(stored.revision) } : undefined,
    updateMapItem: async (_service: string, _map: string, _key: string, data: ConversationRecord, revision: string) => {
      if (revision !== String(stored.revision)) return undefined;
      Object.assign(stored, { data, revision: stored.revision + 1 });
      return lost-- > 0 ? undefined : String(stored.revision);
    },
  } as unknown as SyncApi;
  return { state: new BridgeState(gateway, 'IS_SYNC'), stored };
}

describe('BridgeState.beginHandback', () => {
  const withHumans: ConversationRecord = { workspaceSid: 'WS1', taskSid: 'WThuman', phase: 'human', claimedAt: 0 };
  const click = (id: string) => ({
    at: '2026-12-02T10:00:00.000Z',
    id,
    agentSid: 'WKalice',
    agentName: 'Alice',
    fromTaskSid: 'WThuman',
    afterIndex: 3,
  });

  it('lets one of two clicks in the same millisecond go ahead, and knows its own write again', async () => {
    const { state } = stateHolding(withHumans);
    await expect(state.beginHandback(CH, click('first'))).resolves.toMatchObject({
      record: { phase: 'handback', handback: { id: 'first' } },
    });
    await expect(state.beginHandback(CH, click('second'))).resolves.toBeUndefined();
    await expect(state.beginHandback(CH, click('first'))).resolves.toMatchObject({ record: { phase: 'handback' } });
  });

  it("stops once a colleague's accept of a transfer holds the conversation on another task", async () => {
    const { state } = stateHolding({ ...withHumans, taskSid: 'WTbob' });
    await expect(state.beginHandback(CH, click('first'))).resolves.toBeUndefined();
    // While the handoff is not recorded as accepted, the agent's task is not the record's yet.
    const { state: handingOff } = stateHolding({ ...withHumans, taskSid: 'WTai', phase: 'handoff' });
    await expect(handingOff.beginHandback(CH, click('first'))).resolves.toMatchObject({
      record: { phase: 'handback' },
    });
  });

  it('knows a record written before handbacks had ids by its time and agent', async () => {
    const { id: _none, ...older } = click('first');
    const { state } = stateHolding({ ...withHumans, phase: 'handback', handback: older });
    await expect(state.beginHandback(CH, older)).resolves.toMatchObject({ record: { phase: 'handback' } });
  });
});

describe('BridgeState.beginHandoff', () => {
  it("records that the handoff's note is claimed once per AI engagement", async () => {
    const { state, stored } = stateHolding({ workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai', claimedAt: 0 });
    const handoff = { reason: 'AI unavailable', at: '2026-12-02T10:02:00.000Z' };
    await expect(state.beginHandoff(CH, handoff)).resolves.toMatchObject({ phase: 'handoff' });
    expect(stored.data.handoff).toEqual({ ...handoff, oncePer: 'engagement' });
  });
});

describe("BridgeState.claimFarewell (the AI's last words of a handoff OpenCX decided)", () => {
  const handingOff: ConversationRecord = {
    workspaceSid: 'WS1',
    taskSid: 'WTai',
    phase: 'handoff',
    claimedAt: 0,
    sessionId: 'S1',
    handoff: { reason: 'AI requested human handoff', at: '2026-12-02T10:00:00.000Z', byAi: true },
  };

  it('records the first answer as the last words, and refuses a second one', async () => {
    const { state, stored } = stateHolding(handingOff);
    await expect(state.claimFarewell(CH, 'S1:m-1')).resolves.toBe(true);
    expect(stored.data.handoff).toMatchObject({ farewell: 'S1:m-1' });
    await expect(state.claimFarewell(CH, 'S1:m-2')).resolves.toBe(false);
    await expect(state.claimFarewell(CH, 'S1:m-1')).resolves.toBe(true);
    expect(stored.data.handoff).toMatchObject({ farewell: 'S1:m-1' });
  });

  it('knows its own write whose answer was lost', async () => {
    const { state } = stateHolding(handingOff, 1);
    await expect(state.claimFarewell(CH, 'S1:m-1')).resolves.toBe(true);
  });

  it.each<[string, ConversationRecord]>([
    ['humans hold it', { ...handingOff, phase: 'human' }],
    ['the bridge handed off for a failure', { ...handingOff, handoff: { ...handingOff.handoff!, byAi: undefined } }],
  ])('refuses when %s', async (_case, record) => {
    const { state, stored } = stateHolding(record);
    await expect(state.claimFarewell(CH, 'S1:m-1')).resolves.toBe(false);
    expect(stored.revision).toBe(1);
  });
});

/** Ann handed the conversation back from WT1; the AI has not taken it yet. */
const ANNS_HANDBACK = {
  at: '2026-12-02T10:00:00.000Z',
  id: 'h1',
  agentSid: 'WKa',
  agentName: 'Ann',
  fromTaskSid: 'WT1',
  afterIndex: 3,
};
const HANDED_BACK: ConversationRecord = {
  workspaceSid: 'WS1',
  taskSid: 'WT1',
  phase: 'handback',
  claimedAt: 0,
  sessionId: 'old-session',
  handback: ANNS_HANDBACK,
};

describe('BridgeState.resumeAi', () => {
  const handback = ANNS_HANDBACK;
  const handedBack = HANDED_BACK;
  const offer = { taskSid: 'WT2', reservationSid: 'WR2', at: handback.at };

  it('moves the record to the offer it resumes on, with when TaskRouter made it', async () => {
    const { state, stored } = stateHolding({ ...handedBack, offeredAt: 1_000 });
    await state.resumeAi(CH, { ...offer, offeredAt: 4_000 }, 5000);
    expect(stored.data).toMatchObject({ phase: 'ai', reservationSid: 'WR2', offeredAt: 4_000 });
  });

  it('knows its own write whose answer was lost, and goes on to start the session', async () => {
    const { state, stored } = stateHolding(handedBack, 1);
    await expect(state.resumeAi(CH, offer, 5000)).resolves.toMatchObject({
      record: { phase: 'ai', taskSid: 'WT2', reservationSid: 'WR2', claimedAt: 5000 },
    });
    expect(stored.data).not.toHaveProperty('sessionId');
  });

  it('leaves a resume another event made to that event', async () => {
    const { state } = stateHolding(handedBack);
    await expect(state.resumeAi(CH, offer, 5000)).resolves.toMatchObject({ record: { phase: 'ai' } });
    await expect(state.resumeAi(CH, offer, 5001)).resolves.toBeUndefined();
  });
});

describe('BridgeState.untakenHandback', () => {
  const handback = ANNS_HANDBACK;
  const handedBack: ConversationRecord = { ...HANDED_BACK, reservationSid: 'WR1', humanWorkerSid: 'WKa' };
  const handoff = { reason: 'AI unavailable', at: '2026-12-02T10:02:00.000Z' };

  it("moves the conversation to humans on the invited task, keeping the human part's session", async () => {
    const { state, stored } = stateHolding(handedBack);
    await state.untakenHandback(CH, handback, 'WT2', handoff);
    expect(stored.data).toEqual({
      workspaceSid: 'WS1',
      taskSid: 'WT2',
      phase: 'handoff',
      claimedAt: 0,
      sessionId: 'old-session',
      handoff: { ...handoff, oncePer: 'engagement' },
      handback: { ...handback, invitedTaskSid: 'WT2' },
    });
  });

  it("moves on the timer of the click that invited again (the record's invitedAt)", async () => {
    const invitedAgain = { ...handback, invitedAt: '2026-12-02T10:01:40.000Z' };
    const { state, stored } = stateHolding({ ...handedBack, handback: invitedAgain });
    await expect(state.untakenHandback(CH, invitedAgain, 'WT2', handoff)).resolves.toBeDefined();
    expect(stored.data).toMatchObject({ phase: 'handoff', taskSid: 'WT2' });
  });

  it('knows its own write whose answer was lost, and not a move another timer made', async () => {
    const { state } = stateHolding(handedBack, 1);
    await expect(state.untakenHandback(CH, handback, 'WT2', handoff)).resolves.toMatchObject({
      record: { phase: 'handoff', taskSid: 'WT2', handoff },
    });
    await expect(
      state.untakenHandback(CH, handback, 'WT2', { ...handoff, at: '2026-12-02T10:02:01.000Z' }),
    ).resolves.toBeUndefined();
  });

  it.each<[string, ConversationRecord]>([
    ['the AI resumed', { ...handedBack, phase: 'ai' }],
    ['another handback began since', { ...handedBack, handback: { ...handback, at: '2026-12-02T10:05:00.000Z' } }],
    [
      'the agent invited again since this timer was armed',
      { ...handedBack, handback: { ...handback, invitedAt: '2026-12-02T10:01:40.000Z' } },
    ],
  ])('changes nothing when %s', async (_case, current) => {
    const { state, stored } = stateHolding(current);
    await expect(state.untakenHandback(CH, handback, 'WT2', handoff)).resolves.toBeUndefined();
    expect(stored.revision).toBe(1);
  });
});

describe('taking over a stale claim', () => {
  const stale: ConversationRecord = { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai', claimedAt: 0 };
  const fresh: ConversationRecord = {
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    reservationSid: 'WR2',
    phase: 'ai',
    claimedAt: 10 * 60_000,
  };

  function staleClaim(answer: 'kept' | 'lost') {
    const stored = { data: stale as ConversationRecord, revision: 1 };
    const sync = {
      createMapItem: async () => ({ created: false, retried: false }),
      fetchMapItem: async (_service: string, map: string) =>
        map === locationOf(CONVERSATION_MAPS, CH)
          ? { data: stored.data, revision: String(stored.revision) }
          : undefined,
      updateMapItem: async (_s: string, _m: string, _k: string, data: ConversationRecord, revision: string) => {
        if (revision !== String(stored.revision)) return undefined;
        Object.assign(stored, { data, revision: stored.revision + 1 });
        return answer === 'kept' ? String(stored.revision) : undefined;
      },
    } as unknown as SyncApi;
    return new BridgeState(sync, 'IS_SYNC');
  }

  it.each(['kept', 'lost'] as const)('claims the conversation when the write lands, its answer %s', async (answer) => {
    await expect(staleClaim(answer).claim(CH, fresh)).resolves.toEqual({ claimed: true, record: fresh });
  });

  it("takes over a fresh claim only for the offer's timer, and only its offer's claim without a session", async () => {
    const failed: ConversationRecord = { ...fresh, claimedAt: fresh.claimedAt - 1000, reservationSid: 'WR1' };
    const claimOf = (existing: ConversationRecord) => {
      const state = staleClaim('kept');
      const sync = (state as unknown as { sync: { fetchMapItem: unknown } }).sync;
      sync.fetchMapItem = async () => ({ data: existing, revision: '1' });
      return state;
    };
    const offer = { reservationSid: 'WR1' };
    await expect(claimOf(failed).claim(CH, fresh)).resolves.toMatchObject({ claimed: false });
    await expect(claimOf(failed).claim(CH, fresh, offer)).resolves.toEqual({ claimed: true, record: fresh });
    await expect(claimOf(failed).claim(CH, fresh, { reservationSid: 'WR9' })).resolves.toMatchObject({
      claimed: false,
    });
    await expect(claimOf({ ...failed, sessionId: 's1' }).claim(CH, fresh, offer)).resolves.toMatchObject({
      claimed: false,
    });
    // Made before the timer was armed: the failed engage's. Made since: another firing's, live.
    const armedAt = failed.claimedAt + 1;
    await expect(claimOf(failed).claim(CH, fresh, { ...offer, claimedBefore: armedAt })).resolves.toEqual({
      claimed: true,
      record: fresh,
    });
    await expect(
      claimOf({ ...failed, claimedAt: armedAt }).claim(CH, fresh, { ...offer, claimedBefore: armedAt }),
    ).resolves.toMatchObject({ claimed: false });
  });

  it('takes over a stale claim only while the AI holds it: not one being handed off, or held by humans', async () => {
    const old = { ...fresh, claimedAt: fresh.claimedAt - 60_000 };
    const claimOf = (existing: ConversationRecord) => {
      const state = staleClaim('kept');
      const sync = (state as unknown as { sync: { fetchMapItem: unknown } }).sync;
      sync.fetchMapItem = async () => ({ data: existing, revision: '1' });
      return state;
    };
    await expect(claimOf(old).claim(CH, fresh)).resolves.toEqual({ claimed: true, record: fresh });
    for (const phase of ['handoff', 'human'] as const)
      await expect(claimOf({ ...old, phase }).claim(CH, fresh)).resolves.toMatchObject({ claimed: false });
  });
});

describe('the retired unsharded map (installs older than the sharded layout)', () => {
  /** A Sync holding `items` by map; counts what is read. */
  function syncHolding(items: Record<string, Record<string, unknown>>, listFails = false) {
    const calls: string[] = [];
    const sync = {
      listMapItems: async (_service: string, map: string) => {
        calls.push(`list ${map}`);
        if (listFails) throw Object.assign(new Error('Service unavailable'), { status: 503 });
        return Object.entries(items[map] ?? {}).map(([key, data]) => ({ key, data }));
      },
      fetchMapItem: async (_service: string, map: string, key: string) => {
        calls.push(`fetch ${map === 'opencx_conversations' ? map : 'current'}`);
        const data = items[map]?.[key];
        return data === undefined ? undefined : { data, revision: '1' };
      },
    } as unknown as SyncApi;
    return { state: new BridgeState(sync, 'IS_SYNC'), calls };
  }
  beforeEach(() => forgetRetiredMaps());

  it('is looked at once when missing (or empty): later misses read only the current map', async () => {
    const { state, calls } = syncHolding({});
    await expect(state.conversation('CH1')).resolves.toBeUndefined();
    await expect(state.conversation('CH2')).resolves.toBeUndefined();
    expect(calls).toEqual(['fetch current', 'list opencx_conversations', 'fetch current']);
  });

  it('is read on every miss while it holds records, and finds them', async () => {
    const old = { phase: 'ai', taskSid: 'WT1' };
    const { state, calls } = syncHolding({ opencx_conversations: { CH1: old } });
    await expect(state.conversation('CH1')).resolves.toEqual({ record: old, revision: '1' });
    await expect(state.conversation('CH2')).resolves.toBeUndefined();
    expect(calls).toEqual([
      'fetch current',
      'list opencx_conversations',
      'fetch opencx_conversations',
      'fetch current',
      'fetch opencx_conversations',
    ]);
  });

  it('is read as before when it cannot be listed', async () => {
    const old = { phase: 'ai', taskSid: 'WT1' };
    const { state } = syncHolding({ opencx_conversations: { CH1: old } }, true);
    await expect(state.conversation('CH1')).resolves.toEqual({ record: old, revision: '1' });
  });
});
