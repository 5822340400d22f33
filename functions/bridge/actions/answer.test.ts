import type { ConversationMessage } from '../../common/twilio';
import type { WatchedSend } from '../decide';
import { answeredAfter, lastWordsAfter, rearmBudgetMs, unansweredBefore } from './answer';

const msg = (sid: string, role?: string): ConversationMessage => ({
  sid,
  author: role ? 'AI Support Agent' : 'customer',
  body: sid,
  attributes: role ? { opencx: { role } } : {},
  sentAt: 0,
  index: 0,
  hasMedia: false,
});

describe('answeredAfter (the watchdog: did the AI answer the message it owes?)', () => {
  test('an AI answer after the message counts', () => {
    expect(answeredAfter([msg('IM3', 'ai'), msg('IM2'), msg('IM1', 'ai')], 'IM2')).toBe(true);
  });

  test('an AI answer only before the message does not; nor does the handoff note', () => {
    expect(answeredAfter([msg('IM3'), msg('IM2'), msg('IM1', 'ai')], 'IM2')).toBe(false);
    expect(answeredAfter([msg('IM4', 'handoff-note'), msg('IM2')], 'IM2')).toBe(false);
  });

  test('the first parts of a reply whose last part never came do not count; its last part does', () => {
    const part = (sid: string, n: number, parts = 3) => ({
      ...msg(sid, 'ai'),
      attributes: { opencx: { role: 'ai', key: `ans_s1_m1#${n}`, parts } },
    });
    expect(answeredAfter([part('IM4', 2), part('IM3', 1), msg('IM2')], 'IM2')).toBe(false);
    expect(answeredAfter([part('IM5', 3), part('IM4', 2), part('IM3', 1), msg('IM2')], 'IM2')).toBe(true);
    // A reply in one message, or one posted before parts were counted, is whole.
    expect(answeredAfter([msg('IM3', 'ai'), msg('IM2')], 'IM2')).toBe(true);
  });

  test('a message scrolled out of the page: any AI answer on the page counts', () => {
    expect(answeredAfter([msg('IM9'), msg('IM8', 'ai')], 'IM2')).toBe(true);
    expect(answeredAfter([msg('IM9'), msg('IM8')], 'IM2')).toBe(false);
  });
});

describe('unansweredBefore (the watchdog: did the customer write it while an earlier message waited?)', () => {
  const customer = (m: ConversationMessage) => m.author === 'customer';
  const sids = (messages: ConversationMessage[]) => messages.map((m) => m.sid);

  test("the customer's messages since the AI's last whole answer before it, oldest first", () => {
    const page = [msg('IM6', 'ai'), msg('IM5'), msg('IM4', 'handoff-note'), msg('IM3'), msg('IM2', 'ai'), msg('IM1')];
    expect(sids(unansweredBefore(page, 'IM5', customer))).toEqual(['IM3']);
    expect(sids(unansweredBefore([msg('IM3'), msg('IM2'), msg('IM1')], 'IM3', customer))).toEqual(['IM1', 'IM2']);
  });

  test('none after an answer, for a message not on the page, or for blank messages (a photo alone)', () => {
    expect(unansweredBefore([msg('IM3'), msg('IM2', 'ai'), msg('IM1')], 'IM3', customer)).toEqual([]);
    expect(unansweredBefore([msg('IM3'), msg('IM2')], 'IM9', customer)).toEqual([]);
    expect(unansweredBefore([msg('IM3'), { ...msg('IM2'), body: ' ', hasMedia: true }], 'IM3', customer)).toEqual([]);
  });

  test('the first parts of a reply whose last part never came are not an answer', () => {
    const part = { ...msg('IM2', 'ai'), attributes: { opencx: { role: 'ai', key: 'ans_s1_m1#1', parts: 2 } } };
    expect(sids(unansweredBefore([msg('IM3'), part, msg('IM1')], 'IM3', customer))).toEqual(['IM1']);
  });
});

describe("lastWordsAfter (the watchdog: was the AI's answer its goodbye at a handoff?)", () => {
  const goodbye = (sid: string, sessionId: string) => ({
    ...msg(sid, 'ai'),
    attributes: { opencx: { role: 'ai', key: `ans_${sessionId}_m1`, sessionId, lastWords: true } },
  });

  test("this session's last words after the message count; an answer or another session's goodbye does not", () => {
    expect(lastWordsAfter([goodbye('IM3', 's2'), msg('IM2')], 'IM2', 's2')).toBe(true);
    expect(lastWordsAfter([msg('IM3', 'ai'), msg('IM2')], 'IM2', 's2')).toBe(false);
    // Before a hand-back: the session the AI resumed in has not said goodbye.
    expect(lastWordsAfter([goodbye('IM3', 's1'), msg('IM2')], 'IM2', 's2')).toBe(false);
    expect(lastWordsAfter([msg('IM3'), msg('IM2'), goodbye('IM1', 's2')], 'IM2', 's2')).toBe(false);
  });
});

/** The handoff the watchdog began: its reason and summary. */
const handedOffFor = (beginHandoff: jest.Mock) => {
  const pending = beginHandoff.mock.calls[0]?.[1] as { reason?: string; summary?: string } | undefined;
  return pending && `${pending.reason}: ${pending.summary}`;
};

