/**
 * OpenCX API simulator: a real HTTP server on 127.0.0.1 implementing the contract in
 * docs/opencx-api.md, with a scriptable AI (including its latency), signed outgoing webhooks,
 * rate limiting and fault injection, all timed by an injectable clock.
 * Point the product at it with `OPENCX_API_URL=<simulator.url>`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, parseJsonOr, readBody, redactHeaders, sendJson } from '../http';
import { type OpenCxClock, realTimeClock } from './clock';
import { type FaultControls, FaultInjector, type FaultRule } from './faults';
import type { Attachment, HistoryEvent, HistoryItem, RecordedRequest, SimContact, SimSession } from './opencx-types';
import { Progress } from './progress';
import { SlidingWindowRateLimiter } from './rate-limiter';
import { type AiDecision, ScriptedAi } from './scripted-ai';
import { DEFAULT_SWITCHES, type OpenCxSwitches } from './switches';
import {
  type AgentInput,
  type ContactInput,
  errorBody,
  HttpError,
  isOneOf,
  type JsonObject,
  type MessageInput,
  optionalAgent,
  optionalBoolean,
  optionalChannel,
  optionalContact,
  optionalNullableBoolean,
  optionalSessionCustomData,
  optionalUuid,
  requireObjectBody,
  requireStatus,
  requireTextMessage,
} from './validation';
import {
  aiResponseEvent,
  handoffEvent,
  type OpencxWebhookConfig,
  type OpencxWebhookEvent,
  type WebhookDelivery,
  type WebhookFaultControls,
  WebhookSender,
} from './webhooks';

export * from './opencx-types';
export * from './scripted-ai';
export * from './webhooks';
export * from './switches';
export * from './clock';
export type { FaultRule, FaultControls } from './faults';

export const DEFAULT_API_KEY = 'ocx_live_simulator_key';
export const DEFAULT_ORG_ID = '0b6c3a56-5d0e-4c4e-9a51-6f1f3f0c2a11';
export const DEFAULT_ORG_NAME = 'Simulated OpenCX Org';
/** The author name OpenCX gives AI messages; reps must be able to tell it from the customer. */
export const AI_AUTHOR_NAME = 'AI Support Agent';

export interface OpenCxSimulatorOptions {
  apiKeys?: string[];
  orgId?: string;
  orgName?: string;
  /** Requests per sliding minute per key; default 100 (OpenCX standard endpoints). */
  rateLimitPerMinute?: number;
  /** Time for timestamps, the rate limit, AI latency, fault latency and webhook retries; default real time. */
  clock?: OpenCxClock;
  /**
   * The time (ms) webhook signatures carry; default `clock`. A receiver refuses a delivery signed
   * more than 5 minutes from its own now, so a harness whose receiver keeps real time while the
   * virtual clock runs ahead passes real time here.
   */
  signingTime?: () => number;
  /** Answer `send` without the `data` wrapper, like older OpenCX deployments. */
  legacyUnwrappedResponses?: boolean;
  /** History page size; default 20. */
  historyPageSize?: number;
  switches?: Partial<OpenCxSwitches>;
  /** Where OpenCX sends its webhooks; none when omitted (see `configureWebhook`). */
  webhooks?: OpencxWebhookConfig;
}

interface ApiRequest {
  params: string[];
  query: Record<string, string>;
  body: unknown;
}

interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Events the work behind this answer emits as webhooks. */
  webhooks?: OpencxWebhookEvent[];
}

/** An answer that takes `latencyMs` of simulated time to produce. */
interface PendingAnswer {
  latencyMs: number;
  produce: () => ApiResponse;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (request: ApiRequest) => ApiResponse | PendingAnswer;
}

/** A request whose answer waits on the clock. */
interface Hold {
  connected: boolean;
  release: (due: boolean) => void;
}

type SendData = JsonObject;

export class OpenCxSimulator {
  readonly requests: RecordedRequest[] = [];
  sessions = new Map<string, SimSession>();
  contacts = new Map<string, SimContact>();
  readonly ai = new ScriptedAi();
  legacyUnwrappedResponses: boolean;

  private readonly faultInjector = new FaultInjector();
  readonly faults: FaultControls = this.faultInjector;
  readonly clock: OpenCxClock;
  readonly switches: OpenCxSwitches;

