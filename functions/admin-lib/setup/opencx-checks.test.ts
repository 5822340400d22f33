import {
  opencxRateLimitCheck,
  opencxWebhookCheck,
  type OpenCxWebhookFacts,
  RATE_LIMITED_PROBLEM_SHARE,
} from './opencx-checks';
import { OPENCX_WEBHOOK_URL } from './fixtures.testing';
import { pattern } from '../../common/pattern.testing';

describe('opencxRateLimitCheck', () => {
  const key = (masked: string, requests: number, limited: number) => ({ masked, requests, limited });

  it('is ok while OpenCX refused nothing, saying how much was counted', () => {
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('••••••••f3a9', 120, 0)] })).toEqual({
      id: 'opencx_rate_limit',
      title: 'OpenCX rate limit',
      status: 'ok',
      detail: 'OpenCX refused no request for its rate limit in the last 15 minutes (120 counted, the API key).',
      autoFixable: false,
    });
  });

  it('warns at any 429, with the share per key and how to add a key', () => {
    const check = opencxRateLimitCheck({
      minutes: 15,
      keys: [key('••••••••f3a9', 200, 6), key('••••••••b2b2', 100, 0)],
    });
    expect(check).toMatchObject({ status: 'warning', autoFixable: false });
    expect(check.detail).toContain('2 % of the requests of the last 15 minutes with 429');
    expect(check.detail).toContain('••••••••f3a9: 6 of 200 (3 %); ••••••••b2b2: 0 of 100 (0 %)');
    expect(check.fix).toMatch(/Add another API key of the same OpenCX organisation/);
  });

  it(`is a problem from ${RATE_LIMITED_PROBLEM_SHARE * 100} % of requests refused, even if only 429s counted`, () => {
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 100, 10)] }).status).toBe('problem');
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 100, 9)] }).status).toBe('warning');
    expect(opencxRateLimitCheck({ minutes: 15, keys: [key('k', 3, 3)] })).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining('100 %'),
    });
  });
});

describe('opencxWebhookCheck', () => {
  const now = new Date('2026-12-02T12:00:00.000Z');
  const facts = (over: Partial<OpenCxWebhookFacts> = {}): OpenCxWebhookFacts => ({
    secretSaved: true,
    url: OPENCX_WEBHOOK_URL,
    health: { lastVerifiedAt: '2026-12-02T11:00:00.000Z', lastEvent: 'conversation.ai_response' },
    now,
    ...over,
  });

  it('is ok with the last signed event and its time', () => {
    expect(opencxWebhookCheck(facts())).toEqual({
      id: 'opencx_webhook',
      title: 'OpenCX webhook',
      status: 'ok',
      detail: 'The last signed OpenCX event, conversation.ai_response, arrived at 2026-12-02T11:00:00.000Z.',
      autoFixable: false,
    });
  });

  it('is a problem without a signing secret, the fix naming where to paste it', () => {
    expect(opencxWebhookCheck(facts({ secretSaved: false }))).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringMatching(/No OpenCX webhook signing secret is saved/),
      fix:
        `In OpenCX → Settings → Integrations → Webhooks, add ${OPENCX_WEBHOOK_URL} with the events ` +
        'conversation.ai_response, conversation.handoff_to_human, then paste its signing secret in the OpenCX ' +
        'settings and click Test & Save.',
    });
  });

  it('warns when no signed event came in the last 24 hours, or never', () => {
    const stale = opencxWebhookCheck(
      facts({ health: { lastVerifiedAt: '2026-12-01T11:59:59.000Z', lastEvent: 'conversation.handoff_to_human' } }),
    );
    expect(stale).toMatchObject({
      status: 'warning',
      autoFixable: false,
      detail: expect.stringMatching(
        pattern(
          /^The last signed OpenCX event \(conversation.handoff_to_human\) /,
          /arrived at 2026-12-01T11:59:59.000Z, none in the last 24 hours/,
        ),
      ),
      fix: expect.stringContaining(
        `add ${OPENCX_WEBHOOK_URL} with the events conversation.ai_response, conversation.handoff_to_human`,
      ),
    });
    expect(opencxWebhookCheck(facts({ health: undefined }))).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^No signed OpenCX event has arrived yet/),
    });
    expect(
      opencxWebhookCheck(
        facts({ health: { lastVerifiedAt: '2026-12-01T12:00:00.000Z', lastEvent: 'conversation.ai_response' } }),
      ).status,
    ).toBe('ok');
  });

  describe('deliveries refused under the saved secret', () => {
    const refused = (at: string) => ({ lastRefusedAt: at, reason: 'signature does not match', secretFingerprint: 'f' });

    it('are a problem when newer than the last accepted one, the fix saying to copy the secret again', () => {
      expect(opencxWebhookCheck(facts({ refused: refused('2026-12-02T11:30:00.000Z') }))).toEqual({
        id: 'opencx_webhook',
        title: 'OpenCX webhook',
        status: 'problem',
        detail:
          "OpenCX's webhook deliveries are being refused: one at 2026-12-02T11:30:00.000Z (signature does not " +
          'match), and the last accepted one (conversation.ai_response) arrived before, at ' +
          "2026-12-02T11:00:00.000Z. AI answers too slow for the direct reply and OpenCX's handoffs are lost " +
          'meanwhile. (If this clears when OpenCX delivers again, the refused request came from elsewhere.)',
        fix:
          "The signing secret in the settings does not match OpenCX's (OpenCX → Settings → Integrations → " +
          'Webhooks): copy it again, paste it in the OpenCX settings and click Test & Save.',
        autoFixable: false,
      });
    });

    it('are a problem when none was ever accepted under the saved secret', () => {
      expect(
        opencxWebhookCheck(facts({ health: undefined, refused: refused('2026-12-01T08:00:00.000Z') })),
      ).toMatchObject({
        status: 'problem',
        detail: expect.stringContaining('and none signed with the saved secret was accepted.'),
      });
    });

    it.each([
      ['stale', /^The delivery carries the saved secret's signature, but was signed more than 5 minutes away/],
      ['malformed', /^The delivery's timestamp header is not a time in seconds/],
      ['forged', /^The signing secret in the settings does not match OpenCX's/],
    ] as const)('refused as %s: the fix says what to look at', (refusal, fix) => {
      const noted = { ...refused('2026-12-02T11:30:00.000Z'), refusal };
      expect(opencxWebhookCheck(facts({ refused: noted }))).toMatchObject({
        status: 'problem',
        fix: expect.stringMatching(fix),
      });
    });

    it('change nothing once a later delivery was accepted', () => {
      expect(opencxWebhookCheck(facts({ refused: refused('2026-12-02T10:59:59.000Z') })).status).toBe('ok');
    });

    it('do not hide a missing secret', () => {
      expect(
        opencxWebhookCheck(facts({ secretSaved: false, refused: refused('2026-12-02T11:30:00.000Z') })).detail,
      ).toMatch(/^No OpenCX webhook signing secret is saved/);
    });
  });
});
