// The Twilio simulator: one loopback HTTP server answering for every Twilio host the product
// calls, reached as `<url>/<host>/<path>` (e.g. /taskrouter/v1/Workspaces/WS...). Each request is
// checked against Twilio's OpenAPI specs before a product module handles it.
import http, { IncomingMessage, ServerResponse } from 'http';
import twilio from 'twilio';
import { closeServer, listenOnLoopback, parseJsonOr, readBody, redactHeaders, sendJson } from '../http';
import { SimulatorClock } from './clock';
import { TwilioApiError } from './errors';
import { Params, TwilioOpenApi } from './openapi';
import { newSid } from './sids';
import { DEFAULT_SWITCHES, TwilioSwitches } from './switches';

export interface SimRequest {
  method: string;
  product: string;
  template: string;
  pathParams: Record<string, string>;
  query: Params;
  /** Form parameters (repeated keys become arrays). */
  form: Params;
  /** Parsed JSON body, for the few JSON endpoints (IAM token validation). */
  json?: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  product: string;
  path: string;
  template?: string;
  query: Params;
  form: Params;
  json?: unknown;
  headers: Record<string, string>;
  status?: number;
  fault?: string;
}

export interface SpecViolation {
  method: string;
  path: string;
  problems: string[];
}

export interface FaultRule {
  method?: string;
  product?: string;
  /** A spec template (`/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}`) or a RegExp on the concrete path. */
  path?: string | RegExp;
  status?: number;
  code?: number;
  latencyMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** How many matching requests it applies to; forever when absent. */
  times?: number;
}

export interface WebhookDelivery {
  seq: number;
  kind: string;
  url: string;
  params: Record<string, string>;
  status?: number;
  responseBody?: string;
  error?: string;
  durationMs?: number;
}

export interface TwilioSimulatorOptions {
  accountSid?: string;
  authToken?: string;
  switches?: Partial<TwilioSwitches>;
  specDir?: string;
}

interface Route {
  handler: RouteHandler;
  specced: boolean;
}

/** A product module registers its routes and keeps its own state. */
export interface SimulatorModule {
  register(sim: TwilioSimulator): void;
  snapshot(): unknown;
  reset?(): void;
}

let sharedSpec: TwilioOpenApi | undefined;

