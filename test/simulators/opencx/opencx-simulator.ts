/**
 * OpenCX API simulator: a real HTTP server on 127.0.0.1 implementing the contract in
 * docs/opencx-api.md, with scriptable AI, rate limiting and fault injection.
 * Point the product at it with `OPENCX_API_URL=<simulator.url>`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, parseJsonOr, readBody, redactHeaders, sendJson } from '../http';
import { FaultControls, FaultInjector, FaultRule } from './faults';
import {
  Attachment,
  HistoryEvent,
  HistoryItem,
  RecordedRequest,
  SimContact,
  SimSession,
} from './opencx-types';
import { SlidingWindowRateLimiter } from './rate-limiter';
import { AiDecision, ScriptedAi } from './scripted-ai';
import {
  AgentInput,
  ContactInput,
  errorBody,
  HttpError,
  isOneOf,
  JsonObject,
  MessageInput,
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

export * from './opencx-types';
export * from './scripted-ai';
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
  now?: () => number;
  /** Answer `send` without the `data` wrapper, like older OpenCX deployments. */
  legacyUnwrappedResponses?: boolean;
  /** History page size; default 20. */
  historyPageSize?: number;
}

interface ApiRequest {
  params: string[];
  query: Record<string, string>;
  body: unknown;
}

interface ApiResponse {
  status: number;
  body?: unknown;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (request: ApiRequest) => ApiResponse;
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

