import type { TwilioGateway } from '../common/twilio-client';
import { BridgeState, CONFIG_CACHE_MS, forgetCachedConfig } from './state';

const saved = { opencxToken: 'ocx_live_x', workspaceSid: 'WS1', aiWorkerSid: 'WK1', conversationsServiceSid: 'IS1', aiAuthorName: 'AI' };

function stateWith(document: unknown, serviceSid = 'IS_SYNC') {
  const reads: string[] = [];
  const gateway = {
    fetchDocument: async (service: string, name: string) => {
      reads.push(`${service}/${name}`);
      return document;
    },
  } as unknown as TwilioGateway;
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