  private readonly apiKeys: Set<string>;
  private readonly orgId: string;
  private readonly orgName: string;
  /** Items per history page; a test may shorten it to make a long history. */
  historyPageSize: number;
  private readonly rateLimiter: SlidingWindowRateLimiter;
  private readonly options: OpenCxSimulatorOptions;
  private readonly progress = new Progress();
  private readonly webhooks: WebhookSender;
  private readonly holds = new Set<Hold>();
  private server: Server | undefined;
  private baseUrl: string | undefined;

  private readonly routes: Route[] = [
    { method: 'GET', pattern: /^\/org$/, handle: () => this.getOrg() },
    { method: 'POST', pattern: /^\/chat\/sessions$/, handle: (r) => this.createSession(r.body) },
    { method: 'GET', pattern: /^\/chat\/sessions\/([^/]+)$/, handle: (r) => this.getSession(r.params[0]) },
    { method: 'PATCH', pattern: /^\/chat\/sessions\/([^/]+)$/, handle: (r) => this.updateSession(r.params[0], r.body) },
    {
      method: 'GET',
      pattern: /^\/chat\/sessions\/([^/]+)\/history$/,
      handle: (r) => this.listHistory(r.params[0], r.query.cursor),
    },
    {
      method: 'POST',
      pattern: /^\/chat\/sessions\/([^/]+)\/send$/,
      handle: (r) => this.sendMessage(r.params[0], r.body),
    },
  ];

  constructor(options: OpenCxSimulatorOptions = {}) {
    this.options = options;
    this.apiKeys = new Set(options.apiKeys ?? [DEFAULT_API_KEY]);
    this.orgId = options.orgId ?? DEFAULT_ORG_ID;
    this.orgName = options.orgName ?? DEFAULT_ORG_NAME;
    this.clock = options.clock ?? realTimeClock();
    this.historyPageSize = options.historyPageSize ?? 20;
    this.rateLimiter = new SlidingWindowRateLimiter(
      options.rateLimitPerMinute ?? 100,
      () => this.clock.rateTime?.() ?? this.clock.now(),
    );
    this.legacyUnwrappedResponses = options.legacyUnwrappedResponses ?? false;
    this.switches = defaultSwitches(options);
    this.webhooks = new WebhookSender({
      clock: this.clock,
      signingTime: options.signingTime ?? (() => this.clock.now()),
      progress: this.progress,
      switches: this.switches,
      orgId: this.orgId,
    });
    this.webhooks.config = options.webhooks;
  }

  /** The admin creates a key in OpenCX (Settings → Access). */
  addApiKey(key: string): void {
    this.apiKeys.add(key);
  }

  /** The admin revokes a key: OpenCX answers 401 to it from now on. */
  revokeApiKey(key: string): void {
    this.apiKeys.delete(key);
  }

  get url(): string {
    if (this.baseUrl === undefined) throw new Error('OpenCxSimulator is not started');
    return this.baseUrl;
  }

  async start(): Promise<string> {
    if (this.server) throw new Error('OpenCxSimulator is already started');
    const server = createServer((req, res) => void this.handle(req, res));
    this.baseUrl = await listenOnLoopback(server);
    this.server = server;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    for (const hold of this.holds) hold.release(false);
    this.webhooks.halt();
    await closeServer(server);
  }

  /** Forgets every key's requests in the rate limit's window: one test's traffic does not throttle the next. */
  resetRateLimits(): void {
    this.rateLimiter.reset();
  }

  /** Back to the constructor's state: no sessions, records, faults, script or deliveries. */
  reset(): void {
    this.sessions.clear();
    this.contacts.clear();
    this.requests.length = 0;
    this.rateLimiter.reset();
    this.faultInjector.clear();
    this.ai.reset();
    this.legacyUnwrappedResponses = this.options.legacyUnwrappedResponses ?? false;
    Object.assign(this.switches, defaultSwitches(this.options));
    this.webhooks.reset();
    this.webhooks.config = this.options.webhooks;
  }

  // ---- Webhooks and waiting ------------------------------------------------------------------

  /** Where OpenCX sends its webhooks from now on; undefined stops sending them. */
  configureWebhook(config: OpencxWebhookConfig | undefined): void {
    this.webhooks.config = config;
  }

