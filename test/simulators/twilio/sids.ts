import { randomBytes } from 'node:crypto';

/** A Twilio-shaped SID: two-letter prefix + 32 hex characters. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}
