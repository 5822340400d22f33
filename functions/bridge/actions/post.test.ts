import { type ScriptedTwilio, scriptedTwilio } from '../../common/twilio/scripted-twilio.testing';
import { answerKey } from '../dedup';
import { replyParts } from '../reply-parts';
import type { BridgeDeps } from '../deps';
import { answeredSinceCustomer, answersCustomer, lastWordsIn, postAiReply } from './post';

const SERVICE = 'IS00000000000000000000000000000001';
const CONVERSATION = 'CH00000000000000000000000000000001';
const SESSION = 's-1';
const CUSTOMER = '+15550001111';

let index = 0;
/** A message as Conversations lists it (newest first in the page built below). */
function message(author: string, body: string, opencx?: object) {
  index += 1;
  return {
    sid: `IM${String(index).padStart(32, '0')}`,
    index,
    author,
    body,
    attributes: JSON.stringify(opencx ? { opencx } : {}),
    participant_sid: author === CUSTOMER ? 'MB00000000000000000000000000000001' : null,
    date_created: '2026-12-05T10:00:00Z',
    media: null,
  };
}
const ours = (body: string, key: string) => message('AI Support Agent', body, { role: 'ai', key, sessionId: SESSION });

let twilio: ScriptedTwilio | undefined;
afterEach(async () => {
  await twilio?.close();
  twilio = undefined;
});

/** Whether the answer shows in a conversation listing `newestFirst`. */
async function answered(newestFirst: object[], text: string): Promise<boolean> {
  twilio = await scriptedTwilio([
    { status: 200, body: { messages: newestFirst, meta: { page: 0, page_size: 20, next_page_url: null } } },
  ]);
  const { apis } = twilio.apis(5000);
  return answeredSinceCustomer(apis.conversations, SERVICE, CONVERSATION, { sessionId: SESSION, text }, (m) =>
    Boolean(m.participantSid),
  );
}

describe('answeredSinceCustomer (an answer OpenCX delivered without its id)', () => {
  test("the session's answer of that text after the customer's newest message: posted", async () => {
    const key = answerKey(SESSION, { answerId: 'm-7', text: 'It ships today.' });
    // As the fast path posts it: trimmed.
    const posted = [ours('It ships today.', key), message(CUSTOMER, 'When does it ship?')];
    await expect(answered(posted, '  It ships today.\n')).resolves.toBe(true);
  });

  test('a long answer in parts: its last part, posted last, tells', async () => {
    const text = `${'The parcel left the depot. '.repeat(70)}It arrives on Monday.`;
    const key = answerKey(SESSION, { answerId: 'm-8', text });
    const parts = replyParts(text);
    expect(parts.length).toBeGreaterThan(1);
    const posted = [...parts.map((part, i) => ours(part, `${key}#${i + 1}`)).reverse(), message(CUSTOMER, 'Where?')];
    await expect(answered(posted, text)).resolves.toBe(true);
  });

  test("the same text before the customer's newest message is an older answer: not this one", async () => {
    const key = answerKey(SESSION, { answerId: 'm-1', text: 'Could you share your order number?' });
    const older = [message(CUSTOMER, 'I lost it'), ours('Could you share your order number?', key)];
    await expect(answered(older, 'Could you share your order number?')).resolves.toBe(false);
  });

  test("another session's answer of the same text is not this session's", async () => {
    const key = answerKey('s-0', { answerId: 'm-1', text: 'Hello!' });
    await expect(answered([ours('Hello!', key), message(CUSTOMER, 'Hi')], 'Hello!')).resolves.toBe(false);
  });
});

describe("answersCustomer: whether the AI answered the customer's newest message", () => {
  const isCustomer = (m: { participantSid?: string }) => Boolean(m.participantSid);
  const customer = { author: CUSTOMER, participantSid: 'MB1', attributes: {} };
  const ai = (key: string, parts?: number) => ({ author: 'AI', attributes: { opencx: { role: 'ai', key, parts } } });
  const check = (newestFirst: object[]) => answersCustomer(newestFirst as never, isCustomer);

  test('a whole answer after it does; one before it, or only its first part, does not', () => {
    expect(check([ai('ans_s_1'), customer])).toBe(true);
    expect(check([customer, ai('ans_s_1')])).toBe(false);
    expect(check([ai('ans_s_2#1', 2), customer, ai('ans_s_1')])).toBe(false);
    expect(check([ai('ans_s_2#2', 2), ai('ans_s_2#1', 2), customer])).toBe(true);
  });

  test('with no customer message among the newest, nothing is left to answer', () => {
    expect(check([])).toBe(true);
    expect(check([ai('ans_s_1')])).toBe(true);
  });
});

