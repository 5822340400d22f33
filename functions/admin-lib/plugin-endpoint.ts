// The one wrapper for every Function the Flex plugin calls: CORS headers, the caller's Flex
// token (form field `Token`) validated through IAM, the role check, one log line, and one
// answer shape: 200 `{ ok: true, ...payload }` or `{ ok: false, error: { code, message, field? } }`.
//
// Browser preflights never reach a Function: the Twilio runtime (and twilio-run) answers OPTIONS
// itself with 204 and `Access-Control-Allow-Origin: *`. The plugin posts form-encoded bodies
// without custom headers, so browsers send no preflight anyway.
import '@twilio-labs/serverless-runtime-types';
import type { Context, ServerlessCallback } from '@twilio-labs/serverless-runtime-types/types';
import { ALLOW_CUSTOM_API_URLS, RefusedApiUrlError } from '../common/deployment-guard';
import { logEvent } from '../common/log';
import { Deadline } from '../common/retry';
import { BridgeState } from '../bridge/state';
import type { BridgeConfig } from '../common/config';
import {
  createTwilioApis,
  DeadlineExceededError,
  FLEX_TOKEN_EXPIRED,
  type FlexTokenCheck,
  type ReservationStatus,
  type ReservationSummary,
  type TaskSnapshot,
  type TwilioApis,
  type TwilioCredentials,
  mayHaveBeenProcessed,
  twilioStatus,
  undefinedIfNotFound,
} from '../common/twilio';
import { AdminError, internalError, invalidInput } from './admin-error';

export interface AdminEnv extends TwilioCredentials {
  /** The integration's own Sync service (config document and state maps). */
  SYNC_SERVICE_SID?: string;
  OPENCX_API_URL?: string;
  [key: string]: string | undefined;
}

export type PluginEvent = Record<string, unknown> & { request?: { headers?: Record<string, string> } };

export type Role = 'admin' | 'supervisor';

export interface FlexCaller {
  identity: string;
  roles: string[];
  /** The caller's TaskRouter worker, when they are one. */
  workerSid?: string;
}

/**
 * The task the caller holds (`taskHolder` endpoints): in the saved settings' workspace, or in another of
 * the account's (a conversation begun there before a save moved the settings lives on in it).
 */
export interface HeldTask {
  config: BridgeConfig;
  task: TaskSnapshot;
  /** The workspace the task lives in. */
  workspaceSid: string;
  /** The caller's accepted reservation of it. */
  reservationSid: string;
}

export interface PluginCall<Env extends AdminEnv> {
  context: Context<Env>;
  /** The form fields the plugin posted (`Token` included). */
  event: PluginEvent;
  caller: FlexCaller;
  twilio: TwilioApis;
  deadline: Deadline;
  /** Twilio with a budget of its own, to give back what the call holds once its deadline ran out. */
  twilioWithin: (budgetMs: number) => TwilioApis;
  /** Fields to add to the request's log line. Never secrets. */
  trace: Record<string, unknown>;
  /** Set for `taskHolder` endpoints. */
  held?: HeldTask;
}

export interface EndpointOptions {
  /** Names the Function in its log line, e.g. `settings-save`. */
  name: string;
  /** The caller must have one of these roles; none: any Flex user. */
  role?: Role | readonly Role[];
  /** What the roles unlock, for the refusal: "the OpenCX settings" unless said. */
  purpose?: string;
  /**
   * The caller must be the worker holding the task named by the
   * form field `taskSid`: an accepted reservation of theirs.
   */
  taskHolder?: boolean;
  /** With `taskHolder`: the worker who held the task counts too (their reservation wrapping or completed). */
  heldBefore?: boolean;
}

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'OPTIONS, POST',
  'Access-Control-Allow-Headers': 'Content-Type',
};

/**
 * From the handler's start, when a request made past the call's budget must end: by then, or 300 ms
 * (its shortest timeout) after it starts, so by 9.7 s. Twilio ends a Function 10 s after it
 * started, start-up included.
 */
const LAST_REQUEST_ENDS_MS = 9400;
/** The call's own budget, leaving time to answer and to give back what it holds. */
const BUDGET_MS = 9000;

