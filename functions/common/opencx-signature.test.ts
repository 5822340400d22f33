import { secretFingerprint, signOpencxPayload, verifyOpencxSignature } from './opencx-signature';

const secret = 'whsec_test_secret';
const rawBody = JSON.stringify({
  event: 'conversation.ai_response',
  organization_id: 'org',
  data: { conversation_id: 's-1' },
});
const now = Date.UTC(2026, 11, 2, 10, 0, 0);
const ts = Math.floor(now / 1000);
const signed = (over: Record<string, string> = {}) => ({
  'x-opencx-signature': signOpencxPayload(secret, rawBody, ts),
  'x-opencx-timestamp': String(ts),
  'x-opencx-delivery': 'dlv-1',
  ...over,
});

describe('verifyOpencxSignature', () => {
  test('a delivery signed with the saved secret is accepted, with its delivery id', () => {
    expect(verifyOpencxSignature({ secret, headers: signed(), rawBody, nowMs: now + 1000 })).toEqual({
      ok: true,
      deliveryId: 'dlv-1',
      signedAtMs: ts * 1000,
    });
  });

  test.each([
    ['no secret saved', { secret: undefined }, 'no-secret', /no OpenCX webhook signing secret/],
    ['unsigned', { headers: {} }, 'unsigned', /unsigned/],
    [
      'signed with another secret',
      { headers: signed({ 'x-opencx-signature': signOpencxPayload('other', rawBody, ts) }) },
      'forged',
      /does not match/,
    ],
    ['a tampered body', { rawBody: rawBody.replace('s-1', 's-2') }, 'forged', /does not match/],
    [
      'a timestamp swapped after signing',
      { headers: signed({ 'x-opencx-timestamp': String(ts + 1) }) },
      'forged',
      /does not match/,
    ],
    ['stale (6 minutes old)', { nowMs: now + 6 * 60 * 1000 }, 'stale', /stale/],
    ['from the future', { nowMs: now - 6 * 60 * 1000 }, 'stale', /stale/],
    ['a malformed timestamp', { headers: signed({ 'x-opencx-timestamp': '1e9' }) }, 'malformed', /malformed/],
  ])('%s is refused', (_, over, refusal, reason) => {
    const result = verifyOpencxSignature({ secret, headers: signed(), rawBody, nowMs: now, ...over });
    expect(result).toMatchObject({ ok: false, refusal, reason: expect.stringMatching(reason) });
  });
});

describe('secretFingerprint', () => {
  test('eight hex characters, the same for the same secret, other for another, nothing of the secret in it', () => {
    const fingerprint = secretFingerprint(secret);
    expect(fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(secretFingerprint(secret)).toBe(fingerprint);
    expect(secretFingerprint(`${secret}x`)).not.toBe(fingerprint);
    expect(secret).not.toContain(fingerprint);
  });
});
