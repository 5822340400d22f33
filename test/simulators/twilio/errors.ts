/** A Twilio REST error, answered with Twilio's error body shape. */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
  }
}

export const notFound = (resource: string): TwilioApiError =>
  new TwilioApiError(404, 20404, `The requested resource ${resource} was not found`);

export const invalidParameter = (message: string): TwilioApiError => new TwilioApiError(400, 20001, message);