/** Who the caller is, from IAM's verdict on their token; throws a 403 AdminError otherwise. */
export function authorize(
  check: FlexTokenCheck,
  role: Role | readonly Role[] | undefined,
  purpose = 'the OpenCX settings',
): FlexCaller {
  if (!check.valid) {
    const message =
      check.code === FLEX_TOKEN_EXPIRED
        ? 'Your Flex session has expired; reload Flex and try again'
        : 'Your Flex session is not valid; reload Flex and try again';
    throw new AdminError(
      403,
      'invalid_token',
      message,
      undefined,
      `IAM refused the Flex token (code ${check.code ?? 'none'})`,
    );
  }
  const caller = {
    identity: check.identity ?? 'unknown',
    roles: check.roles,
    ...(check.workerSid ? { workerSid: check.workerSid } : {}),
  };
  const allowed: readonly Role[] = role === undefined ? [] : typeof role === 'string' ? [role] : role;
  if (allowed.length > 0 && !allowed.some((r) => check.roles.includes(r))) {
    const who = allowed.map((r) => `${r}s`).join(' and ');
    throw new AdminError(
      403,
      'forbidden',
      `Only Flex ${who} can use ${purpose}`,
      undefined,
      `${caller.identity} has roles [${check.roles.join(', ')}]`,
    );
  }
  return caller;
}

/**
 * The caller's own accepted reservation of the task; a 403 for
 * anyone else (a supervisor watching, an agent who transferred it).
 */
export function authorizeTaskHolder(caller: FlexCaller, accepted: ReservationSummary[]): ReservationSummary {
  const held = caller.workerSid
    ? accepted.find((reservation) => reservation.workerSid === caller.workerSid)
    : undefined;
  if (!held) {
    throw new AdminError(
      403,
      'not_task_holder',
      'Only the agent who holds this task can do this',
      undefined,
      `${caller.identity} (worker ${caller.workerSid ?? 'none'}) holds no accepted reservation of the task`,
    );
  }
  return held;
}

const TASK_SID = /^WT[0-9a-f]{32}$/i;

/** Reservations that mean the worker holds the task, or (`heldBefore`) held it. */
const HOLDING: readonly ReservationStatus[] = ['accepted'];
const HELD: readonly ReservationStatus[] = ['accepted', 'wrapping', 'completed'];

/** The task named by `taskSid`, if the caller holds it (or held it). */
async function heldTask(
  context: AdminEnv,
  event: PluginEvent,
  caller: FlexCaller,
  twilio: TwilioApis,
  heldBefore: boolean,
): Promise<HeldTask> {
  const taskSid = typeof event.taskSid === 'string' ? event.taskSid.trim() : '';
  if (!TASK_SID.test(taskSid)) throw invalidInput('taskSid', 'The request must name the task (taskSid, WT…)');
  const config = await new BridgeState(twilio.sync, syncServiceSid(context)).loadConfig();
  if (!config)
    throw new AdminError(409, 'not_configured', 'OpenCX is not set up yet: an admin saves its settings in Flex first');
  const readIn = async (workspaceSid: string) => {
    const [task, mine] = await Promise.all([
      undefinedIfNotFound(twilio.taskrouter.fetchTask(workspaceSid, taskSid)),
      caller.workerSid
        ? undefinedIfNotFound(twilio.taskrouter.reservationsOfWorker(workspaceSid, taskSid, caller.workerSid))
        : [],
    ]);
    return task && { task, mine, workspaceSid };
  };
  // Not in the settings' workspace: a conversation begun before a save moved them keeps its task where it was.
  const has = async (workspaceSid: string) =>
    (await undefinedIfNotFound(twilio.taskrouter.fetchTask(workspaceSid, taskSid))) ? workspaceSid : undefined;
  const elsewhere = async () => {
    const workspaceSid = await readElsewhere(config, twilio.taskrouter, has);
    return workspaceSid === undefined ? undefined : readIn(workspaceSid);
  };
  const found = (await readIn(config.workspaceSid)) ?? (await elsewhere());
  if (!found) throw new AdminError(404, 'not_found', 'This task no longer exists', 'taskSid');
  const { task, mine, workspaceSid } = found;
  const holding = (mine ?? []).filter((reservation) => (heldBefore ? HELD : HOLDING).includes(reservation.status));
  return { config, task, workspaceSid, reservationSid: authorizeTaskHolder(caller, holding).sid };
}

/**
 * What `readIn` finds in the first other workspace of the account that has it (not the timers'). A read
 * that failed elsewhere does not hide it where it is; with it found nowhere, that failure is thrown
 * (the task may be there), not "no longer exists".
 */
export async function readElsewhere<T>(
  config: Pick<BridgeConfig, 'workspaceSid' | 'timerWorkspaceSid'>,
  taskrouter: Pick<TwilioApis['taskrouter'], 'listWorkspaceSids'>,
  readIn: (workspaceSid: string) => Promise<T | undefined>,
): Promise<T | undefined> {
  const others = (await taskrouter.listWorkspaceSids()).filter(
    (sid) => sid !== config.workspaceSid && sid !== config.timerWorkspaceSid,
  );
  const reads = await Promise.allSettled(others.map(readIn));
  for (const read of reads) if (read.status === 'fulfilled' && read.value !== undefined) return read.value;
  const failed = reads.find((read) => read.status === 'rejected');
  if (failed) throw failed.reason;
  return undefined;
}

