// A seeded fuzzer for every Function: the Twilio-signed webhook, the HMAC-signed OpenCX webhook and
// the Flex-token admin Functions. The same seed sends the same requests, so a finding reproduces.
//
// Each case says what it expects:
// - `refused`: unsigned, forged, tampered, stale or unauthenticated. It must get a 4xx refusal and
//   change nothing (no Twilio write, no OpenCX call).
// - `ignored`: correctly signed or authenticated, but malformed or meaningless. It must get an
//   answer below 500, and the Functions must log it.
// - `transient`: a well-formed signed event while a dependency (every Sync call) answers 503. The
//   only 5xx the Functions may answer is the deliberate "retry me" one, and only here: 503 with
//   `{"outcome":"failed"}` from the two webhooks, whose senders (Conversations, OpenCX) retry it.
// A request left without an answer (connection reset, runtime down) is a crash.
import twilio from 'twilio';
import { CONVERSATION_EVENTS, TASKROUTER_EVENTS } from '../../functions/bridge/events';
import { OPENCX_WEBHOOK_REFUSED_DOCUMENT } from '../../functions/common/config';
import { signOpencxPayload } from '../../functions/common/opencx-signature';
import { writesSyncDocument } from '../simulators/twilio/simulator';
import { AI_RESPONSE_EVENT, HANDOFF_EVENT } from '../simulators/opencx/webhooks';
import type { World } from './world';
import { SeededRandom } from '../reliability/seeded-random';

export type FuzzEndpoint = 'webhook' | 'opencx-webhook' | 'admin' | 'agent';
export type FuzzExpectation = 'refused' | 'ignored' | 'transient';

export interface FuzzCase {
  index: number;
  endpoint: FuzzEndpoint;
  /** What was done to the request, e.g. `forged signature` or `TaskAttributes: unicode`. */
  kind: string;
  expectation: FuzzExpectation;
  path: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzExchange {
  fuzzCase: FuzzCase;
  /** null when the request got no answer. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  error?: string;
  /**
   * Twilio REST writes (anything but a GET, an IAM token check, or the setup check's note of a
   * refused OpenCX delivery, throttled in production) and OpenCX calls the request caused.
   */
  twilioWrites: string[];
  opencxCalls: number;
  /** Requests to Twilio the real API would refuse (the simulator checks each against Twilio's OpenAPI specs). */
  violations: string[];
  /** The Functions' JSON log lines printed while the request was served. */
  logs: Record<string, unknown>[];
}

export interface FuzzReport {
  seed: number;
  exchanges: FuzzExchange[];
  /** One line per broken rule, naming the case; empty when the Functions held. */
  findings: string[];
  /** Cases per expectation. */
  counts: Record<FuzzExpectation, number>;
}

/** The reliability run's seeded generator, with what the fuzzer draws. */
export class Rng extends SeededRandom {
  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  hex(length: number): string {
    return Array.from({ length }, () => '0123456789abcdef'[this.below(16)]).join('');
  }

  sid(prefix: string): string {
    return prefix + this.hex(32);
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }

  base64(bytes: number): string {
    return Buffer.from(Array.from({ length: bytes }, () => this.below(256))).toString('base64');
  }

