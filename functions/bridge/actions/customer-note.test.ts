import type { BridgeDeps } from '../deps';
import { Deadline } from '../../common/retry';
import { DeadlineExceededError } from '../../common/twilio';
import { noteKey } from '../customer-note';
import { postCustomerNote } from './customer-note';

const occasion = { id: 'WT1_1796378400000', language: 'en', sessionId: 'session-1' };

function deps(claimed: boolean, inConversation: Record<string, unknown>[] = []) {
  const claimOnce = jest.fn(async (_key: string, _ttlSeconds?: number) => claimed);
  const release = jest.fn(async (_key: string) => undefined);
  // What the handler's spent deadline no longer does, a last step does on a budget of its own.
  const spentRelease = jest.fn(async (_key: string) => {
    throw new Error('the deadline ran out');
  });
  const postMessage = jest.fn(async (..._args: unknown[]) => ({ sid: 'IM9' }));
  const listMessages = jest.fn(async () => inConversation.map((attributes) => ({ attributes })));
  const takeOverStaleClaim = jest.fn(async (_key: string, _staleMs: number, _ttlSeconds: number) => false);
  const d = {
    config: {
      conversationsServiceSid: 'IS1',
      aiAuthorName: 'AI Support Agent',
      customerHandoffNote: 'Connecting you with a member of our team.',
      customerHandoffNoteTranslations: {},
    },
    twilio: { conversations: { postMessage, listMessages } },
    state: { claimOnce, release: spentRelease, takeOverStaleClaim },
    lastStepState: () => ({ release }),
    deadline: new Deadline(60_000),
    warn: jest.fn(),
  } as unknown as BridgeDeps;
  return { d, claimOnce, release, postMessage, listMessages, takeOverStaleClaim };
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
    const { d, postMessage, takeOverStaleClaim } = deps(false);
    expect(await postCustomerNote('CH1', 'handoff', occasion, d)).toBe('already');
    expect(postMessage).not.toHaveBeenCalled();
    expect(takeOverStaleClaim).not.toHaveBeenCalled();
  });

  test('a claim that may be left behind, still fresh: not taken over, not posted', async () => {
    const { d, postMessage, listMessages, takeOverStaleClaim } = deps(false);
    expect(await postCustomerNote('CH1', 'handoff', occasion, d, undefined, 0, true)).toBe('already');
    expect(takeOverStaleClaim).toHaveBeenCalledWith(noteKey('handoff', 'CH1', occasion.id), 15_000, expect.any(Number));
    expect(listMessages).not.toHaveBeenCalled();
    expect(postMessage).not.toHaveBeenCalled();
  });

  test('a claim left behind is taken over: the note is looked for, and posted only when absent', async () => {
    const key = noteKey('handoff', 'CH1', occasion.id);
    const found = deps(false, [{ opencx: { role: 'handoff-note', key } }]);
    found.takeOverStaleClaim.mockResolvedValueOnce(true);
    expect(await postCustomerNote('CH1', 'handoff', occasion, found.d, undefined, 0, true)).toBe('posted');
    expect(found.postMessage).not.toHaveBeenCalled();

    const absent = deps(false);
    absent.takeOverStaleClaim.mockResolvedValueOnce(true);
    expect(await postCustomerNote('CH1', 'handoff', occasion, absent.d, undefined, 0, true)).toBe('posted');
    expect(absent.listMessages).toHaveBeenCalledTimes(1);
    expect(absent.postMessage).toHaveBeenCalledTimes(1);
  });

  test('a claim that may be left behind and cannot be read: failed, for the next attempt', async () => {
    const { d, postMessage, takeOverStaleClaim } = deps(false);
    takeOverStaleClaim.mockRejectedValueOnce(new Error('Sync 503'));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d, undefined, 0, true)).toBe('failed');
    expect(postMessage).not.toHaveBeenCalled();
  });

  test('the AI reply it must follow failed: not posted, and its claim given back for the next attempt', async () => {
    const { d, postMessage, claimOnce, release } = deps(true);
    const failedReply = Promise.reject(new Error('Sync 503'));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d, failedReply)).toBe('failed');
    expect(postMessage).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledWith(claimOnce.mock.calls[0][0]);
  });

  const twilioError = (status: number) => Object.assign(new Error(`Twilio ${status}`), { status });

  test('a post the spent deadline kept from starting gives its claim back on a budget of its own', async () => {
    const { d, postMessage, claimOnce, release } = deps(true);
    postMessage.mockRejectedValueOnce(new DeadlineExceededError('POST Messages'));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d)).toBe('failed');
    expect(release).toHaveBeenCalledWith(claimOnce.mock.calls[0][0]);
  });

  test('a post that may have landed keeps its claim: unsure', async () => {
    const { d, postMessage, listMessages, release } = deps(true);
    postMessage.mockRejectedValueOnce(twilioError(503));
    listMessages.mockRejectedValueOnce(twilioError(400));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d)).toBe('unsure');
    expect(postMessage).toHaveBeenCalledTimes(1);
    expect(release).not.toHaveBeenCalled();
  });

  test('a later attempt claims afresh and looks first: an earlier post found is not posted again', async () => {
    const key = noteKey('handoff', 'CH1', occasion.id);
    const found = deps(true, [{ opencx: { role: 'handoff-note', key } }]);
    expect(await postCustomerNote('CH1', 'handoff', occasion, found.d, undefined, 1)).toBe('posted');
    expect(found.claimOnce.mock.calls[0][0]).toBe(`${key}~1`);
    expect(found.postMessage).not.toHaveBeenCalled();

    const absent = deps(true, [{ opencx: { role: 'ai', key: 'answer-1' } }]);
    expect(await postCustomerNote('CH1', 'handoff', occasion, absent.d, undefined, 2)).toBe('posted');
    expect(absent.claimOnce.mock.calls[0][0]).toBe(`${key}~2`);
    expect(absent.postMessage).toHaveBeenCalledTimes(1);
    expect(absent.postMessage.mock.calls[0][2]).toMatchObject({ attributes: { opencx: { key } } });
  });

  test('a later attempt that cannot look gives its claim back and posts nothing', async () => {
    const { d, postMessage, listMessages, release, claimOnce } = deps(true);
    listMessages.mockRejectedValueOnce(twilioError(400));
    expect(await postCustomerNote('CH1', 'handoff', occasion, d, undefined, 1)).toBe('failed');
    expect(postMessage).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledWith(claimOnce.mock.calls[0][0]);
  });
});