describe('askAi', () => {
  const { askAi } = jest.requireActual('./answer') as typeof import('./answer');
  const { OpenCxError } = jest.requireActual(
    '../../common/opencx-client',
  ) as typeof import('../../common/opencx-client');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');

  function depsWith(send: (token: string) => Promise<unknown>, reloaded?: string) {
    const client = (token: string): unknown => ({
      sendContactMessage: () => send(token),
      withToken: (next: string) => client(next),
    });
    return {
      config: { opencxToken: 'old-key' },
      opencx: client('old-key'),
      deadline: new Deadline(4000),
      maxAnswerWaitMs: 3000,
      afterAnswerReserveMs: 1000,
      reloadConfig: async () => (reloaded ? { opencxToken: reloaded } : { opencxToken: 'old-key' }),
    } as never;
  }
  const answered = { reply: 'Hi', handedOff: false, failed: false };

  test('a key OpenCX refuses is re-read once: a rotated key answers without a handoff', async () => {
    const tokens: string[] = [];
    const deps = depsWith(async (token) => {
      tokens.push(token);
      if (token === 'old-key') throw new OpenCxError('401', 401);
      return answered;
    }, 'new-key');
    await expect(askAi('s1', 'hello', deps)).resolves.toMatchObject({
      kind: 'answered',
      next: { next: 'reply', reply: 'Hi' },
    });
    expect(tokens).toEqual(['old-key', 'new-key']);
  });

  test('the same key refused again is a refusal (humans), not a loop', async () => {
    const deps = depsWith(async () => {
      throw new OpenCxError('401', 401);
    });
    await expect(askAi('s1', 'hello', deps)).resolves.toMatchObject({ kind: 'refused' });
  });

  test("a 429 on every key is rate-limited, with OpenCX's wait, never a refusal", async () => {
    await expect(
      askAi(
        's1',
        'hi',
        depsWith(async () => Promise.reject(new OpenCxError('429', 429, 42_000))),
      ),
    ).resolves.toMatchObject({ kind: 'rate-limited', retryAfterMs: 42_000 });
  });

  test('no time left to send (slow work before it): sent again shortly, not refused, OpenCX not asked', async () => {
    const send = jest.fn(async () => answered);
    const deps = { ...(depsWith(send) as object), deadline: new Deadline(900) } as never;
    await expect(askAi('s1', 'Hi', deps)).resolves.toMatchObject({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(send).not.toHaveBeenCalled();
  });

  test('a timeout is pending (the answer may come by webhook); a 503 is refused', async () => {
    await expect(
      askAi(
        's1',
        'hi',
        depsWith(async () => Promise.reject(new OpenCxError('timed out', undefined))),
      ),
    ).resolves.toMatchObject({ kind: 'pending', stillWorking: false });
    await expect(
      askAi(
        's1',
        'hi',
        depsWith(async () => Promise.reject(new OpenCxError('timed out', undefined, undefined, false, true))),
      ),
    ).resolves.toMatchObject({ kind: 'pending', answered: false, stillWorking: true });
    await expect(
      askAi(
        's1',
        'hi',
        depsWith(async () => Promise.reject(new OpenCxError('503', 503))),
      ),
    ).resolves.toMatchObject({ kind: 'refused' });
  });
});

describe('postClaimedAnswer with a recheck (the fast path: OpenCX took seconds to answer)', () => {
  const { postClaimedAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const { answerKey } = jest.requireActual('../dedup') as typeof import('../dedup');

  function depsWith(read: () => Promise<unknown>, history?: () => Promise<unknown>, deadline = new Deadline(4000)) {
    const posted: string[] = [];
    const claims: string[] = [];
    const lastWords: string[] = [];
    const released: string[] = [];
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI Support Agent' },
      deadline,
      lastStepState: () => ({ release: async (key: string) => released.push(key) }),
      afterAnswerReserveMs: 1300,
      opencx: { historyOf: history ?? (async () => undefined) },
      warn: () => undefined,
      state: {
        claimOnce: async (key: string) => {
          claims.push(key);
          return true;
        },
        conversation: read,
        claimFarewell: async (_conversationSid: string, key: string) => lastWords.push(key) > 0,
      },
      twilio: {
        conversations: { postMessage: async (_is: string, _ch: string, m: { body: string }) => posted.push(m.body) },
      },
    } as never;
    return { deps, posted, claims, lastWords, released };
  }
  const record =
    (phase: string, sessionId = 's1') =>
    async () => ({ record: { phase, sessionId }, revision: '2' });
  const answer = { answerId: 'm1', text: 'Your parcel left the depot' };

  test('posts while the AI still holds the conversation in the same session', async () => {
    const { deps, posted } = depsWith(record('ai'));
    await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('posted');
    expect(posted).toEqual(['Your parcel left the depot']);
  });

  test.each([
    ['handed off', record('handoff')],
    ['with a human', record('human')],
    ['in a later session (handed back and engaged again)', record('ai', 's2')],
    ['ended (the record is gone)', async () => undefined],
  ])('does not post once the conversation is %s, and keeps the claim', async (_case, read) => {
    const { deps, posted, claims } = depsWith(read);
    await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('late');
    expect(posted).toEqual([]);
    expect(claims).toHaveLength(1);
  });

  const handingOffWith = (farewell?: string) => async () => ({
    record: { phase: 'handoff', sessionId: 's1', handoff: { reason: 'x', ...(farewell && { farewell }) } },
    revision: '2',
  });

  test("a handoff's last words go while it is being handed off, not once humans hold it", async () => {
    const handingOff = depsWith(handingOffWith(answerKey('s1', answer)));
    await expect(postClaimedAnswer('CH1', 's1', answer, handingOff.deps, { recheck: 'ai-or-handoff' })).resolves.toBe(
      'posted',
    );
    for (const read of [record('human'), record('handoff', 's2'), async () => undefined]) {
      const { deps, posted } = depsWith(read);
      await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai-or-handoff' })).resolves.toBe('late');
      expect(posted).toEqual([]);
    }
  });

  test('words carrying a handoff stay out once another handoff, without last words, holds it', async () => {
    // An attachment's or a watchdog's handoff moved the phase while OpenCX made these words.
    const { deps, posted, claims, released } = depsWith(handingOffWith());
    await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai-or-handoff' })).resolves.toBe('late');
    expect(posted).toEqual([]);
    // Kept: OpenCX's webhook of the same answer finds it claimed and posts nothing either.
    expect(claims).toHaveLength(1);
    expect(released).toEqual([]);
  });

  test("after OpenCX's own handoff event an answer goes as its last words, unless others are recorded", async () => {
    const byAi = (farewell?: string) => async () => ({
      record: { phase: 'handoff', sessionId: 's1', handoff: { byAi: true, ...(farewell && { farewell }) } },
      revision: '2',
    });
    const first = depsWith(byAi());
    await expect(postClaimedAnswer('CH1', 's1', answer, first.deps, { recheck: 'ai' })).resolves.toBe('posted');
    expect(first.posted).toEqual(['Your parcel left the depot']);
    expect(first.lastWords).toEqual(first.claims);

    const recorded = depsWith(byAi('another-answer'));
    await expect(postClaimedAnswer('CH1', 's1', answer, recorded.deps, { recheck: 'ai' })).resolves.toBe('late');
    expect(recorded.posted).toEqual([]);
  });

  describe("with OpenCX's time of its handoff", () => {
    const handedOff = async () => ({
      record: { phase: 'handoff', sessionId: 's1', handoff: { byAi: true, aiAt: '2026-03-01T10:00:05.000Z' } },
      revision: '2',
    });
    const item = (id: string, createdAt: string, type = 'ai') => ({
      id,
      created_at: createdAt,
      event: { type: 'message', sender: { type }, content: { text: `${id} text` } },
    });
    const made = (at: string) => async () => [item('c1', '2026-03-01T10:00:00.000Z', 'contact'), item('m1', at)];

    test('an answer OpenCX made after it (to an earlier message) is withheld, the last words left free', async () => {
      const { deps, posted, lastWords, released } = depsWith(handedOff, made('2026-03-01T10:00:20.000Z'));
      await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('late');
      expect(posted).toEqual([]);
      expect(lastWords).toEqual([]);
      // Proved late: its claim stays, and OpenCX's webhook of it finds it claimed.
      expect(released).toEqual([]);
    });

    test('one OpenCX made by then goes as its last words', async () => {
      const { deps, posted, lastWords, claims } = depsWith(handedOff, made('2026-03-01T10:00:05.000Z'));
      await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('posted');
      expect(posted).toEqual(['Your parcel left the depot']);
      expect(lastWords).toEqual(claims);
    });

    test.each([
      ['the history cannot be read', () => Promise.reject(new Error('503')), new Deadline(4000)],
      ['there is no time left to read it', made('2026-03-01T10:00:05.000Z'), new Deadline(1000)],
    ])('an answer that did not carry the handoff is withheld when %s', async (_case, history, deadline) => {
      const { deps, posted, lastWords, claims, released } = depsWith(handedOff, history, deadline);
      await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('late');
      expect(posted).toEqual([]);
      expect(lastWords).toEqual([]);
      // Undecided: its claim is given back, for OpenCX's webhook of it to decide with time of its own.
      expect(released).toEqual(claims);
    });

    test('the answer that carried the handoff is its last words without a look', async () => {
      const history = jest.fn(made('2026-03-01T10:00:20.000Z'));
      const { deps, posted } = depsWith(handedOff, history);
      const options = { recheck: 'ai-or-handoff' as const, lastWords: true };
      await expect(postClaimedAnswer('CH1', 's1', answer, deps, options)).resolves.toBe('posted');
      expect(posted).toEqual(['Your parcel left the depot']);
      expect(history).not.toHaveBeenCalled();
    });
  });

  test('a record that cannot be read does not hold the answer back', async () => {
    const { deps, posted } = depsWith(() => Promise.reject(new Error('503')));
    await expect(postClaimedAnswer('CH1', 's1', answer, deps, { recheck: 'ai' })).resolves.toBe('posted');
    expect(posted).toHaveLength(1);
  });

  test('without a recheck the record is not read', async () => {
    const read = jest.fn(record('handoff'));
    const { deps, posted } = depsWith(read);
    await expect(postClaimedAnswer('CH1', 's1', answer, deps)).resolves.toBe('posted');
    expect(read).not.toHaveBeenCalled();
    expect(posted).toHaveLength(1);
  });
});

describe('postClaimedAnswer when the post may or may not have landed', () => {
  const { postClaimedAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');

  /** A post that times out after it was sent, on a clock that has `left` ms once it has. */
  function timedOut(left: number, lookup: () => Promise<unknown[]>) {
    const released: string[] = [];
    let now = 0;
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI Support Agent' },
      deadline: new Deadline(1000, () => now),
      warn: () => undefined,
      state: { claimOnce: async () => true, release: async (key: string) => void released.push(key) },
      lastStepState: () => ({ release: async (key: string) => void released.push(key) }),
      twilio: {
        conversations: {
          postMessage: async () => {
            now = 1000 - left;
            throw Object.assign(new Error('timeout of 300ms exceeded'), { code: 'ECONNABORTED' });
          },
          listMessages: lookup,
        },
      },
    } as never;
    return { deps, released };
  }
  const answer = { answerId: 'm1', text: 'Your parcel left the depot' };

  test('no time left to look: the claim is kept (it most likely landed), and it is not posted again', async () => {
    const lookup = jest.fn(async () => []);
    const { deps, released } = timedOut(0, lookup);
    await expect(postClaimedAnswer('CH1', 's1', answer, deps)).resolves.toBe('uncertain');
    expect(released).toEqual([]);
    expect(lookup).not.toHaveBeenCalled();
  });

  test('a look that cannot be made keeps the claim too', async () => {
    const { deps, released } = timedOut(800, () => Promise.reject(new Error('503')));
    await expect(postClaimedAnswer('CH1', 's1', answer, deps)).resolves.toBe('uncertain');
    expect(released).toEqual([]);
  });
});

describe('postClaimedAnswer of a long answer cut short', () => {
  const { postClaimedAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');

  test.each([
    ['certainly not (a 400)', Object.assign(new Error('Invalid body'), { status: 400, code: 21619 })],
    ['maybe (a 503, and no way to look)', Object.assign(new Error('Service Unavailable'), { status: 503 })],
  ])('part 1 is in, part 2 %s: failed, and the claim stays (a retry would post part 1 again)', async (_, refusal) => {
    const released: string[] = [];
    const posted: string[] = [];
    const markers: unknown[] = [];
    const state = {
      claimOnce: async () => true,
      release: async (key: string) => void released.push(key),
      conversation: async () => ({ record: { phase: 'ai', sessionId: 's1' }, revision: '1' }),
    };
    const twilio = {
      conversations: {
        postMessage: async (
          _service: string,
          _conversation: string,
          message: { body: string; attributes: { opencx: unknown } },
        ) => {
          if (posted.length > 0) throw refusal;
          posted.push(message.body);
          markers.push(message.attributes.opencx);
        },
        listMessages: async () => {
          throw Object.assign(new Error('Service Unavailable'), { status: 503 });
        },
      },
    };
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI Support Agent' },
      deadline: new Deadline(5000),
      warn: () => undefined,
      state,
      lastStepState: () => state,
      twilio,
      lastStep: () => twilio,
    } as never;
    const long = `${'The parcel is on its way. '.repeat(70)}It arrives tomorrow.`;

    // Failed, so the customer is handed to humans rather than left with half an answer.
    await expect(postClaimedAnswer('CH1', 's1', { answerId: 'm1', text: long }, deps)).resolves.toBe('failed');
    expect(posted).toHaveLength(1);
    expect(released).toEqual([]);
    // Each part says how many there are: a watchdog finding only the first knows the answer is not whole.
    expect(markers).toEqual([{ role: 'ai', key: expect.stringMatching(/#1$/), sessionId: 's1', parts: 2 }]);
  });
});

describe('postClaimedAnswer of a long answer while the conversation leaves the AI', () => {
  const { postClaimedAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const { answerKey } = jest.requireActual('../dedup') as typeof import('../dedup');

  /** The record reads as `records` say, one after another (the last one from then on). */
  function depsWith(...records: (object | Error | undefined)[]) {
    const posted: string[] = [];
    const released: string[] = [];
    let reads = 0;
    const state = {
      claimOnce: async () => true,
      claimFarewell: async () => true,
      release: async (key: string) => void released.push(key),
      conversation: async () => {
        const record = records[Math.min(reads++, records.length - 1)];
        if (record instanceof Error) throw record;
        return record && { record, revision: String(reads) };
      },
    };
    const twilio = {
      conversations: {
        postMessage: async (_is: string, _ch: string, message: { body: string }) => void posted.push(message.body),
        listMessages: async () => [],
      },
    };
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI Support Agent' },
      deadline: new Deadline(5000),
      afterAnswerReserveMs: 1300,
      warn: () => undefined,
      lastStepState: () => state,
      state,
      twilio,
      lastStep: () => twilio,
    } as never;
    return { deps, posted, released, reads: () => reads };
  }
  const long = { answerId: 'm1', text: `${'The parcel is on its way. '.repeat(70)}It arrives tomorrow.` };
  const key = answerKey('s1', long);
  const ai = { phase: 'ai', sessionId: 's1' };
  const handedOff = (handoff: object = {}) => ({ phase: 'handoff', sessionId: 's1', handoff });

  test('handed off after its first part: the rest is withheld, and its claim kept (OpenCX retries none)', async () => {
    const { deps, posted, released } = depsWith(ai, handedOff());
    await expect(postClaimedAnswer('CH1', 's1', long, deps, { recheck: 'ai' })).resolves.toBe('rest-withheld');
    expect(posted).toHaveLength(1);
    expect(released).toEqual([]);
  });

  test("OpenCX's webhook's answer (no recheck) stops too, once a watchdog or another message handed off", async () => {
    const { deps, posted } = depsWith(handedOff());
    await expect(postClaimedAnswer('CH1', 's1', long, deps, { claimed: true })).resolves.toBe('rest-withheld');
    expect(posted).toHaveLength(1);
  });

  test.each([
    ['the last words its handoff recorded', { recheck: 'ai-or-handoff', lastWords: true }, { farewell: key }],
    ["the last words OpenCX's webhook brings, recorded", { claimed: true }, { byAi: true, farewell: key }],
    ["any answer after OpenCX's own handoff event, none recorded", { recheck: 'ai' }, { byAi: true }],
  ] as const)("a handoff's last words are posted whole: %s", async (_, options, handoff) => {
    const { deps, posted } = depsWith(handedOff(handoff));
    await expect(postClaimedAnswer('CH1', 's1', long, deps, options)).resolves.toBe('posted');
    expect(posted).toHaveLength(2);
  });

  test('words carrying their handoff stop once another handoff, without them, holds the conversation', async () => {
    const { deps, posted } = depsWith(ai, handedOff());
    const options = { recheck: 'ai-or-handoff', lastWords: true } as const;
    await expect(postClaimedAnswer('CH1', 's1', long, deps, options)).resolves.toBe('rest-withheld');
    expect(posted).toHaveLength(1);
  });

  test("another answer's recorded last words keep the rest out", async () => {
    const { deps, posted } = depsWith(ai, handedOff({ byAi: true, farewell: 'ans_s1_m2' }));
    const options = { recheck: 'ai-or-handoff', lastWords: true } as const;
    await expect(postClaimedAnswer('CH1', 's1', long, deps, options)).resolves.toBe('rest-withheld');
    expect(posted).toHaveLength(1);
  });

  test('a record that cannot be read does not hold the rest back', async () => {
    const { deps, posted } = depsWith(ai, new Error('503'));
    await expect(postClaimedAnswer('CH1', 's1', long, deps, { recheck: 'ai' })).resolves.toBe('posted');
    expect(posted).toHaveLength(2);
  });

  test('a reply in one message reads the record no more than before', async () => {
    const short = { answerId: 'm2', text: 'It arrives tomorrow.' };
    const rechecked = depsWith(ai, handedOff());
    await expect(postClaimedAnswer('CH1', 's1', short, rechecked.deps, { recheck: 'ai' })).resolves.toBe('posted');
    expect(rechecked.reads()).toBe(1);
    const delivered = depsWith(handedOff());
    await expect(postClaimedAnswer('CH1', 's1', short, delivered.deps, { claimed: true })).resolves.toBe('posted');
    expect(delivered.reads()).toBe(0);
  });
});

describe('checkAnswered (the watchdog) sending a message OpenCX never took', () => {
  const { checkAnswered } = jest.requireActual('./answer') as typeof import('./answer');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const guarded: ConversationMessage = { ...msg('IM1'), body: 'Where is my order?' };

  /**
   * OpenCX's history lacks the message, an AI answer follows it; Sync claims are kept in memory.
   * `failAnswerClaim`: OpenCX answers the resend, and Sync fails the claim its post needs.
   */
  function deps(failFirstSend = false, failAnswerClaim = false) {
    const claims = new Set<string>();
    const sent: string[] = [];
    const timers: Record<string, unknown>[] = [];
    const historyBudgets: number[] = [];
    const value = {
      config: {
        conversationsServiceSid: 'IS1',
        aiAnswerTimeoutSeconds: 60,
        timerWorkspaceSid: 'WS_TIMERS',
        timerWorkflowSid: 'WW_TIMERS',
      },
      twilio: {
        conversations: { listMessages: async () => [msg('IM2', 'ai'), guarded] },
        taskrouter: {
          createTask: async (_ws: string, task: { attributes: Record<string, unknown> }) => {
            timers.push(task.attributes);
            return 'WT_TIMER';
          },
        },
      },
      opencx: {
        historyHasContactText: async (_session: string, _text: string, deadline: { remaining(): number }) => {
          historyBudgets.push(deadline.remaining());
          return false;
        },
        historyOf: async () => [],
        sendContactMessage: async (_session: string, text: string) => {
          if (failFirstSend && sent.length === 0) {
            sent.push('(refused)');
            throw new Error('refused');
          }
          sent.push(text);
          return { reply: failAnswerClaim ? 'It ships today' : '', handedOff: false, failed: false };
        },
      },
      state: {
        claimOnce: async (key: string) => {
          if (failAnswerClaim && key.startsWith('ans_')) throw new Error('Sync is down');
          return !claims.has(key) && !!claims.add(key);
        },
        conversation: async () => known,
        release: async (key: string) => void claims.delete(key),
        releaseMessage: async () => undefined,
        // Refused, the message goes to humans: here Sync fails that handoff, so the event fails.
        beginHandoff: async () => Promise.reject(new Error('Sync is down')),
      },
      deadline: new Deadline(9000),
      maxAnswerWaitMs: 3000,
      afterAnswerReserveMs: 1000,
      now: () => new Date(0),
      warn: () => undefined,
      reloadConfig: async () => undefined,
    };
    return { deps: value as never, sent, timers, historyBudgets };
  }
  const known = {
    record: { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai', claimedAt: 0, sessionId: 's1' },
    revision: '1',
  } as never;

  test.each([['parked'], ['unparked']] as const)(
    'a message left for the engage (%s) and claimed, not answered yet: the watchdog stands down',
    async (left) => {
      const { deps: value, timers } = deps();
      const d = value as unknown as { twilio: { conversations: object }; state: object };
      d.twilio.conversations = { listMessages: async () => [guarded] };
      d.state = { ...d.state, claimMessage: async () => false };
      await expect(checkAnswered('CH1', known, 'IM1', value, { [left]: true })).resolves.toMatchObject({
        outcome: 'duplicate',
      });
      // Armed again after its own send failed (its claim kept): the answer is awaited, not given up on.
      await expect(checkAnswered('CH1', known, 'IM1', value, { [left]: true }, true)).resolves.toMatchObject({
        outcome: 'awaiting-answer',
      });
      expect(timers).toEqual([expect.objectContaining({ opencxTimer: 'answer', messageSid: 'IM1', resent: true })]);
    },
  );

  describe('a message queued behind a rate-limited resend', () => {
    const second: ConversationMessage = { ...msg('IM3'), index: 3, body: 'To my office, please' };
    const third: ConversationMessage = { ...msg('IM4'), index: 4, body: 'Before 5 pm' };
    const queuedIn = (until: number) =>
      ({
        record: {
          ...(known as { record: object }).record,
          resendQueue: { sessionId: 's1', owner: 'IM1', messageSids: ['IM3', 'IM4'], until },
        },
        revision: '1',
      }) as never;

    const QUEUED = { parked: true, queued: true };

    function queueDeps() {
      const { deps: value, sent, timers } = deps();
      const d = value as unknown as { twilio: { conversations: object }; state: object; now: () => Date };
      d.twilio.conversations = { listMessages: async () => [third, second, guarded] };
      const claimed = new Set<string>();
      const taken: string[] = [];
      d.state = {
        ...d.state,
        claimMessage: async (sid: string) => !claimed.has(sid) && !!claimed.add(sid),
        takeResendQueue: async () => {
          taken.push('taken');
          return taken.length === 1 ? ['IM3', 'IM4'] : [];
        },
      };
      d.now = () => new Date(100_000);
      return { value, sent, timers, taken, claimed };
    }

    test('waits while the resend is not overdue (armed again after a failure), then looks again', async () => {
      const { value, sent, timers, taken } = queueDeps();
      await expect(checkAnswered('CH1', queuedIn(130_000), 'IM4', value, QUEUED)).resolves.toMatchObject({
        outcome: 'deferred',
      });
      expect(sent).toEqual([]);
      expect(taken).toEqual([]);
      expect(timers).toEqual([
        expect.objectContaining({ opencxTimer: 'answer', messageSid: 'IM4', parked: true, queued: true }),
      ]);
    });

    test('once the resend is overdue, sends the whole queue in the order it was written, once', async () => {
      const { value, sent, timers } = queueDeps();
      await checkAnswered('CH1', queuedIn(100_000), 'IM4', value, QUEUED);
      expect(sent).toEqual(['To my office, please\nBefore 5 pm']);
      // The other message's watchdog finds the queue taken and its message claimed: it awaits the
      // answer (its claimer may yet fail) rather than trust it, and sends nothing.
      await expect(checkAnswered('CH1', queuedIn(100_000), 'IM3', value, QUEUED)).resolves.toMatchObject({
        outcome: 'awaiting-answer',
      });
      expect(timers.at(-1)).toEqual(
        expect.objectContaining({ opencxTimer: 'answer', messageSid: 'IM3', resent: true }),
      );
      expect(timers.at(-1)).not.toHaveProperty('sendFailed');
      expect(sent).toHaveLength(1);
    });

    test('a queued message claimed elsewhere is awaited though an AI answer follows it (maybe not its)', async () => {
      const { value, timers, claimed, sent } = queueDeps();
      claimed.add('IM3');
      const d = value as unknown as { twilio: { conversations: object }; state: Record<string, unknown> };
      d.twilio.conversations = { listMessages: async () => [msg('IM5', 'ai'), third, second, guarded] };
      d.state = { ...d.state, takeResendQueue: async () => [] };
      await expect(checkAnswered('CH1', queuedIn(100_000), 'IM3', value, QUEUED)).resolves.toMatchObject({
        outcome: 'awaiting-answer',
      });
      expect(timers).toEqual([expect.objectContaining({ messageSid: 'IM3', resent: true })]);
      // Its claimer sent it: an unreadable history will not make it missing (a handoff after an answer).
      expect(timers[0]).not.toHaveProperty('sendFailed');
      expect(sent).toEqual([]);
    });

    test("one its resend sent, answered: a history OpenCX's rate limit refuses does not hand it off", async () => {
      const { OpenCxError } = jest.requireActual(
        '../../common/opencx-client',
      ) as typeof import('../../common/opencx-client');
      const { value, timers, claimed, sent } = queueDeps();
      claimed.add('IM3');
      const beginHandoff = jest.fn(async () => Promise.reject(new Error('Sync is down')));
      const d = value as unknown as Record<string, Record<string, unknown>>;
      d.twilio.conversations = { listMessages: async () => [msg('IM5', 'ai'), third, second, guarded] };
      d.state = { ...d.state, takeResendQueue: async () => [], beginHandoff };
      d.opencx = {
        ...d.opencx,
        historyHasContactText: async () => Promise.reject(new OpenCxError('429', 429, 30_000)),
        historyOf: async () => Promise.reject(new OpenCxError('429', 429, 30_000)),
      };
      let outcome = await checkAnswered('CH1', queuedIn(100_000), 'IM3', value, QUEUED);
      // Each watchdog it arms fires in turn, with the flags it was armed with.
      const waits = () => outcome.outcome === 'awaiting-answer' || outcome.outcome === 'deferred';
      for (let fired = 0; fired < 3 && waits(); fired++)
        outcome = await checkAnswered('CH1', known, 'IM3', value, timers.at(-1)).catch((error: unknown) => ({
          outcome: `failed: ${String(error)}`,
        }));
      expect(outcome).toMatchObject({ outcome: 'answered-in-time' });
      expect(beginHandoff).not.toHaveBeenCalled();
      expect(sent).toEqual([]);
    });

    test('a queue its resend made live again (refused again) is waited for, not overtaken', async () => {
      const { value, sent, timers } = queueDeps();
      const d = value as unknown as { state: Record<string, unknown> };
      const live = (queuedIn(160_000) as { record: object }).record;
      d.state = { ...d.state, takeResendQueue: async () => [], conversation: async () => ({ record: live }) };
      await expect(checkAnswered('CH1', queuedIn(100_000), 'IM4', value, QUEUED)).resolves.toMatchObject({
        outcome: 'deferred',
      });
      expect(sent).toEqual([]);
      expect(timers).toEqual([expect.objectContaining({ messageSid: 'IM4', parked: true, queued: true })]);
    });

    test('a queue it cannot take fails the watchdog (its timer armed again), never a silent stand-down', async () => {
      const { value, sent } = queueDeps();
      const d = value as unknown as { state: Record<string, unknown> };
      d.state = { ...d.state, takeResendQueue: async () => Promise.reject(new Error('Sync 503')) };
      await expect(checkAnswered('CH1', queuedIn(100_000), 'IM4', value, QUEUED)).rejects.toThrow('Sync 503');
      expect(sent).toEqual([]);
    });
  });

  test('a history too long to read counts as missing only a send that may have failed', async () => {
    const { deps: value, sent } = deps();
    const d = value as unknown as { opencx: Record<string, unknown>; state: Record<string, unknown> };
    d.opencx = { ...d.opencx, historyHasContactText: async () => undefined };
    const beginHandoff = jest.fn(async () => Promise.reject(new Error('Sync is down')));
    d.state = { ...d.state, beginHandoff };
    await expect(checkAnswered('CH1', known, 'IM1', value, { resent: true })).resolves.toMatchObject({
      outcome: 'answered-in-time',
    });
    expect(beginHandoff).not.toHaveBeenCalled();
    // Humans are called (here the handoff fails, so the event fails and its timer comes back).
    await expect(checkAnswered('CH1', known, 'IM1', value, { resent: true, sendFailed: true })).rejects.toThrow();
    expect(beginHandoff).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([]);
  });

  test('two deliveries of the timer event at once send it once', async () => {
    const { deps: both, sent } = deps();
    const outcomes = await Promise.all([
      checkAnswered('CH1', known, 'IM1', both),
      checkAnswered('CH1', known, 'IM1', both),
    ]);
    expect(sent).toEqual(['Where is my order?']);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'replied']);
  });

  test('a resend whose handling failed lets the timer armed again send it', async () => {
    const { deps: flaky, sent } = deps(true);
    await expect(checkAnswered('CH1', known, 'IM1', flaky)).rejects.toThrow();
    await expect(checkAnswered('CH1', known, 'IM1', flaky)).resolves.toMatchObject({ outcome: 'replied' });
    expect(sent).toEqual(['(refused)', 'Where is my order?']);
  });

  test('a resend OpenCX took whose answer was not posted is not sent again: the next timer awaits it', async () => {
    const { deps: flaky, sent, timers } = deps(false, true);
    await expect(checkAnswered('CH1', known, 'IM1', flaky)).rejects.toThrow('Sync is down');
    await expect(checkAnswered('CH1', known, 'IM1', flaky, {}, true)).resolves.toMatchObject({
      outcome: 'awaiting-answer',
    });
    expect(sent).toEqual(['Where is my order?']);
    // Its watchdog hands off if no answer comes.
    expect(timers).toEqual([expect.objectContaining({ opencxTimer: 'answer', messageSid: 'IM1', resent: true })]);
  });

  test('the history read leaves time for a resend or a handoff after it', async () => {
    const { deps: watched, historyBudgets } = deps();
    await checkAnswered('CH1', known, 'IM1', watched);
    expect(historyBudgets).toHaveLength(1);
    expect(historyBudgets[0]).toBeLessThanOrEqual(9000 - 2 * 1000);
  });
});

describe("rearmBudgetMs: arming a timer again after a failure, within the Function's 10 s", () => {
  test('a failure early in the handler gets the whole budget', () => {
    expect(rearmBudgetMs(2000)).toBe(800);
  });

  test('one after the handler used its 9 s (and a request ran over) gets what is left, or none', () => {
    expect(rearmBudgetMs(8900)).toBe(500);
    expect(rearmBudgetMs(9300)).toBe(0);
    expect(rearmBudgetMs(9200) + 9200 + 300).toBeLessThanOrEqual(9700);
  });
});

describe('watchFailedFirstAnswer (an engage whose first answer failed)', () => {
  const { watchFailedFirstAnswer, UnwatchedAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const failure = new Error('Sync answered 503');

  function depsArming(createTask: (ws: string, task: { attributes: Record<string, unknown> }) => Promise<string>) {
    const twilio = { taskrouter: { createTask } };
    return {
      config: { timerWorkspaceSid: 'WS9', timerWorkflowSid: 'WW9', aiAnswerTimeoutSeconds: 60 },
      twilio,
      lastStep: () => twilio,
    } as never;
  }

  test("arms the answer watchdog on the newest first message, with the handler's last-step budget", async () => {
    const armed: Record<string, unknown>[] = [];
    const deps = depsArming(async (_ws, task) => {
      armed.push(task.attributes);
      return 'WT9';
    });
    await expect(watchFailedFirstAnswer('CH1', 's1', 'IM2', failure, deps)).resolves.toMatchObject({
      outcome: 'awaiting-answer',
      sessionId: 's1',
      timerSid: 'WT9',
      error: 'Error: Sync answered 503',
    });
    expect(armed).toEqual([{ opencxTimer: 'answer', conversationSid: 'CH1', sessionId: 's1', messageSid: 'IM2' }]);
  });

  test('throws when the watchdog cannot be armed (the handler gets it), or without a timer workspace', async () => {
    const refused = depsArming(async () => Promise.reject(new Error('TaskRouter 500')));
    const unwatched = await watchFailedFirstAnswer('CH1', 's1', 'IM2', failure, refused).catch((e: unknown) => e);
    expect(unwatched).toBeInstanceOf(UnwatchedAnswer);
    expect(unwatched).toMatchObject({
      failure,
      watchdog: { opencxTimer: 'answer', conversationSid: 'CH1', sessionId: 's1', messageSid: 'IM2', rearmed: 1 },
    });
    const unsaved = { config: {} } as never;
    await expect(watchFailedFirstAnswer('CH1', 's1', 'IM2', failure, unsaved)).rejects.toBe(failure);
  });
});

describe("deliverAnswer: the AI's last words when OpenCX's own handoff event moved the phase first", () => {
  const { deliverAnswer } = jest.requireActual('./answer') as typeof import('./answer');
  const { answerKey } = jest.requireActual('../dedup') as typeof import('../dedup');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const aiRecord = {
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    reservationSid: 'WR1',
    phase: 'ai' as const,
    claimedAt: 0,
    sessionId: 's1',
  };

  test('are recorded once posted, when their handoff found the conversation handed off already', async () => {
    const claimFarewell = jest.fn(async () => true);
    const posted: string[] = [];
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI', workspaceSid: 'WS1' },
      state: {
        claimOnce: async () => true,
        // The re-read beside the claim still saw the AI; the handoff's phase write then lost to OpenCX's event.
        conversation: async () => ({ record: aiRecord, revision: '1' }),
        beginHandoff: async () => undefined,
        claimFarewell,
      },
      twilio: {
        conversations: { postMessage: async (_s: string, _c: string, m: { body: string }) => posted.push(m.body) },
        taskrouter: {
          fetchTask: async () => ({ sid: 'WT1', attributes: {}, assignmentStatus: 'reserved' }),
          reservations: async () => [],
        },
      },
      opencx: { getSession: async () => ({ language: 'en' }) },
      deadline: new Deadline(8000),
      afterAnswerReserveMs: 1000,
      now: () => new Date('2026-12-02T10:00:00Z'),
      warn: () => undefined,
    } as never;
    const request = {
      reason: 'AI requested human handoff',
      reply: 'A colleague is coming.',
      answerId: 'm9',
      byAi: true,
    };

    const outcome = await deliverAnswer('CH1', { record: aiRecord, revision: '1' }, { next: 'handoff', request }, deps);

    expect(outcome).toMatchObject({ outcome: 'handoff-skipped', reply: 'posted' });
    expect(posted).toEqual(['A colleague is coming.']);
    expect(claimFarewell).toHaveBeenCalledWith(
      'CH1',
      answerKey('s1', { answerId: 'm9', text: 'A colleague is coming.' }),
    );
  });
});

describe("deliverDelivered: an answer OpenCX's webhook brought, over the record it read", () => {
  const { deliverDelivered } = jest.requireActual('./answer') as typeof import('./answer');
  const { answerKey } = jest.requireActual('../dedup') as typeof import('../dedup');
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const aiRecord = { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 0, sessionId: 's1' };
  const answer = { answerId: 'm7', text: 'It ships today.' };
  const key = answerKey('s1', answer);
  const decision = { action: 'answer' as const, conversationSid: 'CH1', sessionId: 's1', answer };

  /** `now`: the record as a write over the one read finds it (its If-Match refused when it moved). */
  function deliveryDeps(now: object | 'sync-fails', history?: () => Promise<object[] | undefined>) {
    const posted: string[] = [];
    const written: object[] = [];
    const claimFarewell = jest.fn(async () => true);
    const historyOf = jest.fn(history ?? (async () => undefined));
    const deps = {
      config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI' },
      opencx: { historyOf },
      deadline: new Deadline(5000),
      afterAnswerReserveMs: 1000,
      state: {
        update: async (_c: string, change: (r: object) => object | undefined) => {
          if (now === 'sync-fails') throw new Error('Sync is down');
          const next = change(now);
          if (next) written.push(next);
          return next && { record: next, revision: '2' };
        },
        claimFarewell,
      },
      twilio: {
        conversations: { postMessage: async (_s: string, _c: string, m: { body: string }) => posted.push(m.body) },
      },
      warn: () => undefined,
    } as never;
    return { deps, posted, written, claimFarewell, historyOf };
  }

  test('marks the answer as being posted, then posts it', async () => {
    const { deps, posted, written } = deliveryDeps(aiRecord);
    await expect(deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps)).resolves.toMatchObject({
      outcome: 'replied',
    });
    expect(written).toEqual([{ ...aiRecord, answering: key }]);
    expect(posted).toEqual(['It ships today.']);
  });

  test("a watchdog's handoff written since: not posted (the customer reads the note)", async () => {
    const handedOff = { ...aiRecord, phase: 'handoff' as const, handoff: { reason: 'AI unavailable', at: 'now' } };
    const { deps, posted } = deliveryDeps(handedOff);
    await expect(deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps)).resolves.toMatchObject({
      outcome: 'answer-withheld',
    });
    expect(posted).toEqual([]);
  });

  test("OpenCX's own handoff written since: posted as its last words, once recorded as them", async () => {
    const byAi = { ...aiRecord, phase: 'handoff' as const, handoff: { reason: 'Refund', at: 'now', byAi: true } };
    const { deps, posted, claimFarewell } = deliveryDeps(byAi);
    await deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps);
    expect(claimFarewell).toHaveBeenCalledWith('CH1', key, undefined);
    expect(posted).toEqual(['It ships today.']);
  });

  describe("with OpenCX's time of its handoff, its history says which answer was the last words", () => {
    const aiAt = '2026-03-01T10:00:00.000Z';
    const byAi = { ...aiRecord, phase: 'handoff' as const, handoff: { reason: 'Refund', at: 'now', byAi: true, aiAt } };

    const item = (id: string, createdAt: string, type = 'ai') => ({
      id,
      created_at: createdAt,
      event: { type: 'message', sender: { type }, content: { text: `${id} text` } },
    });
    const customer = item('c1', '2026-03-01T09:59:00.000Z', 'contact');

    test('one made after the handoff (to an earlier message) is withheld, the last words left free', async () => {
      const { deps, posted, claimFarewell, historyOf } = deliveryDeps(byAi, async () => [
        customer,
        item('m7', '2026-03-01T10:00:20.000Z'),
      ]);
      await expect(deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps)).resolves.toMatchObject({
        outcome: 'answer-withheld',
      });
      expect(posted).toEqual([]);
      expect(historyOf).toHaveBeenCalledWith('s1', expect.anything());
      expect(claimFarewell).not.toHaveBeenCalled();
    });

    test.each([
      ['OpenCX made it by the handoff', async () => [customer, item('m7', '2026-03-01T10:00:00.000Z')]],
      ['the history cannot be read', async () => Promise.reject(new Error('OpenCX is down'))],
      ['the history is too long to read', async () => undefined],
      ['the history does not hold it yet', async () => [customer]],
    ])('posted as its last words when %s', async (_, history) => {
      const { deps, posted, claimFarewell } = deliveryDeps(byAi, history);
      await deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps);
      expect(claimFarewell).toHaveBeenCalledWith('CH1', key, undefined);
      expect(posted).toEqual(['It ships today.']);
    });

    test('an answer without an id is not looked up', async () => {
      const { deps, posted, historyOf } = deliveryDeps(byAi, async () => []);
      const untagged = { ...decision, answer: { text: 'It ships today.' } };
      await deliverDelivered(untagged, { record: aiRecord, revision: '1' }, deps);
      expect(historyOf).not.toHaveBeenCalled();
      expect(posted).toEqual(['It ships today.']);
    });
  });

  test('a record Sync cannot write does not hold the answer back', async () => {
    const { deps, posted } = deliveryDeps('sync-fails');
    await deliverDelivered(decision, { record: aiRecord, revision: '1' }, deps);
    expect(posted).toEqual(['It ships today.']);
  });
});

