// OpenCX webhook signatures: the one place that knows OpenCX's signing scheme (docs/opencx-api.md).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const OPENCX_SIGNATURE_HEADER = 'x-opencx-signature';
export const OPENCX_TIMESTAMP_HEADER = 'x-opencx-timestamp';
export const OPENCX_DELIVERY_HEADER = 'x-opencx-delivery';
/** Deliveries signed longer ago than this are refused as stale (or replayed). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signOpencxPayload(secret: string, rawBody: string, timestampSeconds: number): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
}

/**
 * Why a delivery was refused. `unsigned` and `forged` are what OpenCX's own deliveries look like
 * when the saved secret is not the one OpenCX signs with.
 */
export type SignatureRefusal = 'no-secret' | 'unsigned' | 'malformed' | 'forged' | 'stale';

export type SignatureCheck =
  | { ok: true; deliveryId: string; signedAtMs: number }
  | { ok: false; refusal: SignatureRefusal; reason: string };

export interface SignedDelivery {
  secret: string | undefined;
  headers: Record<string, unknown>;
  rawBody: string;
  nowMs: number;
}

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const value = headers[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' && value ? value : undefined;
};

export function verifyOpencxSignature({ secret, headers, rawBody, nowMs }: SignedDelivery): SignatureCheck {
  if (!secret) return { ok: false, refusal: 'no-secret', reason: 'no OpenCX webhook signing secret is saved' };
  const signature = header(headers, OPENCX_SIGNATURE_HEADER);
  const timestamp = header(headers, OPENCX_TIMESTAMP_HEADER);
  if (!signature || !timestamp)
    return { ok: false, refusal: 'unsigned', reason: 'unsigned: no signature or timestamp header' };
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || !Number.isSafeInteger(seconds))
    return { ok: false, refusal: 'malformed', reason: 'malformed timestamp header' };
  const expected = Buffer.from(signOpencxPayload(secret, rawBody, seconds));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, refusal: 'forged', reason: 'signature does not match' };
  const signedAtMs = seconds * 1000;
  if (Math.abs(nowMs - signedAtMs) > SIGNATURE_TOLERANCE_MS)
    return { ok: false, refusal: 'stale', reason: 'stale: signed more than 5 minutes away from now' };
  return { ok: true, deliveryId: header(headers, OPENCX_DELIVERY_HEADER) ?? signature, signedAtMs };
}

/**
 * A short keyed digest of the signing secret, stored with the setup check's webhook notes so that
 * notes made under another secret do not count. 32 bits of an HMAC keyed by the secret: it tells
 * secrets apart, and tells less about the secret than any one signed delivery does.
 */
export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update('opencx webhook secret fingerprint').digest('hex').slice(0, 8);
}
