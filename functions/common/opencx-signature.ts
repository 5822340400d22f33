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

export type SignatureCheck = { ok: true; deliveryId: string; signedAtMs: number } | { ok: false; reason: string };

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
  if (!secret) return { ok: false, reason: 'no OpenCX webhook signing secret is saved' };
  const signature = header(headers, OPENCX_SIGNATURE_HEADER);
  const timestamp = header(headers, OPENCX_TIMESTAMP_HEADER);
  if (!signature || !timestamp) return { ok: false, reason: 'unsigned: no signature or timestamp header' };
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || !Number.isSafeInteger(seconds))
    return { ok: false, reason: 'malformed timestamp header' };
  const expected = Buffer.from(signOpencxPayload(secret, rawBody, seconds));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature does not match' };
  const signedAtMs = seconds * 1000;
  if (Math.abs(nowMs - signedAtMs) > SIGNATURE_TOLERANCE_MS)
    return { ok: false, reason: 'stale: signed more than 5 minutes away from now' };
  return { ok: true, deliveryId: header(headers, OPENCX_DELIVERY_HEADER) ?? signature, signedAtMs };
}