/** What a watchdog's check needs: the conversation's newest messages, and whether the message's claim is won. */
function watchdogDeps(messages: ConversationMessage[], claimed: boolean) {
  const claims = new Set<string>();
  const { Deadline } = jest.requireActual('../../common/retry') as typeof import('../../common/retry');
  const send = jest.fn(async () => {
    throw new Error('stop after the send');
  });
  const historyHasContactText = jest.fn(async () => true);
  const createTask = jest.fn(async () => 'WT-watchdog');
  const deps = {
    config: {
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
      aiAnswerTimeoutSeconds: 60,
      aiAuthorName: 'AI Support Agent',
      timerWorkspaceSid: 'WS-timers',
      timerWorkflowSid: 'WW-timers',
    },
    twilio: {
      conversations: { listMessages: async () => messages },
      // The handoff's first round trip reads the task beside its phase write.
      taskrouter: { createTask, fetchTask: async () => ({ sid: 'WT1', attributes: {} }), reservations: async () => [] },
    },
    state: {
      // `claimed`: the message's claim is free (nobody sent it); once.
      claimMessage: jest.fn(async (sid: string) => claimed && !claims.has(`msg_${sid}`) && !!claims.add(`msg_${sid}`)),
      claimOnce: jest.fn(async (key: string) => !claims.has(key) && !!claims.add(key)),
      release: jest.fn(async (key: string) => void claims.delete(key)),
      releaseMessage: async () => undefined,
      beginHandoff: jest.fn(async () => Promise.reject(new Error('stop at the handoff'))),
    },
    opencx: { sendContactMessage: send, historyHasContactText, getSession: async () => ({}) },
    deadline: new Deadline(8000),
    maxAnswerWaitMs: 3000,
    afterAnswerReserveMs: 1000,
    now: () => new Date(0),
    warn: () => undefined,
  } as never;
  const { claimMessage, beginHandoff, release } = (deps as { state: Record<string, jest.Mock> }).state;
  return { deps, send, historyHasContactText, createTask, claimMessage, beginHandoff, release };
}

