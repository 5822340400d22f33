import type { BridgeDeps } from '../deps';
import { postCustomerNote } from './customer-note';

const occasion = { at: '2026-12-04T10:00:00.000Z', language: 'en', sessionId: 'session-1' };

function deps(claimed: boolean) {
  const claimOnce = jest.fn(async (_key: string, _ttlSeconds?: number) => claimed);
  const release = jest.fn(async () => undefined);
  const postMessage = jest.fn(async () => ({ sid: 'IM9' }));
  const d = {
    config: {
      conversationsServiceSid: 'IS1',
      aiAuthorName: 'AI Support Agent',
      customerHandoffNote: 'Connecting you with a member of our team.',
      customerHandoffNoteTranslations: {},
    },
    twilio: { conversations: { postMessage } },
    state: { claimOnce, release },
    warn: jest.fn(),
  } as unknown as BridgeDeps;
  return { d, claimOnce, release, postMessage };
}

describe('postCustomerNote', () => {
  test('claimed, posted once after what comes before it', async () => {
    const { d, postMessage, release } = deps(true);
    expect(await postCustomerNote('CH1', 'handoff', occasion, d)).toBe('posted');
    expect(postMessage).toHaveBeenCalledTimes(1);
    expect(postMessage.mock.calls[0]).toEqual([
      'IS1',
      'CH1',
      expect.objectContaining({ body: 'Connecting you with a member of our team.', author: 'AI Support Agent' }),
    ]);
    expect(release).not.toHaveBeenCalled();
  });

  test('claimed elsewhere: not posted here', async () => {
    const { d, postMessage } = deps(false);
    expect(await postCustomerNote('CH1', 'handoff', occasion, d)).toBe('already');
    expect(postMessage).not.toHaveBeenCalled();
  });

  test('the AI reply it must follow failed: not posted, and its claim given back for the next attempt', async () => {
    const { d, postMessage, claimOnce, release } = deps(true);
    const failedReply = Promise.reject(new Error('Sync 503'));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d, failedReply)).toBe('failed');
    expect(postMessage).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledWith(claimOnce.mock.calls[0][0]);
  });
});
