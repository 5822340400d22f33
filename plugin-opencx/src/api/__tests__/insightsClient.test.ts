import type { FetchLike } from '../functionsRequest';
import { createInsightsClient } from '../insightsClient';
import { sampleInsights } from '../../testing/insightsSample';

const BASE = 'https://opencx-1234-dev.twil.io';
const WEEK = sampleInsights('7d', new Date('2026-11-21T10:30:00Z'));

function answering(status: number, body: unknown) {
  return jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({ status, json: async () => body }));
}

describe('insights client', () => {
  it("asks the supervisor Function for one period with the user's Flex token, form-encoded", async () => {
    const fetch = answering(200, { ok: true, ...WEEK });
    const result = await createInsightsClient({ baseUrl: `${BASE}/`, fetch }).load('flex-token', '30d');

    expect(result).toEqual({ ok: true, insights: WEEK });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(`${BASE}/supervisor/insights`);
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(init.body))).toEqual({ Token: 'flex-token', period: '30d' });
  });

  it('says of no answer to try again, not that it may have been done nor to check the Functions URL', async () => {
    const unreachable = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(() =>
      Promise.reject(new TypeError('Failed to fetch')),
    );
    for (const fetch of [unreachable, answering(504, '<html>Gateway Timeout</html>')]) {
      const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
      if (result.ok) throw new Error('expected a failure');
      expect(result.error.message).toMatch(/try again/i);
      expect(result.error.message).not.toMatch(/Functions URL|may have been done/);
    }
  });

  it("passes on the Function's refusal of an agent", async () => {
    const fetch = answering(403, {
      ok: false,
      error: { code: 'forbidden', message: 'Only supervisors and admins can see the AI insights.' },
    });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('agent-token', '7d');
    expect(result).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only supervisors and admins can see the AI insights.', status: 403 },
    });
  });

  it('names the period when the Function rejects it', async () => {
    const fetch = answering(400, {
      ok: false,
      error: { code: 'invalid_input', message: 'Unknown period', field: 'period' },
    });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'period', status: 400 } });
  });

  it.each([
    ['a missing count', { engaged: undefined }],
    ['a negative count', { handedOff: -1 }],
    ['a rate that is neither a number nor null', { handoffRate: '24%' }],
    ['no live figures', { live: undefined }],
    ['an unknown period', { period: 'yesterday' }],
    ['days that are no list', { daily: {} }],
  ])(
    'reports an answer with %s as unexpected rather than showing a period that never happened',
    async (_case, change) => {
      const fetch = answering(200, { ok: true, ...WEEK, ...change });
      const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
      expect(result).toMatchObject({ ok: false, error: { code: 'unexpected_response' } });
    },
  );

  it.each([
    [4, 'given as 4', 4],
    [0, "given as '4', no number", '4'],
    [0, 'given as null', null],
    [0, 'given as -1', -1],
  ])("reads the retiring and paused AI workers' conversations as %d when %s", async (expected, _case, draining) => {
    const live = { aiConversations: 37, capacity: 100, draining, paused: draining };
    const fetch = answering(200, { ok: true, ...WEEK, live });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
    expect(result).toEqual({
      ok: true,
      insights: { ...WEEK, live: { ...live, draining: expected, paused: expected } },
    });
  });

  it("reads live figures without the retiring workers' key at all as none held apart", async () => {
    const fetch = answering(200, { ok: true, ...WEEK, live: { aiConversations: 37, capacity: 100 } });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
    expect(result).toMatchObject({
      ok: true,
      insights: { live: { aiConversations: 37, capacity: 100, draining: 0, paused: 0 } },
    });
  });

  it('reads the handoff count of Functions before it as the conversations handed off', async () => {
    const { handoffCount: _, ...older } = { ...WEEK, handoffCount: WEEK.handedOff + 3 };
    const fetch = answering(200, { ok: true, ...older });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
    expect(result).toMatchObject({ ok: true, insights: { handoffCount: WEEK.handedOff } });
    const current = answering(200, { ok: true, ...WEEK, handoffCount: WEEK.handedOff + 3 });
    const read = await createInsightsClient({ baseUrl: BASE, fetch: current }).load('flex-token', '7d');
    expect(read).toMatchObject({ ok: true, insights: { handoffCount: WEEK.handedOff + 3 } });
  });

  it('leaves out malformed handoffs and days, and reads an unknown sentiment as neutral', async () => {
    const [first, second] = WEEK.handoffs;
    const fetch = answering(200, {
      ok: true,
      ...WEEK,
      daily: [{ date: 'Monday', engaged: 3, contained: 3, handedOff: 0 }, WEEK.daily[0]],
      handoffs: [
        { ...first, sentiment: 'furious', verdict: { needed: 'yes' } },
        { ...second, taskSid: undefined },
        'nonsense',
      ],
    });
    const result = await createInsightsClient({ baseUrl: BASE, fetch }).load('flex-token', '7d');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.insights.daily).toEqual([WEEK.daily[0]]);
    const { verdict: _ignored, ...firstWithoutVerdict } = first;
    expect(result.insights.handoffs).toEqual([{ ...firstWithoutVerdict, sentiment: 'neutral' }]);
  });
});