describe("checkAnswered: the answer after the message may be an earlier message's", () => {
  const { checkAnswered } = jest.requireActual('./answer') as typeof import('./answer');
  const record = { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 0, sessionId: 's1' };
  const first = { ...msg('IM2'), body: 'Where is order 7?' };
  const second = { ...msg('IM3'), body: 'Can I change its address?' };
  const said = (type: string, text: string) => ({ event: { type: 'message', sender: { type }, content: { text } } });
  /** The watchdog of the second message, OpenCX's history as given; the answer was slow (`stillWorking`). */
  async function watchdogWith(
    history: unknown[] | Error,
    page = [msg('IM4', 'ai'), second, first],
    send: WatchedSend = { stillWorking: true },
  ) {
    const watched = watchdogDeps(page, false);
    const historyOf = jest.fn(async () => (history instanceof Error ? Promise.reject(history) : history));
    Object.assign((watched.deps as { opencx: object }).opencx, { historyOf });
    const outcome = await checkAnswered('CH1', { record, revision: '1' }, 'IM3', watched.deps, send).catch(
      (error: unknown) => ({
        outcome: String(error),
      }),
    );
    return { ...watched, historyOf, outcome };
  }
  const taken = [said('contact', first.body), said('contact', second.body)];

  test("OpenCX's history holds one answer for the two: the second goes to humans, not sent again", async () => {
    const { beginHandoff, send, historyHasContactText } = await watchdogWith([...taken, said('ai', 'Ships')]);
    expect(handedOffFor(beginHandoff)).toMatch(/did not answer within 60 seconds/);
    expect(send).not.toHaveBeenCalled();
    expect(historyHasContactText).not.toHaveBeenCalled();
  });

  test('it holds an answer for each: answered, with one history read', async () => {
    const both = [...taken, said('ai', 'Ships'), said('ai', 'Changed')];
    const { outcome, beginHandoff, historyOf, historyHasContactText } = await watchdogWith(both);
    expect(outcome).toMatchObject({ outcome: 'answered-in-time' });
    expect(beginHandoff).not.toHaveBeenCalled();
    expect(historyOf).toHaveBeenCalledTimes(1);
    expect(historyHasContactText).not.toHaveBeenCalled();
  });

  test('a history that cannot tell (unreadable, or without the messages) leaves the answer its own', async () => {
    for (const history of [new Error('503'), [said('ai', 'Ships')]]) {
      const { outcome, beginHandoff } = await watchdogWith(history);
      expect(outcome).toMatchObject({ outcome: 'answered-in-time' });
      expect(beginHandoff).not.toHaveBeenCalled();
    }
  });

  test('its send failed: one history read tells whether OpenCX took it; taken, it is not sent again', async () => {
    const failed = { sendFailed: true };
    const oneAnswer = await watchdogWith([...taken, said('ai', 'Ships')], undefined, failed);
    expect(handedOffFor(oneAnswer.beginHandoff)).toMatch(/did not answer within 60 seconds/);
    expect(oneAnswer.send).not.toHaveBeenCalled();
    expect(oneAnswer.claimMessage).not.toHaveBeenCalled();
    // The history cannot tell whose the answer is (it lags the conversation), but it holds the message.
    const lagging = await watchdogWith(
      [...taken, said('ai', 'Ships')],
      [msg('IM5', 'ai'), ...[msg('IM4', 'ai'), second, first]],
      failed,
    );
    expect(lagging.outcome).toMatchObject({ outcome: 'answered-in-time' });
    expect(lagging.historyOf).toHaveBeenCalledTimes(1);
    expect(lagging.historyHasContactText).not.toHaveBeenCalled();
  });

  test("OpenCX's rate limit refuses the one read: looked at again, neither sent again nor handed off", async () => {
    const { OpenCxError } = jest.requireActual(
      '../../common/opencx-client',
    ) as typeof import('../../common/opencx-client');
    const { outcome, beginHandoff, send, createTask, historyHasContactText } = await watchdogWith(
      new OpenCxError('429', 429, 30_000),
      undefined,
      { sendFailed: true },
    );
    expect(outcome).toMatchObject({ outcome: 'deferred' });
    expect(createTask).toHaveBeenCalledWith(
      'WS-timers',
      expect.objectContaining({ attributes: expect.objectContaining({ historyLimited: true }) }),
    );
    expect(beginHandoff).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
    expect(historyHasContactText).not.toHaveBeenCalled();
  });

  test('OpenCX answered the message itself (only the post was in doubt): the history is not read', async () => {
    const { outcome, historyOf } = await watchdogWith([...taken, said('ai', 'Ships')], undefined, {
      stillWorking: true,
      aiAnswered: true,
    });
    expect(outcome).toMatchObject({ outcome: 'answered-in-time' });
    expect(historyOf).not.toHaveBeenCalled();
  });

  test('no earlier message waited (answered before it): the history is not read', async () => {
    const { outcome, historyOf } = await watchdogWith(
      [...taken, said('ai', 'Ships')],
      [msg('IM4', 'ai'), second, msg('IM9', 'ai'), first],
    );
    expect(outcome).toMatchObject({ outcome: 'answered-in-time' });
    expect(historyOf).not.toHaveBeenCalled();
  });
});