describe('the note waits for last words another Function claimed', () => {
  const key = 'ans_s1_m1';
  // Posted in two parts, as a long goodbye is.
  const marked = (k: string) => ({
    attributes: { opencx: { role: 'ai', key: k, ...(k.includes('#') && { parts: 2 }) } },
  });

  /** The conversation shows `seen[i]` at the i-th look; the clock moves with each wait. */
  function looking(seen: string[][]) {
    let now = 0;
    let looks = 0;
    const warn = jest.fn();
    const deps = {
      config: { conversationsServiceSid: 'IS1' },
      twilio: {
        conversations: { listMessages: async () => (seen[Math.min(looks++, seen.length - 1)] ?? []).map(marked) },
      },
      deadline: {
        remaining: () => 8000,
        sleep: async (ms: number) => {
          now += ms;
        },
      },
      afterAnswerReserveMs: 1300,
      now: () => new Date(now),
      warn,
    } as unknown as BridgeDeps;
    return { deps, looks: () => looks, warn };
  }

  test('an answer in parts is in once its last part is, not its first', async () => {
    const { deps, looks, warn } = looking([[], [`${key}#1`], [`${key}#1`, `${key}#2`]]);
    await lastWordsIn('CH1', key, deps);
    expect(looks()).toBe(3);
    expect(warn).not.toHaveBeenCalled();
  });

  test('last words that never come hold the note 2 s at most', async () => {
    const { deps, looks, warn } = looking([[]]);
    await lastWordsIn('CH1', key, deps);
    expect(looks()).toBe(9);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('listing the newest messages', () => {
  test('asks Twilio for pages of at most 100, however many messages it wants', async () => {
    twilio = await scriptedTwilio([
      { status: 200, body: { messages: [], meta: { page: 0, page_size: 100, next_page_url: null } } },
    ]);
    const { apis } = twilio.apis(5000);
    await apis.conversations.listMessages(SERVICE, CONVERSATION, { order: 'desc', limit: 150 });
    const sizes = twilio.requests.map((r) =>
      Number(new URL(r.split(' ')[1], 'http://twilio').searchParams.get('PageSize')),
    );
    expect(sizes).toEqual([100]);
  });
});

describe("an answer in parts that OpenCX gave late in the handler's time", () => {
  const posted = { status: 201, body: { sid: 'IM1', index: 1, attributes: '{}' } };

  test("its later parts go on the Function's last-step budget: the customer gets it whole", async () => {
    twilio = await scriptedTwilio([
      { status: 200, body: { messages: [], meta: { page: 0, page_size: 20, next_page_url: null } } },
      posted,
      posted,
    ]);
    const handler = twilio.apis(1000);
    const lastStep = twilio.apis(3000);
    // The handler's time runs out while part 1 is posted.
    const conversations = {
      ...handler.apis.conversations,
      postMessage: async (...args: Parameters<typeof handler.apis.conversations.postMessage>) => {
        const message = await handler.apis.conversations.postMessage(...args);
        handler.advance(1000);
        return message;
      },
    };
    const deps = {
      config: { conversationsServiceSid: SERVICE, aiAuthorName: 'AI Support Agent' },
      twilio: { ...handler.apis, conversations },
      lastStep: () => lastStep.apis,
      deadline: handler.deadline,
      warn: jest.fn(),
    } as unknown as BridgeDeps;
    const long = `${'The parcel is on its way. '.repeat(70)}It arrives tomorrow.`;
    expect(replyParts(long)).toHaveLength(2);

    await expect(
      postAiReply(CONVERSATION, long, answerKey(SESSION, { answerId: 'm1', text: long }), SESSION, deps),
    ).resolves.toBe('posted');
    const posts = twilio.forms.filter((form) => form.has('Body'));
    expect(posts.map((form) => form.get('Body'))).toEqual(replyParts(long));
  });
});