  /** An odd value: unicode, control characters, lone surrogates, markup, numbers as text, huge. */
  weirdValue(): { name: string; value: string } {
    const values: [string, () => string][] = [
      ['empty', () => ''],
      ['whitespace', () => ' \t\n '],
      ['unicode', () => 'Ünïcødé ✓ 中文 עברית 🤖👩🏽‍💻'],
      ['control characters', () => 'a\u0000b\u0007c\u001b[31m\r\n'],
      ['lone surrogate', () => 'x\ud800y\udfffz'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax a customer may type, sent as text
      ['markup', () => '<script>alert(1)</script>{{7*7}}${7*7}'],
      ['json', () => '{"handedOff":true,"__proto__":{"polluted":1}}'],
      ['number', () => String(this.pick([0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2]))],
      ['boolean word', () => this.pick(['true', 'false', 'null', 'undefined', 'NaN'])],
      ['huge', () => 'x'.repeat(60_000 + this.below(20_000))],
      ['random sid', () => this.sid(this.pick(['WT', 'WR', 'WK', 'CH', 'IM', 'WS', 'IS', 'EV', 'XX']))],
    ];
    const [name, make] = this.pick(values);
    return { name, value: make() };
  }
}

/** What the fuzzer knows about the contact center it attacks. */
export interface FuzzFacts {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  workspaceSid: string;
  timerWorkspaceSid: string;
  conversationsServiceSid: string;
  aiWorkerSid: string;
  humanWorkerSid: string;
  opencxWebhookSecret: string;
  /** `worker`: an agent's, naming their worker (what the agent Functions check the task against). */
  tokens: { admin: string; agent: string; worker: string; expired: string };
  /** Real deliveries Twilio made, to replay with their original signature. */
  twilioReplays: Record<string, string>[];
  /** Real deliveries OpenCX made, to replay with their original headers. */
  opencxReplays: { headers: Record<string, string>; rawBody: string }[];
  nowSeconds: () => number;
}

const FORM = 'application/x-www-form-urlencoded';
const ADMIN_PATHS = ['/admin/settings-load', '/admin/settings-save', '/admin/setup-check', '/admin/setup-apply'];
/** Admin Functions that change nothing, where an admin token may meet fuzzed fields. */
const READ_ONLY_ADMIN_PATHS = ['/admin/settings-load', '/admin/setup-check'];

/** A customer's message in a conversation nobody knows. */
function conversationEventParams(rng: Rng, facts: FuzzFacts, type: string): Record<string, string> {
  return {
    EventType: type,
    AccountSid: facts.accountSid,
    ChatServiceSid: facts.conversationsServiceSid,
    ConversationSid: rng.sid('CH'),
    MessageSid: rng.sid('IM'),
    Body: 'hello',
    Author: 'customer-fuzz',
    Source: 'SDK',
    DateCreated: new Date(facts.nowSeconds() * 1000).toISOString(),
    RetryCount: '0',
  };
}

function twilioEventParams(rng: Rng, facts: FuzzFacts): Record<string, string> {
  const type = rng.pick([...TASKROUTER_EVENTS, ...CONVERSATION_EVENTS, 'worker.activity.update', 'onMessageUpdated']);
  if (type.startsWith('on')) return conversationEventParams(rng, facts, type);
  const timer = rng.chance(0.15);
  return {
    EventType: type,
    Sid: rng.sid('EV'),
    AccountSid: facts.accountSid,
    WorkspaceSid: timer ? facts.timerWorkspaceSid : facts.workspaceSid,
    TaskSid: rng.sid('WT'),
    TaskAttributes: JSON.stringify(
      timer
        ? { opencxTimer: true, conversationSid: rng.sid('CH'), messageSid: rng.sid('IM') }
        : { channelType: 'web', conversationSid: rng.sid('CH'), flexInteractionSid: rng.sid('KD') },
    ),
    TaskAssignmentStatus: rng.pick(['pending', 'reserved', 'assigned', 'canceled']),
    ReservationSid: rng.sid('WR'),
    WorkerSid: rng.pick([facts.aiWorkerSid, facts.humanWorkerSid, rng.sid('WK')]),
    WorkerName: 'fuzz',
    TaskCanceledReason: 'Task TTL Exceeded',
  };
}

/** Missing, extra, mistyped and odd fields, and broken TaskAttributes. */
function mangleParams(rng: Rng, params: Record<string, string>): { params: Record<string, string>; what: string } {
  const next = { ...params };
  const keys = Object.keys(next);
  switch (rng.below(5)) {
    case 0: {
      const key = rng.pick(keys);
      delete next[key];
      return { params: next, what: `missing ${key}` };
    }
    case 1: {
      const weird = rng.weirdValue();
      next[`Extra${rng.below(1000)}`] = weird.value;
      next.__proto__x = 'x';
      return { params: next, what: `extra fields (${weird.name})` };
    }
    case 2: {
      const key = rng.pick(keys);
      const weird = rng.weirdValue();
      next[key] = weird.value;
      return { params: next, what: `${key}: ${weird.name}` };
    }
    case 3: {
      const broken = rng.pick([
        '{not json',
        '[1,2]',
        '"text"',
        'null',
        '{"conversationSid":42,"handedOff":"yes"}',
        `{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`,
      ]);
      next[next.Attributes !== undefined ? 'Attributes' : 'TaskAttributes'] = broken;
      return { params: next, what: 'attributes malformed' };
    }
    default:
      return { params: next, what: 'nonsensical but well-formed' };
  }
}

/** A POST to one of the two webhooks, at its own path. */
function webhookCase(
  fields: Omit<FuzzCase, 'path' | 'method' | 'endpoint'> & { endpoint: 'webhook' | 'opencx-webhook' },
): FuzzCase {
  return { ...fields, path: `/${fields.endpoint}`, method: 'POST' };
}

/** A case's request to the webhook at hand: what was done to it, what it expects, the body and its headers. */
type WebhookPost = (
  kind: string,
  expectation: FuzzExpectation,
  body: string,
  headers: Record<string, string>,
) => FuzzCase;

function twilioCase(rng: Rng, facts: FuzzFacts, index: number): FuzzCase {
  const url = `${facts.baseUrl}/webhook`;
  const sign = (params: Record<string, string>, token = facts.authToken, signedUrl = url) =>
    twilio.getExpectedTwilioSignature(token, signedUrl, params);
  const post: WebhookPost = (kind, expectation, body, headers) =>
    webhookCase({ index, endpoint: 'webhook', kind, expectation, headers, body });
  const replay = facts.twilioReplays.length > 0 && rng.chance(0.1) ? rng.pick(facts.twilioReplays) : undefined;
  if (replay)
    return post('replay of a real delivery', 'ignored', new URLSearchParams(replay).toString(), {
      'Content-Type': FORM,
      'X-Twilio-Signature': sign(replay),
    });
  const { params, what } = rng.chance(0.7)
    ? mangleParams(rng, twilioEventParams(rng, facts))
    : { params: twilioEventParams(rng, facts), what: 'well-formed' };
  const body = new URLSearchParams(params).toString();
  switch (rng.below(14)) {
    case 0:
      return post(`${what}, unsigned`, 'refused', body, { 'Content-Type': FORM });
    case 1:
      return post(`${what}, forged signature`, 'refused', body, {
        'Content-Type': FORM,
        'X-Twilio-Signature': rng.base64(20),
      });
    case 2:
      return post(`${what}, signed with another auth token`, 'refused', body, {
        'Content-Type': FORM,
        'X-Twilio-Signature': sign(params, 'f'.repeat(32)),
      });
    case 3:
      return post(`${what}, signed for another URL`, 'refused', body, {
        'Content-Type': FORM,
        'X-Twilio-Signature': sign(params, facts.authToken, 'https://example.com/webhook'),
      });
    case 4: {
      const cut = body.slice(0, 1 + rng.below(Math.max(1, body.length - 1)));
      return post(`${what}, body truncated after signing`, 'refused', cut, {
        'Content-Type': FORM,
        'X-Twilio-Signature': sign(params),
      });
    }
    case 5:
      return post(
        `${what}, tampered after signing`,
        'refused',
        new URLSearchParams({ ...params, EventType: 'task.canceled', Extra: 'x' }).toString(),
        {
          'Content-Type': FORM,
          'X-Twilio-Signature': sign(params),
        },
      );
    case 6: {
      const contentType = rng.pick([
        'application/json',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
      ]);
      const wrongBody = contentType === 'application/json' ? JSON.stringify(params) : body;
      return post(`${what}, sent as ${contentType}, unsigned`, 'refused', wrongBody, {
        'Content-Type': contentType,
        'X-Twilio-Signature': rng.pick(['', 'sha1=abc', 'x'.repeat(5000)]),
      });
    }
    case 7:
      return post(
        `${what}, oversized (${Math.round(1.2 + rng.below(3))} MB), unsigned`,
        'refused',
        `${body}&Pad=${'p'.repeat(1_200_000 + rng.below(2_000_000))}`,
        { 'Content-Type': FORM },
      );
    default:
      return post(`${what}, signed`, 'ignored', body, { 'Content-Type': FORM, 'X-Twilio-Signature': sign(params) });
  }
}

function opencxEnvelope(rng: Rng, facts: FuzzFacts): Record<string, unknown> {
  const event = rng.pick([AI_RESPONSE_EVENT, HANDOFF_EVENT, 'conversation.closed', 'contact.created']);
  const data: Record<string, unknown> = {
    conversation_id: rng.chance(0.8) ? rng.uuid() : rng.weirdValue().value,
    timestamp: new Date(facts.nowSeconds() * 1000).toISOString(),
    message: { id: rng.uuid(), content: 'Fuzzed answer', type: 'text' },
    summary: 'fuzz',
    user_sentiment: 'neutral',
    reason: 'ai_decided_to_handoff_the_conversation',
  };
  return { event, organization_id: rng.uuid(), data: rng.chance(0.2) ? [data] : data };
}

function mangleEnvelope(rng: Rng, envelope: Record<string, unknown>): { envelope: unknown; what: string } {
  const weird = rng.weirdValue();
  switch (rng.below(6)) {
    case 0:
      return {
        envelope: { ...envelope, data: rng.pick([null, 'text', 42, [], [null], { message: 'not an object' }]) },
        what: 'data of the wrong type',
      };
    case 1:
      return {
        envelope: { ...envelope, event: rng.pick([42, null, ['a'], weird.value]) },
        what: 'event of the wrong type',
      };
    case 2: {
      const { data: _data, ...rest } = envelope;
      return { envelope: rest, what: 'missing data' };
    }
    case 3:
      return { envelope: rng.pick([[], 'text', 42, null, [envelope]]), what: 'not an object' };
    case 4:
      return {
        envelope: {
          ...envelope,
          extra: weird.value,
          data: { ...(envelope.data as object), message: { id: weird.value, content: weird.value } },
        },
        what: `odd values (${weird.name})`,
      };
    default:
      return { envelope, what: 'nonsensical but well-formed' };
  }
}

function opencxCase(rng: Rng, facts: FuzzFacts, index: number): FuzzCase {
  const post: WebhookPost = (kind, expectation, body, headers) =>
    webhookCase({
      index,
      endpoint: 'opencx-webhook',
      kind,
      expectation,
      headers: { 'Content-Type': 'application/json', 'X-OpenCX-Delivery': rng.uuid(), ...headers },
      body,
    });
  const replay = facts.opencxReplays.length > 0 && rng.chance(0.1) ? rng.pick(facts.opencxReplays) : undefined;
  // Byte for byte: OpenCX's own headers, signature and delivery id included.
  if (replay) return { ...post('replay of a real delivery', 'ignored', replay.rawBody, {}), headers: replay.headers };
  const { envelope, what } = rng.chance(0.7)
    ? mangleEnvelope(rng, opencxEnvelope(rng, facts))
    : { envelope: opencxEnvelope(rng, facts), what: 'well-formed' };
  const body = JSON.stringify(envelope);
  const now = facts.nowSeconds();
  const signed = (secret: string, at: number, rawBody = body) => ({
    'X-OpenCX-Signature': signOpencxPayload(secret, rawBody, at),
    'X-OpenCX-Timestamp': String(at),
  });
  switch (rng.below(14)) {
    case 0:
      return post(`${what}, unsigned`, 'refused', body, {});
    case 1:
      return post(`${what}, signature without timestamp`, 'refused', body, {
        'X-OpenCX-Signature': signed(facts.opencxWebhookSecret, now)['X-OpenCX-Signature'],
      });
    case 2:
      return post(`${what}, forged signature`, 'refused', body, {
        'X-OpenCX-Signature': `sha256=${rng.hex(64)}`,
        'X-OpenCX-Timestamp': String(now),
      });
    case 3:
      return post(`${what}, signed with another secret`, 'refused', body, signed('whsec_not_the_saved_one', now));
    case 4:
      return post(
        `${what}, stale (signed ${10 + rng.below(1000)} minutes ago)`,
        'refused',
        body,
        signed(facts.opencxWebhookSecret, now - 600 - rng.below(60_000)),
      );
    case 5: {
      const timestamp = rng.pick(['abc', '-5', '1e9', '0x1f', String(now) + '000000', `${now}.5`]);
      return post(`${what}, malformed timestamp`, 'refused', body, {
        'X-OpenCX-Signature': signOpencxPayload(facts.opencxWebhookSecret, body, Number(timestamp) || 0),
        'X-OpenCX-Timestamp': timestamp,
      });
    }
    case 6:
      return post(
        `${what}, tampered after signing`,
        'refused',
        JSON.stringify({ ...(envelope as object), tampered: true }),
        signed(facts.opencxWebhookSecret, now),
      );
    case 7: {
      const cut = body.slice(0, Math.max(1, rng.below(body.length)));
      return post(`${what}, body truncated after signing`, 'refused', cut, signed(facts.opencxWebhookSecret, now));
    }
    case 8:
      return post(`${what}, as text/plain, signed`, 'refused', body, {
        ...signed(facts.opencxWebhookSecret, now),
        'Content-Type': 'text/plain',
      });
    default:
      return post(`${what}, signed`, 'ignored', body, signed(facts.opencxWebhookSecret, now));
  }
}

function adminCase(rng: Rng, facts: FuzzFacts, index: number): FuzzCase {
  const weird = rng.weirdValue();
  const token = rng.pick([
    { kind: 'no token', value: undefined, refused: true },
    { kind: 'empty token', value: '  ', refused: true },
    {
      kind: 'forged token',
      value: Array.from({ length: 5 }, () => Buffer.from(rng.base64(24), 'base64').toString('base64url')).join('.'),
      refused: true,
    },
    {
      kind: 'odd token',
      value: weird.value.length > 0 && weird.value.trim() ? weird.value.slice(0, 2000) : 'x',
      refused: true,
    },
    { kind: 'expired token', value: facts.tokens.expired, refused: true },
    { kind: 'agent token', value: facts.tokens.agent, refused: true },
    { kind: 'admin token', value: facts.tokens.admin, refused: false },
    { kind: 'admin token', value: facts.tokens.admin, refused: false },
  ]);
  const path = token.refused ? rng.pick(ADMIN_PATHS) : rng.pick(READ_ONLY_ADMIN_PATHS);
  const fields: Record<string, string> = { ...(token.value === undefined ? {} : { Token: token.value }) };
  if (rng.chance(0.6))
    fields[
      rng.pick([
        'workspaceSid',
        'opencxToken',
        'aiAuthorName',
        'humanQueueSid',
        'customerHandoffNoteTranslations',
        'customerHandbackNoteTranslations',
        `extra${rng.below(99)}`,
      ])
    ] = weird.value;
  const asJson = rng.chance(0.2);
  const oversized = rng.chance(0.05);
  const body = asJson
    ? JSON.stringify(fields)
    : new URLSearchParams(oversized ? { ...fields, pad: 'p'.repeat(1_500_000) } : fields).toString();
  return {
    index,
    endpoint: 'admin',
    kind:
      `${path.slice(7)}: ${token.kind}${asJson ? ', as JSON' : ''}${oversized ? ', oversized' : ''}` +
      `${Object.keys(fields).length > 1 ? `, a field ${weird.name}` : ''}`,
    expectation: token.refused ? 'refused' : 'ignored',
    path,
    method: 'POST',
    headers: { 'Content-Type': asJson ? 'application/json' : FORM },
    body,
  };
}

/** The Functions agents and supervisors call from Flex. */
const AGENT_PATHS = ['/agent/handback', '/agent/handoff-verdict', '/supervisor/insights'];

/**
 * A Function agents call, with a token of each kind and fuzzed fields. An agent's own token on a task
 * nobody holds gets a clear 4xx; on the supervisors' insights (not their role) it is refused too.
 */
function agentCase(rng: Rng, facts: FuzzFacts, index: number): FuzzCase {
  const weird = rng.weirdValue();
  const path = rng.pick(AGENT_PATHS);
  const token = rng.pick([
    { kind: 'no token', value: undefined, refused: true },
    { kind: 'forged token', value: `${rng.base64(30)}.${rng.base64(60)}.${rng.base64(30)}`, refused: true },
    { kind: 'expired token', value: facts.tokens.expired, refused: true },
    { kind: "an agent's token", value: facts.tokens.worker, refused: path === '/supervisor/insights' },
    { kind: "an agent's token", value: facts.tokens.worker, refused: path === '/supervisor/insights' },
  ]);
  const fields: Record<string, string> = {
    ...(token.value === undefined ? {} : { Token: token.value }),
    taskSid: rng.chance(0.5) ? rng.sid('WT') : weird.value,
  };
  const field = rng.pick(['instruction', 'needed', 'summaryRight', 'comment', 'period', 'wrapupOnly', 'taskSid']);
  if (rng.chance(0.7)) fields[field] = rng.weirdValue().value;
  const asJson = rng.chance(0.2);
  return {
    index,
    endpoint: 'agent',
    kind: `${path.slice(1)}: ${token.kind}${asJson ? ', as JSON' : ''}, ${field} odd`,
    expectation: token.refused ? 'refused' : 'ignored',
    path,
    method: 'POST',
    headers: { 'Content-Type': asJson ? 'application/json' : FORM },
    body: asJson ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  };
}

/** A well-formed signed event that needs our config, sent while Sync answers 503. */
function transientCase(rng: Rng, facts: FuzzFacts, index: number): FuzzCase {
  if (rng.chance(0.5)) {
    const params = conversationEventParams(rng, facts, 'onMessageAdded');
    const signature = twilio.getExpectedTwilioSignature(facts.authToken, `${facts.baseUrl}/webhook`, params);
    return webhookCase({
      index,
      endpoint: 'webhook',
      kind: 'Sync down',
      expectation: 'transient',
      headers: { 'Content-Type': FORM, 'X-Twilio-Signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }
  const body = JSON.stringify(opencxEnvelope(rng, facts));
  const now = facts.nowSeconds();
  return webhookCase({
    index,
    endpoint: 'opencx-webhook',
    kind: 'Sync down',
    expectation: 'transient',
    headers: {
      'Content-Type': 'application/json',
      'X-OpenCX-Signature': signOpencxPayload(facts.opencxWebhookSecret, body, now),
      'X-OpenCX-Timestamp': String(now),
    },
    body,
  });
}

/** The cases for `seed`: a mix over the endpoints, about one in twenty-five under a Sync outage. */
export function generateCases(seed: number, count: number, facts: FuzzFacts): FuzzCase[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, index) => {
    const roll = rng.next();
    if (roll < 0.04) return transientCase(rng, facts, index);
    if (roll < 0.45) return twilioCase(rng, facts, index);
    if (roll < 0.75) return opencxCase(rng, facts, index);
    if (roll < 0.9) return adminCase(rng, facts, index);
    return agentCase(rng, facts, index);
  });
}

/**
 * The Functions answer JSON with `outcome` or `ok`; anything
 * else came from the runtime (e.g. a body it would not parse).
 */
export function answeredByFunction(exchange: Pick<FuzzExchange, 'body'>): boolean {
  try {
    const body = JSON.parse(exchange.body) as Record<string, unknown>;
    return typeof body === 'object' && body !== null && ('outcome' in body || 'ok' in body);
  } catch {
    return false;
  }
}

function isRetryMe(exchange: FuzzExchange): boolean {
  if (exchange.status !== 503 || exchange.fuzzCase.endpoint === 'admin' || exchange.fuzzCase.endpoint === 'agent')
    return false;
  try {
    return (JSON.parse(exchange.body) as { outcome?: unknown }).outcome === 'failed';
  } catch {
    return false;
  }
}

/** What `exchange` did wrong, as one line per broken rule. */
export function judge(exchange: FuzzExchange): string[] {
  const { fuzzCase, status } = exchange;
  const name = `#${fuzzCase.index} ${fuzzCase.endpoint} (${fuzzCase.kind})`;
  if (status === null) return [`${name}: crash, no answer (${exchange.error ?? 'unknown'})`];
  const findings: string[] = [];
  if (status >= 500 && !(fuzzCase.expectation === 'transient' && isRetryMe(exchange)))
    findings.push(`${name}: unhandled ${status}: ${exchange.body.slice(0, 200)}`);
  if (fuzzCase.expectation === 'refused') {
    if (status < 400 || status >= 500) findings.push(`${name}: not refused, answered ${status}`);
    if (exchange.twilioWrites.length > 0)
      findings.push(`${name}: refused request wrote to Twilio: ${exchange.twilioWrites.join(', ')}`);
    if (exchange.opencxCalls > 0) findings.push(`${name}: refused request called OpenCX`);
  }
  for (const violation of exchange.violations)
    findings.push(`${name}: sent Twilio a request the real API refuses: ${violation}`);
  if (answeredByFunction(exchange) && exchange.logs.length === 0)
    findings.push(`${name}: answered ${status} without a log line`);
  return findings;
}

/** The run in one line, for the reliability command's output. */
export function summary(report: FuzzReport): string {
  const refusals = report.exchanges.filter((e) => e.fuzzCase.expectation === 'refused');
  const refused = refusals.filter((e) => e.status !== null && e.status >= 400 && e.status < 500).length;
  const crashes = report.exchanges.filter((e) => e.status === null).length;
  const fiveHundreds = report.exchanges.filter((e) => e.status !== null && e.status >= 500).length;
  const retryMe = report.exchanges.filter((e) => e.fuzzCase.expectation === 'transient' && isRetryMe(e)).length;
  const share = refusals.length ? ((100 * refused) / refusals.length).toFixed(1) : '100.0';
  return (
    `fuzz seed ${report.seed}: ${report.exchanges.length} requests, ` +
    `${refused}/${refusals.length} forged or unsigned refused (${share} %), ` +
    `${crashes} crashes, ${fiveHundreds - retryMe} unhandled 5xx (${retryMe} deliberate 503 under a Sync outage), ` +
    `${report.findings.length} findings`
  );
}

export interface FuzzOptions {
  seed: number;
  iterations: number;
  /** Real deliveries to replay; the fuzzer takes them from the world's simulators when omitted. */
  facts?: Partial<FuzzFacts>;
}

/** The contact center's facts, with fresh Flex tokens of each kind. */
export function factsOf(world: World, opencxWebhookSecret: string): FuzzFacts {
  return {
    baseUrl: world.functions!.url,
    accountSid: world.twilio.accountSid,
    authToken: world.twilio.authToken,
    workspaceSid: world.workspaceSid,
    timerWorkspaceSid: world.timerWorkspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    aiWorkerSid: world.aiWorkerSid,
    humanWorkerSid: world.humanWorkerSid,
    opencxWebhookSecret,
    tokens: {
      admin: world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] }),
      agent: world.iam.issueToken({ identity: 'agent@example.com', roles: ['agent', 'supervisor'] }),
      worker: world.iam.issueToken({
        identity: 'alice@example.com',
        roles: ['agent'],
        workerSid: world.humanWorkerSid,
      }),
      expired: world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'], expiresInSeconds: -60 }),
    },
    twilioReplays: world.twilio.webhooks
      .filter((d) => d.url === `${world.functions!.url}/webhook`)
      .map((d) => d.params),
    opencxReplays: world.opencx.webhookDeliveries.flatMap((d) =>
      d.attempts[0] ? [{ headers: d.attempts[0].headers, rawBody: d.rawBody }] : [],
    ),
    nowSeconds: () => Math.floor(Date.now() / 1000),
  };
}

/** Every Sync call answers 503, past the Functions' retries. */
const SYNC_OUTAGE = { product: 'sync', status: 503 };

/**
 * Sends `iterations` seeded cases to the Functions of `world`, one after another, and judges each.
 * Sync is down for the `transient` cases only. The world's config must be saved with
 * `opencxWebhookSecret` (the fuzzer signs with it).
 */
export async function fuzzFunctions(
  world: World,
  opencxWebhookSecret: string,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const facts = { ...factsOf(world, opencxWebhookSecret), ...options.facts };
  const cases = generateCases(options.seed, options.iterations, facts);
  const exchanges: FuzzExchange[] = [];
  world.takeLogs();
  for (const fuzzCase of cases) {
    const twilioBefore = world.twilio.requests.length;
    const opencxBefore = world.opencx.requests.length;
    const violationsBefore = world.twilio.violations.length;
    if (fuzzCase.expectation === 'transient') world.twilio.addFault(SYNC_OUTAGE);
    const answer = await send(facts.baseUrl, fuzzCase);
    world.twilio.clearFaults();
    await world.settle();
    // Every answer of a Function, refusals too, must log a line (`judge`): waited for as long as it takes,
    // so a line that comes late is not taken for the next case's.
    const logs = answeredByFunction(answer) ? await logsOfOneRequest(world, 30000) : world.takeLogs();
    exchanges.push({
      fuzzCase,
      ...answer,
      twilioWrites: world.twilio.requests
        .slice(twilioBefore)
        .filter(
          (r) => r.method !== 'GET' && r.product !== 'iam' && !writesSyncDocument(r, OPENCX_WEBHOOK_REFUSED_DOCUMENT),
        )
        .map((r) => `${r.method} ${r.product} ${r.template ?? r.path}`),
      opencxCalls: world.opencx.requests.length - opencxBefore,
      violations: world.twilio.violations
        .slice(violationsBefore)
        .map((v) => `${v.method} ${v.path}: ${v.problems.join('; ')}`),
      logs,
    });
  }
  const counts = { refused: 0, ignored: 0, transient: 0 };
  for (const fuzzCase of cases) counts[fuzzCase.expectation] += 1;
  return { seed: options.seed, exchanges, findings: exchanges.flatMap(judge), counts };
}

async function send(
  baseUrl: string,
  fuzzCase: FuzzCase,
): Promise<Pick<FuzzExchange, 'status' | 'headers' | 'body' | 'error'>> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('no answer within 30 s')), 30000);
  try {
    const response = await fetch(`${baseUrl}${fuzzCase.path}`, {
      method: fuzzCase.method,
      headers: fuzzCase.headers,
      body: fuzzCase.body,
      signal: timeout.signal,
    });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  } catch (error) {
    return { status: null, headers: {}, body: '', error: String((error as Error).cause ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The log lines of the request just answered. A Function logs as it answers, and its line comes
 * through twilio-run's output a moment after the answer: wait (bounded) for one.
 */
async function logsOfOneRequest(world: World, waitMs: number): Promise<Record<string, unknown>[]> {
  const logs: Record<string, unknown>[] = [];
  const deadline = Date.now() + waitMs;
  while (logs.length === 0 && Date.now() < deadline) {
    logs.push(...world.takeLogs());
    if (logs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return logs;
}