  /** Every webhook delivery so far, oldest first, with its attempts. */
  get webhookDeliveries(): readonly WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Forged, unsigned or stale signing for the next delivery attempts. */
  get webhookFaults(): WebhookFaultControls {
    return this.webhooks.faults;
  }

  /** Sends a delivery's last attempt again byte for byte, as an attacker replaying it would; resolves to the status. */
  replayWebhook(delivery: WebhookDelivery): Promise<number | null> {
    return this.webhooks.replay(delivery);
  }

  /** Requests whose answer waits on the clock (AI or fault latency) with their client still connected. */
  get heldRequests(): number {
    return [...this.holds].filter((hold) => hold.connected).length;
  }

  /** Requests held on the clock, whether or not their client is still connected. */
  get requestsOnHold(): number {
    return this.holds.size;
  }

  /** Resolves once at least `count` requests are held. */
  whenHeld(count = 1): Promise<void> {
    return this.waitFor(() => this.heldRequests >= count);
  }

  /** Resolves once `condition` holds; re-checked whenever a request or a delivery changes state. */
  waitFor(condition: () => boolean): Promise<void> {
    return this.progress.until(condition);
  }

  /**
   * Resolves once nothing is in progress but work that waits on the clock: every request is answered
   * or held, every delivery attempt answered or its retry scheduled.
   */
  idle(): Promise<void> {
    return this.progress.until(() => this.progress.idle);
  }

  // ---- HTTP plumbing -------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const end = this.progress.begin();
    try {
      await this.serve(req, res);
    } catch (error) {
      this.failUnexpectedly(res, error);
    } finally {
      end();
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const record = this.recordRequest(req, method, url, rawBody);
    let dropped = false;
    const drop = (): void => {
      dropped = true;
      req.socket.destroy();
    };
    res.once('close', () => {
      if (res.writableFinished || dropped) return;
      record.clientDisconnected = true;
      this.progress.changed();
    });

    const fault = this.faultInjector.take(method, url.pathname);
    if (fault?.latencyMs && !(await this.hold(fault.latencyMs, res, record, this.abandonsOnDisconnect))) return;
    if (fault?.drop) return drop();
    if (fault?.status !== undefined) {
      this.respond(res, record, fault.status, errorBody(fault.status, 'Simulated fault'), retryAfterHeader(fault));
      return;
    }

    const response = await this.process(method, url.pathname, req.headers.authorization, rawBody, res, record);
    if (response && this.server) await this.answer(res, record, response, fault, drop);
  }

