import twilio from 'twilio';
import type { World } from '../harness/world';

/** Posts a payload to the webhook signed the way Twilio signs (or with the given signature). */
export async function postSigned(world: World, params: Record<string, string>, options: { signature?: string | null; authToken?: string } = {}): Promise<Response> {
  const signature =
    options.signature === undefined ? twilio.getExpectedTwilioSignature(options.authToken ?? world.twilio.authToken, world.webhookUrl, params) : options.signature;
  return fetch(world.webhookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'X-Twilio-Signature': signature }) },
    body: new URLSearchParams(params).toString(),
  });
}

/** REST calls the Functions made, as `METHOD product template`, in order. */
export function restCalls(world: World, since = 0): string[] {
  return world.twilio.requests.filter((r) => r.seq > since).map((r) => `${r.method} ${r.product} ${r.template ?? r.path}`);
}

export function lastSeq(world: World): number {
  return world.twilio.requests.at(-1)?.seq ?? 0;
}

export function opencxCalls(world: World, since = 0): string[] {
  return world.opencx.requests.slice(since).map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`);
}

export function deliveriesOf(world: World, eventType: string) {
  return world.twilio.webhooks.filter((d) => d.params.EventType === eventType);
}
