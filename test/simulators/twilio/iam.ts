// Twilio IAM's Flex token validation (iam.twilio.com), which has no public OpenAPI spec:
// POST /v1/Accounts/{AccountSid}/Tokens/validate with a JSON body {"token": ...}.
// Answers like Twilio (and what twilio-flex-token-validator reads): HTTP 200 with `valid` true or
// false; an invalid token is not an HTTP error. Codes: 20101 invalid token, 20104 expired.
import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse, SimulatorModule, TwilioSimulator } from './simulator';

export const TOKEN_INVALID_CODE = 20101;
export const TOKEN_EXPIRED_CODE = 20104;
const DEFAULT_TTL_SECONDS = 3600;

export interface IssueTokenOptions {
  identity: string;
  roles: string[];
  workerSid?: string;
  /** Defaults to the identity (Flex: the SSO user's e-mail). */
  realmUserId?: string;
  /** Negative values issue a token that has already expired. */
  expiresInSeconds?: number;
}

export interface FlexTokenState {
  identity: string;
  realmUserId: string;
  roles: string[];
  workerSid: string | null;
  expiresAt: number;
}

export interface TokenValidation {
  valid: boolean;
  code: number;
  message: string | null;
  expiration: string | null;
  realm_user_id: string | null;
  identity: string | null;
  roles: string[] | null;
  worker_sid: string | null;
}

export class IamSim implements SimulatorModule {
  private readonly tokens = new Map<string, FlexTokenState>();
  private sim!: TwilioSimulator;

  register(sim: TwilioSimulator): void {
    this.sim = sim;
    sim.unspeccedRoute('iam', 'POST', '/v1/Accounts/{AccountSid}/Tokens/validate', (req) => this.validateRoute(req));
  }

  reset(): void {
    this.tokens.clear();
  }

  snapshot(): unknown {
    // Token strings are credentials: the snapshot shows who holds one, not the token itself.
    return [...this.tokens.values()].map((token) => ({
      ...token,
      expiration: new Date(token.expiresAt).toISOString(),
    }));
  }

  /** Issues an opaque Flex token (JWE-shaped, like `manager.user.token`). */
  issueToken(opts: IssueTokenOptions): string {
    const token = Array.from({ length: 5 }, () => randomBytes(24).toString('base64url')).join('.');
    this.tokens.set(token, {
      identity: opts.identity,
      realmUserId: opts.realmUserId ?? opts.identity,
      roles: [...opts.roles],
      workerSid: opts.workerSid ?? null,
      expiresAt: this.sim.clock.now() + (opts.expiresInSeconds ?? DEFAULT_TTL_SECONDS) * 1000,
    });
    return token;
  }

  validate(token: string): TokenValidation {
    const state = this.tokens.get(token);
    if (!state) return rejection(TOKEN_INVALID_CODE, 'Invalid Access Token');
    if (state.expiresAt <= this.sim.clock.now())
      return rejection(TOKEN_EXPIRED_CODE, 'Access Token expired or expiration date invalid');
    return {
      valid: true,
      code: 0,
      message: null,
      expiration: new Date(state.expiresAt).toISOString(),
      realm_user_id: state.realmUserId,
      identity: state.identity,
      roles: [...state.roles],
      worker_sid: state.workerSid,
    };
  }

  private validateRoute(req: SimRequest): SimResponse {
    if (req.pathParams.AccountSid !== this.sim.accountSid) {
      return {
        status: 403,
        body: { ...rejection(20003, 'Authenticated account does not own this AccountSid'), status: 403 },
      };
    }
    const token = (req.json as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      return {
        status: 400,
        body: { ...rejection(20001, 'Expected a JSON body {"token": "<Flex token>"}'), status: 400 },
      };
    }
    return { status: 200, body: this.validate(token) };
  }
}

function rejection(code: number, message: string): TokenValidation {
  return {
    valid: false,
    code,
    message,
    expiration: null,
    realm_user_id: null,
    identity: null,
    roles: null,
    worker_sid: null,
  };
}