  /** The API's answer, once produced; undefined when the work was abandoned. */
  private async process(
    method: string,
    path: string,
    authorization: string | undefined,
    rawBody: string,
    res: ServerResponse,
    record: RecordedRequest,
  ): Promise<ApiResponse | undefined> {
    try {
      this.enforceRateLimit(this.authenticate(authorization));
      const result = this.route(method, path, { params: [], query: record.query, body: parseJsonBody(rawBody) });
      if (!('produce' in result)) return result;
      if (result.latencyMs > 0 && !(await this.hold(result.latencyMs, res, record, this.abandonsOnDisconnect)))
        return undefined;
      return result.produce();
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, `Simulator error: ${String(error)}`);
      return { status: httpError.statusCode, body: httpError.toBody(), headers: httpError.headers };
    }
  }

  private get abandonsOnDisconnect(): boolean {
    return !this.switches.processesAfterDisconnect;
  }

  /** Sends the answer (or loses it to an after-processing fault) and fires its webhooks in the switched order. */
  private async answer(
    res: ServerResponse,
    record: RecordedRequest,
    response: ApiResponse,
    fault: FaultRule | undefined,
    drop: () => void,
  ): Promise<void> {
    const send = (): void => {
      if (fault?.after === 'drop') drop();
      else if (fault?.after !== undefined)
        this.respond(res, record, fault.after, errorBody(fault.after, 'Simulated fault'), retryAfterHeader(fault));
      else this.respond(res, record, response.status, response.body, response.headers);
    };
    const webhooks = response.webhooks ?? [];
    if (this.switches.webhookTiming === 'before-response') {
      await this.webhooks.emit(webhooks);
      send();
      return;
    }
    send();
    await whenSent(res);
    if (this.server) void this.webhooks.emit(webhooks);
  }

  /**
   * Holds the request for `ms` of simulated time. Resolves true when the time is up; false when the
   * simulator stops, or when the client leaves and the work is abandoned (`abandonOnDisconnect`, or
   * an answer that would never come).
   */
  private hold(
    ms: number,
    res: ServerResponse,
    record: RecordedRequest,
    abandonOnDisconnect: boolean,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: number | undefined;
      const onClose = (): void => {
        hold.connected = false;
        if (abandonOnDisconnect || ms === Infinity) hold.release(false);
        else this.progress.changed();
      };
      const hold: Hold = {
        connected: true,
        release: (due) => {
          if (!this.holds.delete(hold)) return;
          this.clock.cancel(timer);
          res.off('close', onClose);
          resume();
          resolve(due);
        },
      };
      this.holds.add(hold);
      const resume = this.progress.pause();
      if (ms !== Infinity) timer = this.clock.schedule(ms, () => hold.release(true));
      if (record.clientDisconnected) onClose();
      else res.once('close', onClose);
    });
  }

  private recordRequest(req: IncomingMessage, method: string, url: URL, rawBody: string): RecordedRequest {
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: redactHeaders(req.headers),
      body: bodyForRecord(rawBody),
      status: null,
      clientDisconnected: false,
      time: this.clock.now(),
    };
    this.requests.push(record);
    return record;
  }

  private authenticate(authorization: string | undefined): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new HttpError(401, 'Missing or malformed Authorization header: expected "Bearer <API key>"');
    if (!this.apiKeys.has(match[1])) throw new HttpError(401, 'Invalid API key');
    return match[1];
  }

  private enforceRateLimit(apiKey: string): void {
    const retryAfterSeconds = this.rateLimiter.hit(apiKey);
    if (retryAfterSeconds > 0) {
      throw new HttpError(429, 'ThrottlerException: Too Many Requests', { 'retry-after': String(retryAfterSeconds) });
    }
  }

  private route(method: string, path: string, request: ApiRequest): ApiResponse | PendingAnswer {
    for (const route of this.routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (match) return route.handle({ ...request, params: match.slice(1).map(decodeURIComponent) });
    }
    throw new HttpError(404, `Cannot ${method} ${path}`);
  }

  private respond(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (record.clientDisconnected) return;
    record.status = status;
    sendJson(res, status, body, headers);
  }

  private failUnexpectedly(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, 500, errorBody(500, `Simulator error: ${message}`));
  }

  // ---- Routes --------------------------------------------------------------------------------

  private getOrg(): ApiResponse {
    return { status: 200, body: { id: this.orgId, name: this.orgName, created_at: this.timestamp() } };
  }

  private createSession(rawBody: unknown): ApiResponse {
    const body = requireObjectBody(rawBody, true);
    const contactId = optionalUuid(body, 'contact_id');
    const contactInput = optionalContact(body);
    const channel = optionalChannel(body) ?? { type: 'api' };
    const verified = optionalNullableBoolean(body, 'verified') ?? null;
    const customData = optionalSessionCustomData(body) ?? {};

    const contact = contactId !== undefined ? this.requireContact(contactId) : this.upsertContact(contactInput);
    const created = this.timestamp();
    const session: SimSession = {
      id: randomUUID(),
      status: 'open',
      ai_closure_type: null,
      sentiment: null,
      channel,
      contact,
      verified,
      language: null,
      custom_data: customData,
      handoff: null,
      assignee_id: null,
      handed_off: false,
      messages: [],
      created_at: created,
      updated_at: created,
    };
    this.sessions.set(session.id, session);
    return { status: 201, body: { id: session.id } };
  }

  private getSession(sessionId: string): ApiResponse {
    return { status: 200, body: toWireSession(this.requireSession(sessionId)) };
  }

  private updateSession(sessionId: string, rawBody: unknown): ApiResponse {
    const session = this.requireSession(sessionId);
    const body = requireObjectBody(rawBody, false);
    const status = requireStatus(body);
    const summarize = optionalBoolean(body, 'generate_summary_and_sentiment_on_resolve') ?? false;
    optionalBoolean(body, 'reflect_status_change_for_integration');

    session.status = status;
    if (status !== 'open' && summarize && session.sentiment === null) session.sentiment = 'neutral';
    this.touch(session);
    return { status: 200 };
  }

  private listHistory(sessionId: string, cursor: string | undefined): ApiResponse {
    const session = this.requireSession(sessionId);
    const start = decodeCursor(cursor, session.messages.length);
    const end = start + this.historyPageSize;
    const next = end < session.messages.length ? encodeCursor(end) : null;
    return { status: 200, body: { items: session.messages.slice(start, end), next } };
  }

  private sendMessage(sessionId: string, rawBody: unknown): ApiResponse | PendingAnswer {
    const session = this.requireSession(sessionId);
    const body = requireObjectBody(rawBody, false);
    const sender = body.sender;
    if (!isOneOf(['contact', 'agent'] as const, sender)) {
      throw new HttpError(400, 'sender must be one of the following values: contact, agent');
    }
    const message = requireTextMessage(body);
    const contactInput = optionalContact(body);
    const customData = optionalSessionCustomData(body);
    const agent = optionalAgent(body);
    const takeOver = optionalBoolean(body, 'should_take_over_session_from_ai') ?? false;
    if (session.status !== 'open') throw new HttpError(400, `Session ${session.id} is ${session.status}`);

    if (customData) Object.assign(session.custom_data, customData);
    if (contactInput) session.contact = this.mergeContact(session.contact, contactInput);
    this.touch(session);

    if (sender === 'contact') return this.receiveContactMessage(session, message);
    return this.sent(this.receiveAgentMessage(session, message, agent, takeOver));
  }

  private sent(data: SendData, webhooks: OpencxWebhookEvent[] = []): ApiResponse {
    return {
      status: 201,
      body: this.legacyUnwrappedResponses ? { success: true, ...data } : { success: true, data },
      webhooks,
    };
  }

  // ---- Conversation behaviour ----------------------------------------------------------------

  /** The AI decides when the message arrives and answers (history, webhooks) once its latency has passed. */
  private receiveContactMessage(session: SimSession, message: MessageInput): ApiResponse | PendingAnswer {
    this.appendMessage(session, 'contact', session.contact?.name ?? null, message.text, message.attachments);
    if (session.handed_off) return this.sent({ success: true, sessionIsHandedOff: true });
    const decision = this.ai.decide({ session, text: message.text });
    return { latencyMs: this.ai.latencyOf(decision), produce: () => this.applyAiDecision(session, decision) };
  }

  private applyAiDecision(session: SimSession, decision: AiDecision): ApiResponse {
    session.language ??= decision.type === 'error' ? null : (decision.language ?? this.ai.language);
    switch (decision.type) {
      case 'reply': {
        const reply = this.aiMessage(session, decision.content);
        const data = {
          success: true,
          autopilotResponse: autopilotResponse(reply.id, decision.content, decision.mightSolveUserIssue ?? true),
          sessionIsHandedOff: false,
        };
        return this.sent(data, [aiResponseEvent(session.id, reply, this.clock.now())]);
      }
      case 'handoff':
        return this.handOff(session, decision);
      case 'error':
        return this.sent({
          success: false,
          code: decision.code ?? 'autopilot_error',
          autopilotResponse: autopilotResponse(randomUUID(), decision.content ?? 'Something went wrong', false, true),
          sessionIsHandedOff: false,
        });
    }
  }

  private handOff(session: SimSession, decision: Extract<AiDecision, { type: 'handoff' }>): ApiResponse {
    const handoff = { summary: decision.summary, sentiment: decision.sentiment };
    const farewell = decision.content === undefined ? undefined : this.aiMessage(session, decision.content);
    session.handed_off = true;
    session.ai_closure_type = 'handed_off';
    session.handoff = handoff;
    session.sentiment = decision.sentiment;
    session.language = decision.language ?? session.language ?? this.ai.language;
    this.appendEvent(session, { type: 'handoff', ...handoff });
    const now = this.clock.now();
    const messageCount = session.messages.filter((item) => item.event.type === 'message').length;
    const handoffFacts = {
      sessionId: session.id,
      contactId: session.contact?.id ?? null,
      ...handoff,
      language: session.language,
      messageCount,
    };
    const data = {
      success: true,
      ...(farewell && { autopilotResponse: autopilotResponse(farewell.id, farewell.content, false) }),
      sessionIsHandedOff: true,
      ...(this.switches.handoffResolveArgs && { resolveArgs: handoff }),
    };
    return this.sent(data, [
      ...(farewell ? [aiResponseEvent(session.id, farewell, now)] : []),
      handoffEvent(handoffFacts, now),
    ]);
  }

  private receiveAgentMessage(
    session: SimSession,
    message: MessageInput,
    agent: AgentInput | undefined,
    takeOver: boolean,
  ): SendData {
    if (takeOver && !session.handed_off) {
      session.handed_off = true;
      this.appendEvent(session, { type: 'human_agent_takeover', human_agent_id: agent?.id ?? null });
    }
    const item = this.appendMessage(session, 'human_agent', agent?.name ?? null, message.text, message.attachments);
    return { message: { id: item.id } };
  }

  private aiMessage(session: SimSession, content: string): { id: string; content: string } {
    return { id: this.appendMessage(session, 'ai', AI_AUTHOR_NAME, content).id, content };
  }

  private appendMessage(
    session: SimSession,
    senderType: 'contact' | 'ai' | 'human_agent',
    senderName: string | null,
    text: string,
    attachments: Attachment[] = [],
  ): HistoryItem {
    return this.appendEvent(session, {
      type: 'message',
      sender: { type: senderType, name: senderName },
      content: { type: 'text', text },
      attachments,
    });
  }

  private appendEvent(session: SimSession, event: HistoryEvent): HistoryItem {
    const item: HistoryItem = { id: randomUUID(), created_at: this.timestamp(), event };
    session.messages.push(item);
    this.touch(session);
    return item;
  }

  // ---- Contacts and lookups ------------------------------------------------------------------

  private requireSession(sessionId: string): SimSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new HttpError(404, `Chat session ${sessionId} not found`);
    return session;
  }

  private requireContact(contactId: string): SimContact {
    const contact = this.contacts.get(contactId);
    if (!contact) throw new HttpError(404, `Contact ${contactId} not found`);
    return contact;
  }

  /** Finds the contact by email, then phone number, and updates it; creates it otherwise. */
  private upsertContact(input: ContactInput | undefined): SimContact | null {
    if (!input) return null;
    const existing = [...this.contacts.values()].find(
      (contact) =>
        (input.email !== undefined && contact.email === input.email) ||
        (input.phone_number !== undefined && contact.phone_number === input.phone_number),
    );
    return this.mergeContact(existing ?? null, input);
  }

  private mergeContact(existing: SimContact | null, input: ContactInput): SimContact {
    const contact: SimContact = existing ?? {
      id: randomUUID(),
      email: null,
      name: null,
      phone_number: null,
      custom_data: {},
    };
    contact.email = input.email ?? contact.email;
    contact.name = input.name ?? contact.name;
    contact.phone_number = input.phone_number ?? contact.phone_number;
    Object.assign(contact.custom_data, input.custom_data ?? {});
    this.contacts.set(contact.id, contact);
    return contact;
  }

  private touch(session: SimSession): void {
    session.updated_at = this.timestamp();
  }

  private timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

