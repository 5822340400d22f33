// The Twilio simulator: one loopback HTTP server answering for every Twilio host the product
// calls, reached as `<url>/<host>/<path>` (e.g. /taskrouter/v1/Workspaces/WS...). Each request is
// checked against Twilio's OpenAPI specs before a product module handles it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import twilio from 'twilio';
import { closeServer, listenOnLoopback, parseJsonOr, readBody, redactHeaders, sendJson } from '../http';
import { SimulatorClock } from './clock';
import { TwilioApiError } from './errors';
import { type Params, TwilioOpenApi } from './openapi';
import { newSid } from './sids';
import { DEFAULT_SWITCHES, type TwilioSwitches } from './switches';

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
  /** Simulated time at arrival. */
  at: number;
  /** Real time (performance.now, ms) when the request arrived and when its exchange ended (answered or dropped). */
  startedAt: number;
  endedAt?: number;
  method: string;
  product: string;
  path: string;
  template?: string;
  query: Params;
  form: Params;
  json?: unknown;
  headers: Record<string, string>;
  /** The status the client received; 0 when the connection was dropped. */
  status?: number;
  /** The client went away before it was answered (e.g. its Function was stopped while the request was held). */
  clientLeft?: boolean;
  /** With an `after` fault: the status the simulator's own processing produced before the answer was lost. */
  processedStatus?: number;
  fault?: string;
}

/** A create or update of the Sync document `uniqueName`. */
export const writesSyncDocument = (r: RecordedRequest, uniqueName: string): boolean =>
  r.method === 'POST' &&
  r.product === 'sync' &&
  (r.form.UniqueName === uniqueName || r.path.endsWith(`/Documents/${uniqueName}`));

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
  /** Only requests one of whose form values matches (e.g. a Sync item's `Data` in a given state). */
  form?: RegExp;
  status?: number;
  code?: number;
  latencyMs?: number;
  /** Hold the request until this settles: a gate the test opens when the race it stages is set. */
  until?: Promise<unknown>;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /**
   * Process the request fully (state changes as usual), then lose the answer on the way back:
   * `'drop'` destroys the socket, a number answers that status (e.g. 500) instead of the real answer.
   */
  after?: 'drop' | number;
  /** How many matching requests it applies to; forever when absent. */
  times?: number;
  /** How many matching requests pass untouched before it applies. */
  skip?: number;
}

/**
 * Holds back a webhook delivery before it is sent, until `until` settles: a gate the test opens once
 * the state it stages is set, without any Function waiting (and spending its budget) meanwhile.
 */
export interface DeliveryHold {
  /** `taskrouter` or `conversations`; any when absent. */
  kind?: string;
  /** Which deliveries it holds, by their parameters (e.g. `EventType`). */
  match: (params: Record<string, string>) => boolean;
  until: Promise<unknown>;
  /** How many matching deliveries it holds; 1 when absent. */
  times?: number;
}

export interface WebhookDelivery {
  seq: number;
  kind: string;
  url: string;
  params: Record<string, string>;
  /** The I-Twilio-Idempotency-Token header; a retry carries the original's. */
  idempotencyToken: string;
  /** The seq of the delivery this one retries. */
  retryOf?: number;
  /** What Twilio saw: the answer within the timeout, or `error` (e.g. "timed out after 5000 ms"). */
  status?: number;
  responseBody?: string;
  responseHeaders?: Record<string, string>;
  error?: string;
  /** From the request to its answer (or to giving up), to a tenth of a millisecond. */
  durationMs?: number;
  /** The status the Function answered after Twilio had given up (Twilio ignores it). */
  lateStatus?: number;
  /** A running Function serving it was stopped because its caller gave up (`functionOutlivesCaller` false). */
  functionStopped?: boolean;
}

/** Twilio ends a Function's execution after 10 s, whoever is still waiting for it. */
export const FUNCTION_EXECUTION_LIMIT_MS = 10_000;

/** Header carrying the delivery's seq, so a harness can tell which Function invocation serves which delivery. */
export const DELIVERY_HEADER = 'x-simulator-delivery';