  private readonly apiKeys: ReadonlySet<string>;
  private readonly orgId: string;
  private readonly orgName: string;
  private readonly now: () => number;
  private readonly historyPageSize: number;
  private readonly rateLimiter: SlidingWindowRateLimiter;
  private readonly defaultLegacy: boolean;
  private readonly pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
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
    { method: 'POST', pattern: /^\/chat\/sessions\/([^/]+)\/send$/, handle: (r) => this.sendMessage(r.params[0], r.body) },
  ];

  constructor(options: OpenCxSimulatorOptions = {}) {
    this.apiKeys = new Set(options.apiKeys ?? [DEFAULT_API_KEY]);
    this.orgId = options.orgId ?? DEFAULT_ORG_ID;
    this.orgName = options.orgName ?? DEFAULT_ORG_NAME;
    this.now = options.now ?? Date.now;
    this.historyPageSize = options.historyPageSize ?? 20;
    this.rateLimiter = new SlidingWindowRateLimiter(options.rateLimitPerMinute ?? 100, this.now);
    this.defaultLegacy = options.legacyUnwrappedResponses ?? false;
    this.legacyUnwrappedResponses = this.defaultLegacy;
  }

  get url(): string {
    if (this.baseUrl === undefined) throw new Error('OpenCxSimulator is not started');
    return this.baseUrl;
  }

  async start(): Promise<string> {
    if (this.server) throw new Error('OpenCxSimulator is already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.failUnexpectedly(res, error));
    });
    this.baseUrl = await listenOnLoopback(server);
    this.server = server;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    this.releasePendingDelays();
    await closeServer(server);
  }

  reset(): void {
    this.sessions.clear();
    this.contacts.clear();
    this.requests.length = 0;
    this.rateLimiter.reset();
    this.faultInjector.clear();
    this.ai.reset();
    this.legacyUnwrappedResponses = this.defaultLegacy;
  }

  // ---- HTTP plumbing -------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const record = this.recordRequest(req, method, url, rawBody);

    const fault = this.faultInjector.take(method, url.pathname);
    if (fault && (await this.applyFault(fault, req, res, record))) return;

    try {
      const apiKey = this.authenticate(req.headers.authorization);
      this.enforceRateLimit(apiKey);
      const response = this.route(method, url.pathname, {
        params: [],
        query: record.query,
        body: parseJsonBody(rawBody),
      });
      this.respond(res, record, response.status, response.body);
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(500, `Simulator error: ${String(error)}`);
      this.respond(res, record, httpError.statusCode, httpError.toBody(), httpError.headers);
    }
  }

  private recordRequest(req: IncomingMessage, method: string, url: URL, rawBody: string): RecordedRequest {
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: redactHeaders(req.headers),
      body: bodyForRecord(rawBody),
      status: null,
      time: this.now(),
    };
    this.requests.push(record);
    return record;
  }

  /** Returns true when the fault answered (or dropped) the request itself. */
  private async applyFault(
    fault: FaultRule,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
  ): Promise<boolean> {
    if (fault.latencyMs) await this.delay(fault.latencyMs);
    if (!this.server) return true;
    if (fault.drop) {
      req.socket.destroy();
      return true;
    }
    if (fault.status === undefined) return false;
    const headers: Record<string, string> =
      fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    this.respond(res, record, fault.status, errorBody(fault.status, 'Simulated fault'), headers);
    return true;
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

  private route(method: string, path: string, request: ApiRequest): ApiResponse {
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
    record.status = status;
    sendJson(res, status, body, headers);
  }

  private failUnexpectedly(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, 500, errorBody(500, `Simulator error: ${message}`));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        resolve,
        timer: setTimeout(() => {
          this.pendingDelays.delete(pending);
          resolve();
        }, ms),
      };
      this.pendingDelays.add(pending);
    });
  }

  private releasePendingDelays(): void {
    for (const pending of this.pendingDelays) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.pendingDelays.clear();
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

  private sendMessage(sessionId: string, rawBody: unknown): ApiResponse {
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

    const data =
      sender === 'contact' ? this.receiveContactMessage(session, message) : this.receiveAgentMessage(session, message, agent, takeOver);
    return { status: 201, body: this.legacyUnwrappedResponses ? { success: true, ...data } : { success: true, data } };
  }

  // ---- Conversation behaviour ----------------------------------------------------------------

  private receiveContactMessage(session: SimSession, message: MessageInput): SendData {
    this.appendMessage(session, 'contact', session.contact?.name ?? null, message.text, message.attachments);
    if (session.handed_off) return { success: true, sessionIsHandedOff: true };
    const decision = this.ai.decide({ session, text: message.text });
    return this.applyAiDecision(session, decision);
  }

  private applyAiDecision(session: SimSession, decision: AiDecision): SendData {
    session.language ??= decision.type === 'error' ? null : (decision.language ?? this.ai.language);
    switch (decision.type) {
      case 'reply': {
        const reply = this.aiMessage(session, decision.content);
        return {
          success: true,
          autopilotResponse: autopilotResponse(reply.id, decision.content, decision.mightSolveUserIssue ?? true),
          sessionIsHandedOff: false,
        };
      }
      case 'handoff':
        return this.handOff(session, decision);
      case 'error':
        return {
          success: false,
          code: decision.code ?? 'autopilot_error',
          autopilotResponse: autopilotResponse(randomUUID(), decision.content ?? 'Something went wrong', false, true),
          sessionIsHandedOff: false,
        };
    }
  }

  private handOff(session: SimSession, decision: Extract<AiDecision, { type: 'handoff' }>): SendData {
    const handoff = { summary: decision.summary, sentiment: decision.sentiment };
    const farewell = decision.content === undefined ? undefined : this.aiMessage(session, decision.content);
    session.handed_off = true;
    session.ai_closure_type = 'handed_off';
    session.handoff = handoff;
    session.sentiment = decision.sentiment;
    session.language = decision.language ?? session.language ?? this.ai.language;
    this.appendEvent(session, { type: 'handoff', ...handoff });
    return {
      success: true,
      ...(farewell && { autopilotResponse: autopilotResponse(farewell.id, farewell.content, false) }),
      sessionIsHandedOff: true,
      resolveArgs: handoff,
    };
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
    const contact: SimContact = existing ?? { id: randomUUID(), email: null, name: null, phone_number: null, custom_data: {} };
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
    return new Date(this.now()).toISOString();
  }
}

// ---- Pure helpers ------------------------------------------------------------------------------

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
