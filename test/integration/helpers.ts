import twilio from 'twilio';
import { signOpencxPayload } from '../../functions/common/opencx-signature';
import { SETUP_LOCK_DOCUMENT } from '../../functions/admin-lib/setup-lock';
import { INSIGHT_MAPS, type InsightEvent } from '../../functions/bridge/insights';
import { currentObjects } from '../../functions/common/shards';
import { World, type WorldOptions } from '../harness/world';
import { type FaultRule, type RecordedRequest, writesSyncDocument } from '../simulators/twilio/simulator';

/**
 * Ends a test on a World its file shares: the faults it added are cleared, OpenCX's rate limit
 * forgets its requests (the window is partly real time, so a fast machine would otherwise throttle
 * a later test), no Twilio call broke the API, and nothing is left held: no request waiting on a
 * gate or on the clock, no webhook delivery held back (a later test would release it, and its
 * Function would act in that test). The violations are taken out, so one test's violation fails
 * that test and not every later one.
 */
export function finishTest(world: World): void {
  world.twilio.clearFaults();
  world.opencx.faults.clear();
  world.opencx.resetRateLimits();
  const violations = world.twilio.violations.splice(0);
  expect(violations).toEqual([]);
  expect({
    twilioRequests: world.twilio.requestsOnHold,
    twilioDeliveries: world.twilio.deliveriesOnHold,
    opencxRequests: world.opencx.requestsOnHold,
  }).toEqual({ twilioRequests: 0, twilioDeliveries: 0, opencxRequests: 0 });
}

/**
 * A World for the tests of the describe block that calls it: started (then `prepare`d) before them,
 * stopped after them, each test ended with finishTest.
 */
export function withWorld(options: WorldOptions = {}, prepare?: (world: World) => Promise<void>): () => World {
  let world: World;
  beforeAll(async () => {
    world = await World.start(options);
    await prepare?.(world);
  });
  afterAll(() => world?.stop());
  afterEach(() => finishTest(world));
  return () => world;
}

/** Posts a payload to the webhook signed the way Twilio signs (or with the given signature). */
export async function postSigned(
  world: World,
  params: Record<string, string>,
  options: { signature?: string | null; authToken?: string } = {},
): Promise<Response> {
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.authToken ?? world.twilio.authToken, world.webhookUrl, params)
      : options.signature;
  return fetch(world.webhookUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'X-Twilio-Signature': signature }),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** Posts a body to OpenCX's webhook Function signed as OpenCX signs it, now, with `secret`. */
export function postSignedOpencx(world: World, body: string, secret: string): Promise<Response> {
  const now = Math.floor(Date.now() / 1000);
  return fetch(world.opencxWebhookUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-OpenCX-Signature': signOpencxPayload(secret, body, now),
      'X-OpenCX-Timestamp': String(now),
    },
    body,
  });
}

/** REST calls the Functions made, as `METHOD product template`, in order. */
export function restCalls(world: World, since = 0): string[] {
  return world.twilio.requests.filter((r) => r.seq > since).map(restCall);
}

const restCall = (r: RecordedRequest): string => `${r.method} ${r.product} ${r.template ?? r.path}`;

/** A write of the setup lock the admin's write operations take: its create, or the takeover of an expired one. */
export const writesSetupLock = (r: RecordedRequest): boolean => writesSyncDocument(r, SETUP_LOCK_DOCUMENT);

/** The POSTs the Functions made since `since` (as `restCalls`), but for the setup lock's own. */
export function postsButSetupLock(world: World, since: number): string[] {
  return world.twilio.requests.filter((r) => r.seq > since && r.method === 'POST' && !writesSetupLock(r)).map(restCall);
}

/**
 * The Twilio calls of one relayed message without a warm container: record, message claim, then
 * the answer claim and the record read again together, then the reply. Compare them sorted: the
 * two together reach Twilio in either order.
 */
export const RELAY_CALLS: readonly string[] = [
  'GET sync /v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
  'POST sync /v1/Services/{ServiceSid}/Maps/{MapSid}/Items',
  'GET sync /v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
  'POST sync /v1/Services/{ServiceSid}/Maps/{MapSid}/Items',
  'POST conversations /v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
];

/** The REST calls since `since`, without the reservation reads TaskRouter's own events cause. */
export const relayCalls = (world: World, since: number): string[] =>
  restCalls(world, since).filter((c) => !c.includes('/Reservations') || c.startsWith('POST'));

/** Holds the next Twilio request `rule` matches until the returned function is called (the race a test stages). */
export function holdNextRequest(world: World, rule: Omit<FaultRule, 'times' | 'until'>): () => void {
  let open!: () => void;
  world.twilio.addFault({ ...rule, times: 1, until: new Promise<void>((resolve) => (open = resolve)) });
  return () => open();
}

/**
 * Holds the next watchdog a relay arms (its timer task) until `release`: a relay whose real-time
 * wait for OpenCX ran out is then still running, so Twilio can give up on it mid-work. `request`
 * is the held request once it came.
 */
