// One structured log line per event, carrying the SIDs that trace a task to its OpenCX session.
// Only the fields passed are printed: callers never pass secrets.

export interface EventLog {
  event: string;
  outcome: string;
  eventSid?: string;
  taskSid?: string;
  reservationSid?: string;
  conversationSid?: string;
  sessionId?: string;
  messageSid?: string;
  workerSid?: string;
  reason?: string;
  error?: string;
  ms?: number;
  [field: string]: unknown;
}

export function logEvent(entry: EventLog, level: 'info' | 'warn' | 'error' = 'info'): void {
  const line = JSON.stringify({ level, source: 'opencx-bridge', ...entry });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