describe('answerCustomer: OpenCX refused the text, and its handoff fails', () => {
  const { answerCustomer } = jest.requireActual('./relay') as typeof import('./relay');
  const known = {
    record: { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 0, sessionId: 's1' },
    revision: '1',
  };

  // An engage's first text holds several messages: given back, a watchdog would send only the newest.
  test('the claims stay: the watchdog finds them taken and hands off', async () => {
    const { deps, send } = watchdogDeps([], true);
    const releaseMessage = jest.fn(async (_sid: string) => undefined);
    (deps as { state: Record<string, unknown> }).state.releaseMessage = releaseMessage;
    await expect(answerCustomer('CH1', known, 'Hi', deps, ['IM1', 'IM2'])).rejects.toThrow();
    expect(send).toHaveBeenCalledTimes(1);
    expect(releaseMessage).not.toHaveBeenCalled();
  });
});

describe('checkAnswered: no answer after the message', () => {
  const { checkAnswered } = jest.requireActual('./answer') as typeof import('./answer');
  const known = {
    record: { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 0, sessionId: 's1' },
    revision: '1',
  };
  const question = { ...msg('IM5'), body: 'Where is my parcel?' };
  /** Why the watchdog handed off: the reason, and the summary the agent reads. */
  test('nobody sent it (its handling failed before the claim): sent to the AI now, not handed off', async () => {
    const { deps, send, beginHandoff } = watchdogDeps([question, msg('IM4', 'ai')], true);
    await checkAnswered('CH1', known, 'IM5', deps).catch(() => undefined);
    expect(send).toHaveBeenCalledWith('s1', 'Where is my parcel?', { flex_task_sid: 'WT1' }, expect.anything());
    // What follows the send (a handoff, as OpenCX refused it here) is not this test's.
    expect(handedOffFor(beginHandoff) ?? '').not.toMatch(/did not answer/);
  });

  test('it was sent (claimed): handed off, not sent again; nor after a resend', async () => {
    const { deps, send, beginHandoff } = watchdogDeps([question], false);
    await checkAnswered('CH1', known, 'IM5', deps).catch(() => undefined);
    expect(send).not.toHaveBeenCalled();
    expect(handedOffFor(beginHandoff)).toMatch(/did not answer within 60 seconds/);

    const resent = watchdogDeps([question], true);
    await checkAnswered('CH1', known, 'IM5', resent.deps, { resent: true }).catch(() => undefined);
    expect(resent.send).not.toHaveBeenCalled();
    expect(resent.claimMessage).not.toHaveBeenCalled();
    expect(handedOffFor(resent.beginHandoff)).toMatch(/did not answer/);
  });

  test('two watchdogs firing at once for a message nobody sent: one sends it, the other leaves it be', async () => {
    const { deps, send, beginHandoff } = watchdogDeps([question], true);
    const outcomes = await Promise.all([
      checkAnswered('CH1', known, 'IM5', deps).catch(() => 'failed after the send'),
      checkAnswered('CH1', known, 'IM5', deps).catch(() => 'failed after the send'),
    ]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'duplicate' }));
    expect(handedOffFor(beginHandoff) ?? '').not.toMatch(/did not answer/);
  });

  test('sent by someone else: the claim a send takes goes back, so a watchdog armed again hands off too', async () => {
    const { deps, send, beginHandoff, release } = watchdogDeps([question], false);
    await checkAnswered('CH1', known, 'IM5', deps).catch(() => undefined);
    expect(release).toHaveBeenCalledWith('watchdog_resend_IM5');
    beginHandoff.mockClear();
    await checkAnswered('CH1', known, 'IM5', deps, {}, true).catch(() => undefined);
    expect(send).not.toHaveBeenCalled();
    expect(handedOffFor(beginHandoff)).toMatch(/did not answer within 60 seconds/);
  });

  test("an answer OpenCX's webhook is posting meanwhile: looked at again once, not handed off", async () => {
    const key = 'ans_s1_m7';
    const { deps, beginHandoff, createTask } = watchdogDeps([question], false);
    // The record the handoff writes over: the webhook set out to post its answer after the listing.
    beginHandoff.mockImplementation(async (_c: string, _p: unknown, _k: unknown, standDown: (r: object) => boolean) =>
      standDown({ ...known.record, answering: key }) ? undefined : Promise.reject(new Error('stop at the handoff')),
    );
    await expect(checkAnswered('CH1', known, 'IM5', deps, { resent: true })).resolves.toMatchObject({
      outcome: 'deferred',
      timerSid: 'WT-watchdog',
    });
    expect(createTask).toHaveBeenCalledWith('WS-timers', {
      workflowSid: 'WW-timers',
      attributes: expect.objectContaining({ messageSid: 'IM5', resent: true, awaitedAnswer: key }),
      timeoutSeconds: 15,
    });

    // Looking again without it in the conversation (its post failed or the Function died): handed off.
    createTask.mockClear();
    beginHandoff.mockClear();
    await checkAnswered('CH1', known, 'IM5', deps, { resent: true, awaitedAnswer: key }).catch(() => undefined);
    expect(createTask).not.toHaveBeenCalled();
    expect(handedOffFor(beginHandoff)).toMatch(/did not answer within 60 seconds/);
  });

  test('waiting for an answer being posted, a timer that cannot be armed hands off now', async () => {
    const { deps, beginHandoff, createTask } = watchdogDeps([question], false);
    createTask.mockRejectedValue(new Error('TaskRouter is down'));
    beginHandoff.mockImplementation(async (_c: string, _p: unknown, _k: unknown, standDown?: (r: object) => boolean) =>
      standDown?.({ ...known.record, answering: 'ans_s1_m7' }) ? undefined : Promise.reject(new Error('stop here')),
    );
    await checkAnswered('CH1', known, 'IM5', deps, { resent: true }).catch(() => undefined);
    expect(beginHandoff).toHaveBeenCalledTimes(2);
    expect(beginHandoff.mock.calls[1][3]).toBeUndefined();
    expect(handedOffFor(beginHandoff)).toMatch(/did not answer within 60 seconds/);
  });

  test('an answer being posted that is in the conversation already (an earlier one) is not waited for', async () => {
    const earlier = { ...msg('IM3', 'ai'), attributes: { opencx: { role: 'ai', key: 'ans_s1_m7#2', parts: 2 } } };
    const { deps, beginHandoff, createTask } = watchdogDeps([question, earlier], false);
    const standsDown = jest.fn();
    beginHandoff.mockImplementation(async (_c: string, _p: unknown, _k: unknown, standDown: (r: object) => boolean) => {
      standsDown(standDown({ ...known.record, answering: 'ans_s1_m7' }));
      throw new Error('stop at the handoff');
    });
    await checkAnswered('CH1', known, 'IM5', deps, { resent: true }).catch(() => undefined);
    expect(standsDown).toHaveBeenCalledWith(false);
    expect(createTask).not.toHaveBeenCalled();
  });

  test('a photo alone whose handoff failed goes to humans, whatever the AI answered since', async () => {
    const photo = { ...msg('IM5'), body: '', hasMedia: true };
    const { deps, send, beginHandoff, historyHasContactText } = watchdogDeps(
      [msg('IM7', 'ai'), msg('IM6'), photo],
      true,
    );
    await checkAnswered('CH1', known, 'IM5', deps).catch(() => undefined);
    expect(handedOffFor(beginHandoff)).toMatch(/^Customer sent an attachment: /);
    expect(send).not.toHaveBeenCalled();
    expect(historyHasContactText).not.toHaveBeenCalled();
  });
});