export class TwilioSimulator {
  readonly accountSid: string;
  readonly authToken: string;
  readonly switches: TwilioSwitches;
  readonly clock = new SimulatorClock();
  readonly requests: RecordedRequest[] = [];
  readonly violations: SpecViolation[] = [];
  readonly webhooks: WebhookDelivery[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly actions = new Map<string, (body: Record<string, unknown>) => unknown>();
  private readonly modules = new Map<string, SimulatorModule>();
  private faults: FaultRule[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly spec: TwilioOpenApi;
  private server?: http.Server;
  private seq = 0;
  url = '';

  constructor(options: TwilioSimulatorOptions = {}) {
    this.accountSid = options.accountSid ?? 'AC' + '0'.repeat(31) + '1';
    this.authToken = options.authToken ?? 'sim_auth_token_' + newSid('').slice(0, 16);
    this.switches = { ...DEFAULT_SWITCHES, ...options.switches };
    this.spec = options.specDir ? new TwilioOpenApi(options.specDir) : (sharedSpec ??= new TwilioOpenApi());
  }

  use(name: string, module: SimulatorModule): this {
    this.modules.set(name, module);
    module.register(this);
    return this;
  }

  module<T extends SimulatorModule>(name: string): T {
    const found = this.modules.get(name);
    if (!found) throw new Error(`simulator module ${name} is not loaded`);
    return found as T;
  }

  /** Registers a handler for a path template exactly as written in Twilio's OpenAPI spec. */
  route(product: string, method: string, template: string, handler: RouteHandler): void {
    this.routes.set(routeKey(product, method, template), { handler, specced: true });
  }

  /** A route Twilio publishes no OpenAPI spec for (IAM token validation). */
  unspeccedRoute(product: string, method: string, template: string, handler: RouteHandler): void {
    this.routes.set(routeKey(product, method, template), { handler, specced: false });
  }

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      const work = this.handle(req, res).catch((error: unknown) => {
        sendJson(res, 500, { code: 20500, message: String(error), status: 500 });
      });
      this.track(work);
    });
    this.url = await listenOnLoopback(this.server, port);
    this.clock.startTicking();
    return this.url;
  }

  async stop(): Promise<void> {
    this.clock.stopTicking();
    if (!this.server) return;
    await closeServer(this.server);
    this.server = undefined;
  }

  addFault(rule: FaultRule): void {
    this.faults.push({ ...rule });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Resolves when no request or webhook delivery is in flight (cascades included). */
  async idle(timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      if (Date.now() > deadline) throw new Error(`simulator still busy after ${timeoutMs} ms`);
      await Promise.allSettled([...this.inFlight]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Requests made to a product, optionally filtered by method and template. */
  calls(filter: { product?: string; method?: string; template?: string } = {}): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (!filter.product || r.product === filter.product) &&
        (!filter.method || r.method === filter.method) &&
        (!filter.template || r.template === filter.template),
    );
  }

  snapshot(): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    for (const [name, module] of this.modules) state[name] = module.snapshot();
    return state;
  }

  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.webhooks.length = 0;
    this.faults = [];
    for (const module of this.modules.values()) module.reset?.();
  }

  /**
   * Sends a webhook as Twilio does: form-encoded POST signed with X-Twilio-Signature.
   * Fire-and-forget for callers; tracked so `idle()` waits for it.
   */
  deliverWebhook(kind: string, url: string, params: Record<string, string>, timeoutMs: number): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = { seq: ++this.seq, kind, url, params };
    this.webhooks.push(delivery);
    const started = Date.now();
    const signature = twilio.getExpectedTwilioSignature(this.authToken, url, params);
    const work = fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'X-Twilio-Signature': signature,
        'User-Agent': 'TwilioProxy/1.1',
        'I-Twilio-Idempotency-Token': params.Sid ?? params.MessageSid ?? newSid('ID'),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (response) => {
        delivery.status = response.status;
        delivery.responseBody = await response.text();
      })
      .catch((error: Error) => {
        delivery.error = error.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : error.message;
      })
      .then(() => {
        delivery.durationMs = Date.now() - started;
        return delivery;
      });
    return this.track(work);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const rawBody = await readBody(req);
    if (url.pathname.startsWith('/__sim/')) return this.inspect(req.method ?? 'GET', url.pathname, rawBody, res);

    const [, product = '', ...rest] = url.pathname.split('/');
    const path = '/' + rest.join('/').replace(/\.json$/, '');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = toParams(url.searchParams);
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    const form = isJson ? {} : toParams(new URLSearchParams(rawBody));
    const json = isJson && rawBody ? parseJsonOr(rawBody, undefined) : undefined;
    const record: RecordedRequest = {
      seq: ++this.seq,
      at: this.clock.now(),
      method,
      product,
      path,
      query,
      form,
      json,
      headers: redactHeaders(req.headers),
    };
    this.requests.push(record);

    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      sendJson(res, status, body, headers);
    };

    if (!this.authorized(req.headers.authorization)) {
      return answer(401, new TwilioApiError(401, 20003, 'Authenticate').toBody());
    }

    let route: Route | undefined;
    let template: string | undefined;
    let pathParams: Record<string, string> = {};
    const unspecced = this.findUnspecced(product, method, path);
    if (unspecced) {
      ({ route, template, pathParams } = unspecced);
    } else {
      const result = this.spec.validate(product, method, path, query, form);
      template = result.route?.template;
      pathParams = result.route?.pathParams ?? {};
      if (result.problems.length > 0) {
        record.template = template;
        this.violations.push({ method, path: `/${product}${path}`, problems: result.problems });
        const code = result.status === 404 ? 20404 : result.status === 405 ? 20004 : 20001;
        return answer(result.status, new TwilioApiError(result.status, code, `Simulator refused (as Twilio would): ${result.problems.join('; ')}`).toBody());
      }
      route = template ? this.routes.get(routeKey(product, method, template)) : undefined;
    }
    record.template = template;

    const fault = this.takeFault(method, product, path, template);
    if (fault) {
      record.fault = JSON.stringify({ ...fault, path: String(fault.path ?? '') });
      if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault.drop) {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        const code = fault.code ?? (fault.status === 429 ? 20429 : fault.status >= 500 ? 20500 : 20001);
        const headers: Record<string, string> = fault.status === 429 ? { 'Retry-After': '1' } : {};
        return answer(fault.status, new TwilioApiError(fault.status, code, `Injected fault ${fault.status}`).toBody(), headers);
      }
    }

    if (!route || !template) {
      const message = `Simulator does not implement ${method} /${product}${template ?? path}`;
      this.violations.push({ method, path: `/${product}${path}`, problems: [message] });
      return answer(501, { code: 20501, message, status: 501 });
    }

    try {
      const response = await route.handler({ method, product, template, pathParams, query, form, json, headers: req.headers });
      answer(response.status, response.body, response.headers);
    } catch (error) {
      if (error instanceof TwilioApiError) return answer(error.status, error.toBody(), error.headers);
      throw error;
    }
  }

  private authorized(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const [user, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    return user === this.accountSid && password === this.authToken;
  }

  private findUnspecced(product: string, method: string, path: string): { route: Route; template: string; pathParams: Record<string, string> } | undefined {
    for (const [key, route] of this.routes) {
      if (route.specced) continue;
      const [routeProduct, routeMethod, template] = key.split(' ');
      if (routeProduct !== product || routeMethod !== method) continue;
      const names: string[] = [];
      const regex = new RegExp('^' + template.replace(/\{([^}]+)\}/g, (_, name: string) => (names.push(name), '([^/]+)')) + '$');
      const match = regex.exec(path);
      if (!match) continue;
      const pathParams: Record<string, string> = {};
      names.forEach((name, i) => (pathParams[name] = match[i + 1]));
      return { route, template, pathParams };
    }
    return undefined;
  }

  private takeFault(method: string, product: string, path: string, template: string | undefined): FaultRule | undefined {
    const fault = this.faults.find(
      (rule) =>
        (!rule.method || rule.method.toUpperCase() === method) &&
        (!rule.product || rule.product === product) &&
        (!rule.path || (typeof rule.path === 'string' ? rule.path === template || rule.path === path : rule.path.test(path))),
    );
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults = this.faults.filter((rule) => rule !== fault);
    }
    return fault;
  }

  /** The inspection API, for people and scripts outside the test process. */
  private inspect(method: string, path: string, rawBody: string, res: ServerResponse): void {
    const body = rawBody ? (parseJsonOr(rawBody, undefined) as Record<string, unknown>) : {};
    if (method === 'GET' && path === '/__sim/requests') return sendJson(res, 200, this.requests);
    if (method === 'GET' && path === '/__sim/state') return sendJson(res, 200, this.snapshot());
    if (method === 'GET' && path === '/__sim/webhooks') return sendJson(res, 200, this.webhooks);
    if (method === 'GET' && path === '/__sim/violations') return sendJson(res, 200, this.violations);
    if (method === 'GET' && path === '/__sim/switches') return sendJson(res, 200, this.switches);
    if (method === 'POST' && path === '/__sim/switches') {
      Object.assign(this.switches, body);
      return sendJson(res, 200, this.switches);
    }
    if (method === 'POST' && path === '/__sim/faults') {
      const rule = body as FaultRule & { pathRegex?: string };
      this.addFault({ ...rule, path: rule.pathRegex ? new RegExp(rule.pathRegex) : rule.path });
      return sendJson(res, 201, { faults: this.faults.length });
    }
    if (method === 'DELETE' && path === '/__sim/faults') {
      this.clearFaults();
      return sendJson(res, 204, undefined);
    }
    if (method === 'POST' && path === '/__sim/clock/advance') {
      this.clock.advance(Number(body.ms ?? 0));
      return sendJson(res, 200, { now: this.clock.now() });
    }
    const action = this.actions.get(path);
    if (method === 'POST' && action) {
      try {
        return sendJson(res, 200, action(body ?? {}));
      } catch (error) {
        return sendJson(res, 400, { message: (error as Error).message });
      }
    }
    sendJson(res, 404, { message: `unknown inspection path ${path}` });
  }

  /** A scripted action for people driving the simulator by hand, e.g. a customer writing in. */
  inspectionAction(path: string, action: (body: Record<string, unknown>) => unknown): void {
    this.actions.set(path, action);
  }
}