export function holdWatchdogArming(world: World): {
  release: () => void;
  request: () => RecordedRequest | undefined;
} {
  let release!: () => void;
  const path = new RegExp(`/Workspaces/${world.timerWorkspaceSid}/Tasks$`);
  const from = lastSeq(world);
  world.twilio.addFault({
    method: 'POST',
    product: 'taskrouter',
    path,
    times: 1,
    until: new Promise<void>((resolve) => (release = resolve)),
  });
  const held = (r: RecordedRequest) =>
    r.seq > from && r.method === 'POST' && r.fault !== undefined && path.test(r.path);
  return { release, request: () => world.twilio.requests.find(held) };
}

/**
 * Holds back the next AI offer (a reservation.created event) until `release`: what comes before it
 * (the customer's first message finds no record and is left to the engage) is handled while no
 * engage runs, so no Function spends its real-time budget waiting for the test.
 */
export function holdNextOffer(world: World): { release: () => void } {
  let release!: () => void;
  world.twilio.holdDeliveries({
    kind: 'taskrouter',
    match: (params) => params.EventType === 'reservation.created',
    until: new Promise<void>((resolve) => (release = resolve)),
  });
  return { release };
}

/**
 * The Function serving the message `body` of the conversation is done: it answered, in time for
 * Twilio or after Twilio gave up on it, or it was stopped.
 */
export function messageHandled(world: World, conversationSid: string, body: string): boolean {
  return world.twilio.webhooks.some(
    (d) =>
      d.params.EventType === 'onMessageAdded' &&
      d.params.ConversationSid === conversationSid &&
      d.params.Body === body &&
      (d.status !== undefined || d.lateStatus !== undefined || d.functionStopped !== undefined),
  );
}

/**
 * The customer writes `body`, and the AI's engage is held once it has read the conversation, before
 * it makes the OpenCX session: its read of the task, made beside its read of the messages, waits
 * for `release`. Resolves once the engage is so held and the relay of `body` is done, so a message
 * written now comes after the engage's read, and finds the conversation the AI's without a session.
 * The engage waits on its whole budget (not the session's 3 s) and only while the test's next step runs.
 */
export async function engageHeldAfterItsRead(
  world: World,
  body: string,
): Promise<{ conversationSid: string; taskSid: string; release: () => void }> {
  const from = lastSeq(world);
  const { conversationSid, taskSid } = world.customerWritesIn(body);
  const messageReads = new RegExp(`/Conversations/${conversationSid}/Messages$`);
  const taskRead = new RegExp(`/Workspaces/${world.workspaceSid}/Tasks/${taskSid}$`);
  let release!: () => void;
  world.twilio.addFault({ method: 'GET', path: taskRead, times: 1, until: new Promise<void>((r) => (release = r)) });
  try {
    const since = () => world.twilio.requests.filter((r) => r.seq > from && r.method === 'GET');
    await world.until(
      () =>
        since().some((r) => r.fault && taskRead.test(r.path)) &&
        since().some((r) => messageReads.test(r.path) && r.status !== undefined) &&
        messageHandled(world, conversationSid, body),
      "the engage's read of the conversation, its read of the task held, and the first message handled",
    );
    expect(world.sessionFor(conversationSid)).toBeUndefined();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    expect(world.conversationRecord(conversationSid)).not.toHaveProperty('sessionId');
  } catch (error) {
    release();
    throw error;
  }
  return { conversationSid, taskSid, release };
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

/** OpenCX's webhook deliveries about one conversation (its session), oldest first; of one event type when given. */
export function opencxDeliveriesFor(world: World, conversationSid: string, event?: string) {
  const sessionId = world.sessionFor(conversationSid)?.id;
  const about = (data: unknown) => {
    const one = (Array.isArray(data) ? data[0] : data) as { conversation_id?: unknown } | undefined;
    return sessionId !== undefined && one?.conversation_id === sessionId;
  };
  return world.opencx.webhookDeliveries.filter((d) => (!event || d.event === event) && about(d.body.data));
}

export interface FunctionAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the answer field by field; a wrong guess fails
  body: Record<string, any>;
}

/** Posts form fields to a Function as the Flex plugin does: form-encoded, no custom headers. */
export async function postForm(
  baseUrl: string,
  path: string,
  fields: Record<string, string | undefined>,
): Promise<FunctionAnswer> {
  const form = new URLSearchParams(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : {} };
}

/** A request's real start and end (performance.now ms); one still open has no end. */
export interface TimedRequest {
  startedAt: number;
  endedAt?: number;
}

/**
 * How many round trips one after another the requests took: the longest chain in which each
 * request started after the previous one had ended. Requests that overlap count as parallel.
 */
export function sequentialDepth(requests: readonly TimedRequest[]): number {
  const ended = requests
    .filter((r): r is Required<TimedRequest> => r.endedAt !== undefined)
    .sort((a, b) => a.endedAt - b.endedAt);
  const depth: number[] = [];
  ended.forEach((request, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (ended[j].endedAt <= request.startedAt) before = Math.max(before, depth[j]);
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

/** Every insight event the bridge recorded, from the simulator's Sync state. */
export function insightEvents(world: World): { key: string; data: InsightEvent; map: string }[] {
  return currentObjects(INSIGHT_MAPS).flatMap((map) =>
    world.sync
      .mapItems(world.syncServiceSid, map)
      .map((item) => ({ key: item.key, data: item.data as unknown as InsightEvent, map })),
  );
}