// ---- Pure helpers ------------------------------------------------------------------------------

function defaultSwitches(options: OpenCxSimulatorOptions): OpenCxSwitches {
  const switches = { ...DEFAULT_SWITCHES, ...options.switches };
  return { ...switches, webhookRetryDelaysMs: [...switches.webhookRetryDelaysMs] };
}

function retryAfterHeader(fault: FaultRule): Record<string, string> {
  return fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
}

/** Resolves once the answer has been handed to the network, or the connection is gone. */
function whenSent(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
}

function autopilotResponse(id: string, content: string, mightSolveUserIssue: boolean, error = false): JsonObject {
  return { type: 'text', value: { error, content }, id, mightSolveUserIssue };
}

function toWireSession(session: SimSession): Omit<SimSession, 'messages' | 'handed_off'> {
  const { messages: _messages, handed_off: _handedOff, ...wire } = session;
  return wire;
}

function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return undefined;
  try {
    return JSON.parse(rawBody) as unknown;
  } catch (error) {
    throw new HttpError(400, `Malformed JSON body: ${error instanceof Error ? error.message : 'parse error'}`);
  }
}

/** What the request log shows: the JSON body, or the raw text when it is not JSON. */
function bodyForRecord(rawBody: string): unknown {
  return rawBody.trim() === '' ? undefined : parseJsonOr(rawBody, rawBody);
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined, itemCount: number): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const offset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset > itemCount) throw new HttpError(400, 'Invalid cursor');
  return offset;
}
