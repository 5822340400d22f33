import type { CreatedMapItem, SyncApi } from '../common/twilio';
import type { ConversationRecord } from './conversation-record';
import { BridgeState, CONFIG_CACHE_MS, forgetCachedConfig } from './state';

const saved = { opencxToken: 'ocx_live_x', workspaceSid: 'WS1', aiWorkerSid: 'WK1', conversationsServiceSid: 'IS1', aiAuthorName: 'AI' };

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

  it('reads afresh when the caller allows no age (the admin Functions)', async () => {
    const { state, reads } = stateWith(saved);
    await state.loadConfig({ now: 1000 });
    await state.loadConfig({ now: 1001, maxAgeMs: 0 });
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

/** A Sync whose create answers `created`; the stored item is what the create sent (our own lost write) unless `stored` says otherwise. */
function stateAfterCreate(created: CreatedMapItem, stored?: { data: unknown }) {
  let sent: unknown;
  const sync = {
    createMapItem: async (_service: string, _map: string, _key: string, data: unknown) => {
      sent = data;
      return created;
    },
    fetchMapItem: async () => ({ data: stored ? stored.data : sent, revision: '7' }),
    updateMapItem: async () => false,
  } as unknown as SyncApi;
  return new BridgeState(sync, 'IS_SYNC');
}

describe('a create whose answer may have been lost', () => {
  const record: ConversationRecord = { workspaceSid: 'WS1', taskSid: 'WT1', reservationSid: 'WR1', phase: 'ai', claimedAt: Date.now() };
  const lost = { created: false, retried: true };

  it('claims the conversation when the stored record is the one this call sent', async () => {
    await expect(stateAfterCreate(lost).claim('CH1', record)).resolves.toEqual({ claimed: true });
  });

  it('does not claim it when the stored record is another Function’s', async () => {
    const theirs = { ...record, reservationSid: 'WR2' };
    await expect(stateAfterCreate(lost, { data: theirs }).claim('CH1', record)).resolves.toEqual({ claimed: false, existing: theirs });
  });

  it('does not claim it on an equal record when no attempt could have written it', async () => {
    await expect(stateAfterCreate({ created: false, retried: false }).claim('CH1', record)).resolves.toEqual({ claimed: false, existing: record });
  });

  it('counts a dedup key this call wrote as a first sighting, and another call’s as a repeat', async () => {
    await expect(stateAfterCreate(lost).firstSighting('k')).resolves.toBe(true);
    await expect(stateAfterCreate(lost, { data: { seenAt: '2000-01-01T00:00:00.000Z' } }).firstSighting('k')).resolves.toBe(false);
    await expect(stateAfterCreate({ created: false, retried: false }).firstSighting('k')).resolves.toBe(false);
    await expect(stateAfterCreate({ created: true, retried: true }).firstSighting('k')).resolves.toBe(true);
  });
});