function routeKey(product: string, method: string, template: string): string {
  return `${product} ${method.toUpperCase()} ${template}`;
}

function toParams(search: URLSearchParams): Params {
  const params: Params = {};
  for (const [key, value] of search) {
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else params[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

/**
 * Twilio's list envelope for the collection `req` addressed: `{<key>: [...], meta: {...}}`, paged
 * with Page/PageSize. `filters` (query text) is carried into the paging URLs so `.list()` keeps them.
 */
export function page(req: SimRequest, key: string, items: unknown[], filters = ''): SimResponse {
  const { query } = req;
  const pageSize = Math.min(Number(query.PageSize ?? 50) || 50, 1000);
  const pageNumber = Number(query.Page ?? 0) || 0;
  const path = req.template.replace(/\{([^}]+)\}/g, (_, name: string) => req.pathParams[name]);
  const base = `https://${req.product}.twilio.com${path}`;
  const pageUrl = (n: number): string => `${base}?PageSize=${pageSize}&Page=${n}${filters && `&${filters}`}`;
  const slice = items.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize);
  const hasNext = (pageNumber + 1) * pageSize < items.length;
  return {
    status: 200,
    body: {
      [key]: slice,
      meta: {
        page: pageNumber,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: pageNumber > 0 ? pageUrl(pageNumber - 1) : null,
        next_page_url: hasNext ? pageUrl(pageNumber + 1) : null,
        url: pageUrl(pageNumber),
        key,
      },
    },
  };
}