/** Twilio's view of a delivery: it timed out, could not connect, or answered 5xx. */
export function deliveryFailed(delivery: WebhookDelivery): boolean {
  return delivery.error !== undefined || (delivery.status ?? 0) >= 500;
}

export interface TwilioSimulatorOptions {
  accountSid?: string;
  authToken?: string;
  switches?: Partial<TwilioSwitches>;
  specDir?: string;
  /** A clock to share (e.g. with the OpenCX simulator); a new one starting at the real time by default. */
  clock?: SimulatorClock;
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
/** Twilio's specs are read once per process, however many simulators a test starts. */
function twilioSpecs(): TwilioOpenApi {
  sharedSpec ??= new TwilioOpenApi();
  return sharedSpec;
}

export class TwilioSimulator {
  readonly accountSid: string;
  readonly authToken: string;
  readonly switches: TwilioSwitches;
  readonly clock: SimulatorClock;
  readonly requests: RecordedRequest[] = [];
  readonly violations: SpecViolation[] = [];
  readonly webhooks: WebhookDelivery[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly actions = new Map<string, (body: Record<string, unknown>) => unknown>();
  private readonly modules = new Map<string, SimulatorModule>();
  private faults: FaultRule[] = [];
  private deliveryHolds: DeliveryHold[] = [];
  private requestsHeld = 0;
  private deliveriesHeld = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly spec: TwilioOpenApi;
  private server?: http.Server;
  /**
   * Stops the Function serving a delivery whose caller gave up, when `functionOutlivesCaller` is
   * false; set by whoever runs the Functions. Resolves true when it stopped a running Function
   * (false: it had not started, and will stop as it starts). Without it the simulator only closes the connection.
   */
  stopFunction?: (delivery: WebhookDelivery) => Promise<boolean>;
  /**
   * The URL Twilio signs for a delivery to `url`: the public URL registered with Twilio. A harness
   * serving a "deployed" Function on a local port maps it to that Function's twil.io URL.
   */
  signedUrlOf: (url: string) => string = (url) => url;
  private readonly givingUp = new Map<number, () => void>();
  /** API keys of the account (`SK…` → secret): Basic auth with one works like the auth token. */
  private readonly apiKeys = new Map<string, string>();
  private seq = 0;
  private eventsSent = 0;
  url = '';

  constructor(options: TwilioSimulatorOptions = {}) {
    this.accountSid = options.accountSid ?? 'AC' + '0'.repeat(31) + '1';
    this.authToken = options.authToken ?? 'sim_auth_token_' + newSid('').slice(0, 16);
    this.switches = { ...DEFAULT_SWITCHES, ...options.switches };
    this.clock = options.clock ?? new SimulatorClock();
    this.spec = options.specDir ? new TwilioOpenApi(options.specDir) : twilioSpecs();
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

  /** Drops every fault rule, and the delivery holds no delivery has taken yet. */
  clearFaults(): void {
    this.faults = [];
    this.deliveryHolds = [];
  }

  /** Holds the next delivery (or `times` deliveries) matching `hold` until its gate opens. */
  holdDeliveries(hold: DeliveryHold): void {
    this.deliveryHolds.push({ ...hold, times: hold.times ?? 1 });
  }

  /** Requests waiting on a fault's latency or gate (`latencyMs`, `until`) before they are answered. */
  get requestsOnHold(): number {
    return this.requestsHeld;
  }

  /** Webhook deliveries held back by `holdDeliveries`, not sent yet. */
  get deliveriesOnHold(): number {
    return this.deliveriesHeld;
  }

  /**
   * Resolves when nothing is in flight: no request being answered, no webhook exchange open (a
   * delivery Twilio gave up on stays open until the Function really answers), no timer due now.
   * Quiet means quiet on two event-loop turns in a row, so work that a settling promise starts
   * (an event chained after a delivery, a retry) is seen too.
   */
  async idle(timeoutMs = 20000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let quietTurns = 0;
    while (quietTurns < 2) {
      if (performance.now() > deadline) {
        const open = this.webhooks
          .filter((d) => d.status === undefined && d.error === undefined)
          .map((d) => `#${d.seq} ${d.params.EventType}`);
        throw new Error(
          `simulator still busy after ${timeoutMs} ms ` +
            `(${this.inFlight.size} in flight; deliveries unanswered: ${open.join(', ') || 'none'}; ` +
            `held: ${this.requestsHeld} requests, ${this.deliveriesHeld} deliveries)`,
        );
      }
      this.clock.runDue();
      if (this.inFlight.size > 0) {
        quietTurns = 0;
        await Promise.race([Promise.allSettled([...this.inFlight]), delay(deadline - performance.now())]);
      } else {
        quietTurns += 1;
      }
      await delay(0);
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
    this.deliveryHolds = [];
    for (const module of this.modules.values()) module.reset?.();
  }

  /**
   * Sends a webhook as Twilio does: form-encoded POST signed with X-Twilio-Signature, given up
   * after `timeoutMs` (real time, the Function's own clock). Resolves with what Twilio saw; the
   * exchange itself stays tracked for `idle()` until the Function answers, or until it is stopped:
   * when its caller gives up with `functionOutlivesCaller` off, or at Twilio's 10 s execution limit.
   */
  deliverWebhook(
    kind: string,
    url: string,
    params: Record<string, string>,
    timeoutMs: number,
    retry?: { of: WebhookDelivery },
  ): Promise<WebhookDelivery> {
    const hold = this.takeDeliveryHold(kind, params);
    if (!hold) return this.sendWebhook(kind, url, params, timeoutMs, retry);
    this.deliveriesHeld += 1;
    const send = (): Promise<WebhookDelivery> => {
      this.deliveriesHeld -= 1;
      return this.sendWebhook(kind, url, params, timeoutMs, retry);
    };
    return this.track(hold.until.then(send, send));
  }

  private takeDeliveryHold(kind: string, params: Record<string, string>): DeliveryHold | undefined {
    const hold = this.deliveryHolds.find((h) => (!h.kind || h.kind === kind) && h.match(params));
    if (!hold) return undefined;
    hold.times = (hold.times ?? 1) - 1;
    if (hold.times <= 0) this.deliveryHolds = this.deliveryHolds.filter((h) => h !== hold);
    return hold;
  }

  private sendWebhook(
    kind: string,
    url: string,
    params: Record<string, string>,
    timeoutMs: number,
    retry?: { of: WebhookDelivery },
  ): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = {
      seq: ++this.seq,
      kind,
      url,
      params,
      idempotencyToken: retry?.of.idempotencyToken ?? params.Sid ?? params.MessageSid ?? newSid('ID'),
      ...(retry && { retryOf: retry.of.seq }),
    };
    this.webhooks.push(delivery);
    const started = performance.now();
    const connection = new AbortController();
    const exchange = this.track(
      fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
          'X-Twilio-Signature': twilio.getExpectedTwilioSignature(this.authToken, this.signedUrlOf(url), params),
          'User-Agent': 'TwilioProxy/1.1',
          'I-Twilio-Idempotency-Token': delivery.idempotencyToken,
          [DELIVERY_HEADER]: String(delivery.seq),
        },
        body: new URLSearchParams(params).toString(),
        signal: connection.signal,
      })
        .then(async (response) => ({
          status: response.status,
          body: await response.text(),
          headers: Object.fromEntries(response.headers),
        }))
        .catch((error: Error) => ({ error: error.message })),
    );
    const stop = async (): Promise<void> => {
      delivery.functionStopped = (await this.stopFunction?.(delivery)) ?? false;
      connection.abort();
    };
    const executionLimit = setTimeout(() => void stop(), FUNCTION_EXECUTION_LIMIT_MS);
    void exchange.then(() => clearTimeout(executionLimit));
    let timer: NodeJS.Timeout | undefined;
    const callerGivesUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      this.givingUp.set(delivery.seq, () => resolve('timeout'));
    });
    const seen = Promise.race([exchange, callerGivesUp]).then(async (outcome) => {
      clearTimeout(timer);
      this.givingUp.delete(delivery.seq);
      delivery.durationMs = Math.round((performance.now() - started) * 10) / 10;
      if (outcome === 'timeout') {
        delivery.error = `timed out after ${timeoutMs} ms`;
        if (this.switches.functionOutlivesCaller) {
          void exchange.then((late) => {
            if ('status' in late) delivery.lateStatus = late.status;
          });
        } else {
          await stop();
        }
      } else if ('error' in outcome) {
        delivery.error = outcome.error;
      } else {
        delivery.status = outcome.status;
        delivery.responseBody = outcome.body;
        delivery.responseHeaders = outcome.headers;
      }
      return delivery;
    });
    return this.track(seen);
  }

  /** Twilio's timeout for an open delivery fires now (for a test that needs the Function mid-work when it does). */
  expireDelivery(seq: number): void {
    const giveUp = this.givingUp.get(seq);
    if (!giveUp) throw new Error(`delivery #${seq} is not waiting for an answer`);
    giveUp();
  }

  /** Delivers, and when `retryOnce` and Twilio saw a failure, re-sends once with the same idempotency token. */
  deliverWithRetry(
    kind: string,
    url: string,
    params: Record<string, string>,
    timeoutMs: number,
    retryOnce: boolean,
    retryParams: (params: Record<string, string>) => Record<string, string> = (same) => same,
  ): Promise<WebhookDelivery> {
    return this.track(
      this.deliverWebhook(kind, url, params, timeoutMs).then((first) =>
        retryOnce && deliveryFailed(first)
          ? this.deliverWebhook(kind, url, retryParams(params), timeoutMs, { of: first })
          : first,
      ),
    );
  }

  /** Events `lateDeliveryMs` held back so far. */
  eventsHeldBack = 0;

  /**
   * Sends an event as `deliverWithRetry` does; with `lateDeliveryMs`, every second one is held back
   * on the clock (the returned promise then resolves at once, so events behind it are not held up).
   */
  deliverEvent(
    kind: string,
    url: string,
    params: Record<string, string>,
    timeoutMs: number,
    retryOnce: boolean,
    retryParams?: (params: Record<string, string>) => Record<string, string>,
  ): Promise<unknown> {
    const send = (): Promise<WebhookDelivery> =>
      this.deliverWithRetry(kind, url, params, timeoutMs, retryOnce, retryParams);
    this.eventsSent += 1;
    if (this.switches.lateDeliveryMs > 0 && this.eventsSent % 2 === 0) {
      this.eventsHeldBack += 1;
      this.clock.schedule(this.switches.lateDeliveryMs, () => void send());
      return Promise.resolve();
    }
    return send();
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
      startedAt: performance.now(),
      method,
      product,
      path,
      query,
      form,
      json,
      headers: redactHeaders(req.headers),
    };
    this.requests.push(record);
    res.once('close', () => {
      record.endedAt = performance.now();
      if (!res.writableFinished && record.status === undefined) record.clientLeft = true;
    });

    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      sendJson(res, status, body, headers);
    };
    const drop = (): void => {
      record.status = 0;
      req.socket.destroy();
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
      const result = this.spec.validate(product, method, path, query, form, req.headers);
      template = result.route?.template;
      pathParams = result.route?.pathParams ?? {};
      if (result.problems.length > 0) {
        record.template = template;
        this.violations.push({ method, path: `/${product}${path}`, problems: result.problems });
        const code = result.status === 404 ? 20404 : result.status === 405 ? 20004 : 20001;
        return answer(
          result.status,
          new TwilioApiError(
            result.status,
            code,
            `Simulator refused (as Twilio would): ${result.problems.join('; ')}`,
          ).toBody(),
        );
      }
      route = template ? this.routes.get(routeKey(product, method, template)) : undefined;
    }
    record.template = template;

    const fault = this.takeFault(method, product, path, template, form);
    if (fault) {
      record.fault = JSON.stringify({ ...fault, path: String(fault.path ?? '') });
      if (fault.latencyMs || fault.until) {
        this.requestsHeld += 1;
        try {
          if (fault.latencyMs) await delay(fault.latencyMs);
          await fault.until;
        } finally {
          this.requestsHeld -= 1;
        }
      }
      if (fault.after === undefined) {
        if (fault.drop) return drop();
        if (fault.status) return answer(...injectedFault(fault.status, fault.code));
      }
    }

    if (!route || !template) {
      const message = `Simulator does not implement ${method} /${product}${template ?? path}`;
      this.violations.push({ method, path: `/${product}${path}`, problems: [message] });
      return answer(501, { code: 20501, message, status: 501 });
    }

    const response = await this.process(route, {
      method,
      product,
      template,
      pathParams,
      query,
      form,
      json,
      headers: req.headers,
    });
    if (fault?.after === undefined) return answer(response.status, response.body, response.headers);
    record.processedStatus = response.status;
    if (fault.after === 'drop') return drop();
    answer(...injectedFault(fault.after, fault.code));
  }

  /** The route's answer; a TwilioApiError it throws becomes Twilio's error answer. */
  private async process(route: Route, req: SimRequest): Promise<SimResponse> {
    try {
      return await route.handler(req);
    } catch (error) {
      if (error instanceof TwilioApiError)
        return { status: error.status, body: error.toBody(), headers: error.headers };
      throw error;
    }
  }

  /** A standard API key of the account, as the Console creates one; its secret is shown only here. */
  issueApiKey(): { sid: string; secret: string } {
    const key = { sid: newSid('SK'), secret: 'sim_api_secret_' + newSid('').slice(0, 16) };
    this.apiKeys.set(key.sid, key.secret);
    return key;
  }

  private authorized(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const [user, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    if (user === this.accountSid) return password === this.authToken;
    return this.apiKeys.has(user) && this.apiKeys.get(user) === password;
  }

  private findUnspecced(
    product: string,
    method: string,
    path: string,
  ): { route: Route; template: string; pathParams: Record<string, string> } | undefined {
    for (const [key, route] of this.routes) {
      if (route.specced) continue;
      const [routeProduct, routeMethod, template] = key.split(' ');
      if (routeProduct !== product || routeMethod !== method) continue;
      const names: string[] = [];
      const regex = new RegExp(
        '^' +
          template.replace(/\{([^}]+)\}/g, (_, name: string) => {
            names.push(name);
            return '([^/]+)';
          }) +
          '$',
      );
      const match = regex.exec(path);
      if (!match) continue;
      const pathParams: Record<string, string> = {};
      for (const [i, name] of names.entries()) pathParams[name] = match[i + 1];
      return { route, template, pathParams };
    }
    return undefined;
  }

  private takeFault(
    method: string,
    product: string,
    path: string,
    template: string | undefined,
    form: Readonly<Record<string, string | string[]>> = {},
  ): FaultRule | undefined {
    const fault = this.faults.find(
      (rule) =>
        (!rule.method || rule.method.toUpperCase() === method) &&
        (!rule.product || rule.product === product) &&
        (!rule.form || Object.values(form).some((value) => [value].flat().some((v) => rule.form!.test(v)))) &&
        (!rule.path ||
          (typeof rule.path === 'string' ? rule.path === template || rule.path === path : rule.path.test(path))),
    );
    if (!fault) return undefined;
    if (fault.skip) {
      fault.skip -= 1;
      return undefined;
    }
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

/** The answer to an injected `status` fault: Twilio's error body, with Retry-After on a 429. */
function injectedFault(status: number, code?: number): [number, unknown, Record<string, string>] {
  const errorCode = code ?? (status === 429 ? 20429 : status >= 500 ? 20500 : 20001);
  const headers: Record<string, string> = status === 429 ? { 'Retry-After': '1' } : {};
  return [status, new TwilioApiError(status, errorCode, `Injected fault ${status}`).toBody(), headers];
}

/** Unreferenced: a wait that lost its race must not keep the process alive after the tests. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
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