describe('checkAnswered: a message that could not be left for the engage (unparked)', () => {
  const { checkAnswered } = jest.requireActual('./answer') as typeof import('./answer');
  const known = {
    record: { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 0, sessionId: 's1' },
    revision: '1',
  };
  const unsent = { ...msg('IM5'), body: 'My order 1234 is late' };

  const depsClaiming = (claimed: boolean) => watchdogDeps([msg('IM6', 'ai'), unsent], claimed);

  test('unclaimed, nobody sent it: the watchdog sends it now, without asking the history', async () => {
    const { deps, send, historyHasContactText } = depsClaiming(true);
    // What follows the send (a handoff, as OpenCX refused it here) is not this test's.
    await checkAnswered('CH1', known, 'IM5', deps, { unparked: true }).catch(() => undefined);
    expect(send).toHaveBeenCalledWith('s1', 'My order 1234 is late', { flex_task_sid: 'WT1' }, expect.anything());
    expect(historyHasContactText).not.toHaveBeenCalled();
  });

  test('claimed, someone sent it: left to whoever did (their send is watched), and not sent again', async () => {
    const { deps, send } = depsClaiming(false);
    await expect(checkAnswered('CH1', known, 'IM5', deps, { unparked: true })).resolves.toMatchObject({
      outcome: 'duplicate',
    });
    expect(send).not.toHaveBeenCalled();
  });
});