export function flexToken(event: PluginEvent): string {
  const token = event.Token;
  if (typeof token !== 'string' || !token.trim())
    throw new AdminError(403, 'missing_token', 'The request carried no Flex token; reload Flex and try again');
  return token.trim();
}

/**
 * A deployed Function with a simulator's URL in its environment: no request went out. Told before the
 * caller is known (checking the Flex token is a Twilio request), so the answer names the variables, never the URLs.
 */
export function unsafeApiUrlError(error: RefusedApiUrlError): AdminError {
  const variables = error.refused.map((url) => url.variable).join(' and ');
  return new AdminError(
    500,
    'unsafe_api_url',
    `The OpenCX Functions sent no request: ${variables} in their environment is not ` +
      "the service's own https address (a local simulator's?). " +
      `Remove it and deploy again, or set ${ALLOW_CUSTOM_API_URLS}=true if it is meant.`,
    undefined,
    error.message,
  );
}

/** Twilio failed for a while (5xx, 429, no answer) or the call's time ran out: worth trying again. */
function isTwilioFault(error: unknown): boolean {
  return error instanceof DeadlineExceededError || twilioStatus(error) === 429 || mayHaveBeenProcessed(error);
}

const twilioUnavailable = (detail: string): AdminError =>
  new AdminError(
    503,
    'twilio_unavailable',
    'Twilio failed or did not answer in time: try again in a moment. What was asked may have been done in part',
    undefined,
    detail,
  );

/** The Sync service the settings live in; a deployment without one cannot serve the settings. */
export function syncServiceSid(env: AdminEnv): string {
  const sid = env.SYNC_SERVICE_SID?.trim();
  if (!sid)
    throw new AdminError(
      500,
      'server_misconfigured',
      'The OpenCX Functions are not fully set up; the details are in the Functions logs',
      undefined,
      'SYNC_SERVICE_SID is not set',
    );
  return sid;
}

export function pluginEndpoint<Env extends AdminEnv>(
  options: EndpointOptions,
  run: (call: PluginCall<Env>) => Promise<Record<string, unknown>>,
): (context: Context<Env>, event: PluginEvent, callback: ServerlessCallback) => Promise<void> {
  return async (context, event, callback) => {
    const started = Date.now();
    const trace: Record<string, unknown> = {};
    const deadline = new Deadline(BUDGET_MS);
    try {
      const twilio = createTwilioApis(context, deadline);
      const caller = authorize(await twilio.iam.validateFlexToken(flexToken(event)), options.role, options.purpose);
      trace.identity = caller.identity;
      const held = options.taskHolder
        ? await heldTask(context, event, caller, twilio, options.heldBefore === true)
        : undefined;
      if (held) trace.taskSid = held.task.sid;
      // Never past the moment Twilio ends the Function: its answer would be lost with it.
      const twilioWithin = (budgetMs: number) => {
        const left = Math.min(budgetMs, LAST_REQUEST_ENDS_MS - (Date.now() - started));
        return createTwilioApis(context, new Deadline(Math.max(0, left)));
      };
      const payload = await run({ context, event, caller, twilio, deadline, twilioWithin, trace, held });
      logEvent({ event: options.name, outcome: 'ok', ...trace, ms: Date.now() - started });
      reply(callback, 200, { ok: true, ...payload });
    } catch (thrown) {
      const error =
        thrown instanceof AdminError
          ? thrown
          : thrown instanceof RefusedApiUrlError
            ? unsafeApiUrlError(thrown)
            : isTwilioFault(thrown)
              ? twilioUnavailable(String(thrown))
              : internalError(String(thrown));
      const level = error.status >= 500 ? 'error' : 'warn';
      const outcome = error.status >= 500 ? 'failed' : 'refused';
      logEvent(
        {
          event: options.name,
          outcome,
          ...trace,
          status: error.status,
          code: error.code,
          field: error.field,
          reason: error.detail ?? error.message,
          ms: Date.now() - started,
        },
        level,
      );
      reply(callback, error.status, error.toBody());
    }
  };
}

function reply(callback: ServerlessCallback, status: number, body: object): void {
  const response = new Twilio.Response();
  response.setStatusCode(status);
  response.setHeaders({ ...CORS_HEADERS, 'Content-Type': 'application/json' });
  response.setBody(body);
  callback(null, response);
}
