import type { ConversationRecord } from '../conversation-record';
import { answerKey } from '../dedup';
import type { BridgeDeps } from '../deps';
import { heldAnswersIn } from './handoff';

const SESSION = 's-1';
const RECORD = { sessionId: SESSION, phase: 'handoff' } as ConversationRecord;
const customer = { author: '+15550001111', participantSid: 'MB1', body: 'A person', attributes: {} };
const posted = (key: string) => ({ author: 'AI', body: 'Bye', attributes: { opencx: { role: 'ai', key } } });
const said = (id: string, type: 'ai' | 'contact', text: string) => ({
  id,
  event: { type: 'message', sender: { type }, content: { type: 'text', text } },
});
const GOODBYE = answerKey(SESSION, { answerId: 'g1', text: 'A colleague is coming.' });

/** A conversation showing `seen[i]` at its i-th listing, OpenCX's history, and the claims held. */
function world(seen: object[][], history: unknown, claimed: string[]) {
  let now = 0;
  let looks = 0;
  const calls = { history: 0, claims: [] as string[] };
  const warn = jest.fn();
  const deps = {
    config: { conversationsServiceSid: 'IS1', aiAuthorName: 'AI' },
    twilio: { conversations: { listMessages: async () => seen[Math.min(looks++, seen.length - 1)] } },
    opencx: {
      historyOf: async () => {
        calls.history += 1;
        if (history instanceof Error) throw history;
        return history;
      },
    },
    state: {
      isClaimed: async (key: string) => {
        calls.claims.push(key);
        return claimed.includes(key);
      },
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
  return { deps, looks: () => looks, calls, warn };
}

const HISTORY = [said('m1', 'contact', 'Refund?'), said('g1', 'ai', 'A colleague is coming.')];

describe("heldAnswersIn: what the note of OpenCX's own handoff event waits for", () => {
  test('an AI that answered the customer already: no look in OpenCX', async () => {
    const { deps, calls } = world([[posted('ans_s-1_a0'), customer]], HISTORY, [GOODBYE]);
    await heldAnswersIn('CH1', RECORD, deps);
    expect(calls.history).toBe(0);
  });

  test('a goodbye someone claimed is waited for until it is in', async () => {
    const { deps, looks, warn } = world([[customer], [customer], [posted(GOODBYE), customer]], HISTORY, [GOODBYE]);
    await heldAnswersIn('CH1', RECORD, deps);
    // The first look, then two for the goodbye: it came at the second.
    expect(looks()).toBe(3);
    expect(warn).not.toHaveBeenCalled();
  });

  test('a goodbye nobody claimed is not waited for: OpenCX may hold it until the event is answered', async () => {
    const { deps, looks, calls } = world([[customer]], HISTORY, []);
    await heldAnswersIn('CH1', RECORD, deps);
    expect(looks()).toBe(1);
    // By its id, and by its text (an answer OpenCX gave without an id).
    expect(calls.claims).toEqual([GOODBYE, answerKey(SESSION, { text: 'A colleague is coming.' })]);
  });

  test('a history that cannot be read, or is not a history, lets the note go without failing it', async () => {
    for (const history of [new Error('429'), [null, 7], { items: [] }, undefined]) {
      const { deps, looks } = world([[customer]], history, [GOODBYE]);
      await expect(heldAnswersIn('CH1', RECORD, deps)).resolves.toBeUndefined();
      expect(looks()).toBe(1);
    }
  });
});