describe('checkAnswered: a message that came while our record could not be read (unread)', () => {
  const { checkAnswered } = jest.requireActual('./answer') as typeof import('./answer');
  const known = {
    record: {
      workspaceSid: 'WS1',
      taskSid: 'WT1',
      phase: 'ai' as const,
      claimedAt: 0,
      sessionId: 's1',
      customerAuthor: 'customer',
    },
    revision: '1',
  };

  const depsWith = (messages: ConversationMessage[], claimed = true) => watchdogDeps(messages, claimed);
  const question = { ...msg('IM5'), body: 'Where is my parcel?' };

  test('nobody claimed it: sent to the AI now, even with an AI answer after it (to an earlier message)', async () => {
    const { deps, send } = depsWith([msg('IM6', 'ai'), question]);
    await checkAnswered('CH1', known, 'IM5', deps, { unread: true }).catch(() => undefined);
    expect(send).toHaveBeenCalledWith('s1', 'Where is my parcel?', { flex_task_sid: 'WT1' }, expect.anything());
  });

  test('a retry of its webhook claimed it: left to that retry, which watches its own answer', async () => {
    const { deps, send, createTask } = depsWith([question], false);
    await expect(checkAnswered('CH1', known, 'IM5', deps, { unread: true })).resolves.toMatchObject({
      outcome: 'duplicate',
    });
    expect(send).not.toHaveBeenCalled();
    expect(createTask).not.toHaveBeenCalled();
  });

  test('claimed by this watchdog before its handling failed: its answer is awaited, not asked again', async () => {
    const { deps, send, createTask } = depsWith([question], false);
    await expect(checkAnswered('CH1', known, 'IM5', deps, { unread: true }, true)).resolves.toMatchObject({
      outcome: 'awaiting-answer',
    });
    expect(send).not.toHaveBeenCalled();
    expect(createTask).toHaveBeenCalledTimes(1);
  });

  test('a photo alone goes to humans, as its webhook would have sent it: not to the AI', async () => {
    const photo = { ...question, body: '', hasMedia: true };
    const { deps, send, beginHandoff } = depsWith([photo]);
    await checkAnswered('CH1', known, 'IM5', deps, { unread: true }).catch(() => undefined);
    expect(handedOffFor(beginHandoff)).toMatch(/^Customer sent an attachment: /);
    expect(send).not.toHaveBeenCalled();
  });

  test('not sent when written to the humans before they handed the conversation back', async () => {
    const { deps, send } = depsWith([{ ...question, index: 4 }]);
    const handedBack = {
      ...known,
      record: {
        ...known.record,
        handback: { at: '2026-12-05T10:00:00Z', agentSid: 'WK1', agentName: 'Ann', fromTaskSid: 'WT0', afterIndex: 4 },
      },
    };
    await expect(checkAnswered('CH1', handedBack, 'IM5', deps, { unread: true })).resolves.toMatchObject({
      outcome: 'ignored',
    });
    expect(send).not.toHaveBeenCalled();
  });

  describe('armed from a message index: one watchdog for the conversation through the outage', () => {
    const at = (index: number, over: Partial<ConversationMessage> = {}) => ({
      ...msg(`IM${index}`),
      body: `Question ${index}`,
      index,
      ...over,
    });
    // Newest first: IM8 a retry of its webhook sent; IM7 an agent's; IM4 came before the outage.
    const conversation = [at(9), at(8), at(7, { author: 'agent-7' }), at(6), msg('IM-answer', 'ai'), at(5), at(4)];
    test("the customer's messages since then nobody sent go to the AI together, oldest first", async () => {
      const { deps, send, claimMessage } = depsWith(conversation);
      claimMessage.mockImplementation(async (sid: string) => sid !== 'IM8');
      await checkAnswered('CH1', known, 'IM5', deps, { unread: true, fromIndex: 5 }).catch(() => undefined);
      expect(send).toHaveBeenCalledTimes(1);
      expect(send).toHaveBeenCalledWith(
        's1',
        'Question 5\nQuestion 6\nQuestion 9',
        { flex_task_sid: 'WT1' },
        expect.anything(),
      );
    });

    test('a photo alone among them goes to humans', async () => {
      const { deps, send, beginHandoff } = depsWith([at(6, { body: '', hasMedia: true }), at(5)]);
      await checkAnswered('CH1', known, 'IM5', deps, { unread: true, fromIndex: 5 }).catch(() => undefined);
      expect(handedOffFor(beginHandoff)).toMatch(/^Customer sent an attachment: /);
      expect(send).not.toHaveBeenCalled();
    });

    describe('after Sync came back, IM7 was rate-limited and IM8 queued behind its resend', () => {
      // The clock reads 0: a queue open until later waits for its resend; one until 0 is overdue.
      const behindResend = (until: number) => ({
        ...known,
        record: { ...known.record, resendQueue: { sessionId: 's1', owner: 'IM7', messageSids: ['IM8'], until } },
      });
      const sinceOutage = [at(8), at(7), at(6), at(5)];

      test('the resend not overdue: none go ahead of it; the watchdog looks again once it is', async () => {
        const { deps, send, createTask } = depsWith(sinceOutage);
        await expect(
          checkAnswered('CH1', behindResend(30_000), 'IM5', deps, { unread: true, fromIndex: 5 }),
        ).resolves.toMatchObject({ outcome: 'deferred' });
        expect(send).not.toHaveBeenCalled();
        expect(createTask).toHaveBeenCalledWith('WS-timers', {
          workflowSid: 'WW-timers',
          attributes: expect.objectContaining({ opencxTimer: 'answer', messageSid: 'IM5', unread: true, fromIndex: 5 }),
          timeoutSeconds: 31,
        });
        // Armed from the conversation's first message, it still watches every later one.
        await checkAnswered('CH1', behindResend(30_000), 'IM0', deps, { unread: true, fromIndex: 0 });
        expect(createTask).toHaveBeenLastCalledWith(
          'WS-timers',
          expect.objectContaining({ attributes: expect.objectContaining({ fromIndex: 0 }) }),
        );
      });

      test('the queued message is left to the resend or its own watchdog; the others go to the AI', async () => {
        const { deps, send, claimMessage } = depsWith(sinceOutage);
        // IM7 went to OpenCX (and was refused): claimed.
        claimMessage.mockImplementation(async (sid: string) => sid !== 'IM7');
        await checkAnswered('CH1', behindResend(0), 'IM5', deps, { unread: true, fromIndex: 5 }).catch(() => undefined);
        expect(send).toHaveBeenCalledTimes(1);
        expect(send).toHaveBeenCalledWith('s1', 'Question 5\nQuestion 6', { flex_task_sid: 'WT1' }, expect.anything());
        expect(claimMessage).not.toHaveBeenCalledWith('IM8');
      });
    });
  });

  test.each([
    ['another author', { ...question, author: 'agent-7' }],
    ['the AI, by its name', { ...question, author: 'AI Support Agent' }],
    ['neither text nor a file', { ...question, body: '  ' }],
  ])('not sent when written by %s', async (_, message) => {
    const { deps, send } = depsWith([message]);
    await expect(checkAnswered('CH1', known, 'IM5', deps, { unread: true })).resolves.toMatchObject({
      outcome: 'ignored',
    });
    expect(send).not.toHaveBeenCalled();
  });
});

describe('watchUncertainReply: the post of an answer OpenCX gave may not have landed', () => {
  const { watchUncertainReply } = jest.requireActual('./answer') as typeof import('./answer');

  test('its watchdog knows OpenCX answered the message: an AI answer after it is its own', async () => {
    const createTask = jest.fn(async () => 'WT-watchdog');
    const twilio = { taskrouter: { createTask } };
    const deps = {
      config: { aiAnswerTimeoutSeconds: 60, timerWorkspaceSid: 'WS-timers', timerWorkflowSid: 'WW-timers' },
      twilio,
      lastStep: () => twilio,
    } as never;
    await expect(
      watchUncertainReply('CH1', { outcome: 'reply-uncertain', sessionId: 's1' } as never, 'IM3', deps),
    ).resolves.toMatchObject({ timerSid: 'WT-watchdog' });
    expect(createTask).toHaveBeenCalledWith('WS-timers', {
      workflowSid: 'WW-timers',
      attributes: expect.objectContaining({ messageSid: 'IM3', stillWorking: true, aiAnswered: true }),
      timeoutSeconds: 60,
    });
  });
});
