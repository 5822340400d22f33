// The one error shape every plugin-called Function answers with:
// `{ ok: false, error: { code, message, field? } }`, with the HTTP status carried alongside.

export type AdminErrorCode =
  | 'missing_token'
  | 'invalid_token'
  | 'forbidden'
  | 'invalid_input'
  | 'not_found'
  | 'not_task_holder'
  | 'not_configured'
  | 'not_handed_off'
  | 'handback_failed'
  | 'handback_in_progress'
  | 'transfer_pending'
  | 'ai_worker_conflict'
  | 'settings_changed'
  | 'setup_busy'
  | 'setup_changed'
  | 'change_not_confirmed'
  | 'served_by_another_deployment'
  | 'opencx_token_rejected'
  | 'opencx_other_organisation'
  | 'opencx_unavailable'
  | 'server_misconfigured'
  | 'unsafe_api_url'
  | 'twilio_unavailable'
  | 'internal_error';

export interface ErrorBody {
  ok: false;
  error: { code: AdminErrorCode; message: string; field?: string };
}

/** A failure the caller should see as is. `detail` goes to the log only. */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 500 | 502 | 503,
    readonly code: AdminErrorCode,
    message: string,
    readonly field?: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }

  toBody(): ErrorBody {
    return {
      ok: false,
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

export const invalidInput = (field: string, message: string): AdminError =>
  new AdminError(400, 'invalid_input', message, field);

/** For anything unexpected: the browser gets no details, the log gets them all. */
export const internalError = (detail: string): AdminError =>
  new AdminError(
    500,
    'internal_error',
    'Something went wrong on our side; the details are in the Functions logs',
    undefined,
    detail,
  );
