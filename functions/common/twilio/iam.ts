// IAM: who a Flex user token belongs to.
import { TwilioProductApi } from './base';

/** IAM's verdict on a Flex user token; an invalid or expired token is `valid: false`, not an error. */
export interface FlexTokenCheck {
  valid: boolean;
  /** IAM's code when not valid: 20101 invalid, 20104 expired. */
  code?: number;
  identity?: string;
  roles: string[];
  workerSid?: string;
}

export const FLEX_TOKEN_EXPIRED = 20104;

export class IamApi extends TwilioProductApi {
  async validateFlexToken(token: string): Promise<FlexTokenCheck> {
    const { body } = await this.rawRequest('validate Flex token', {
      method: 'post',
      uri: `https://iam.twilio.com/v1/Accounts/${this.client.accountSid}/Tokens/validate`,
      headers: { 'Content-Type': 'application/json' },
      data: { token },
    });
    const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
    return {
      valid: body.valid === true,
      code: typeof body.code === 'number' ? body.code : undefined,
      identity: text(body.identity),
      roles: Array.isArray(body.roles) ? body.roles.filter((role): role is string => typeof role === 'string') : [],
      workerSid: text(body.worker_sid),
    };
  }
}
