// Retries transient failures inside a hard deadline, so a handler never outlives Twilio's webhook
// deadline or the Function's 10 s limit. What counts as transient is the caller's to say.

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A time budget on a clock; waits between attempts run on the same clock (a test's virtual one). */
export class Deadline {
  private endsAt: number;
  constructor(
    budgetMs: number,
    private readonly now: () => number = Date.now,
    readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {
    this.endsAt = now() + budgetMs;
  }
  remaining(): number {
    return Math.max(0, this.endsAt - this.now());
  }
  expired(): boolean {
    return this.remaining() <= 0;
  }
  /** Ends `ms` sooner: what the caller keeps for a step after the work (giving back a lock). */
  shorten(ms: number): void {
    this.endsAt -= ms;
  }
  /** Ends `ms` later: time kept back for a step that turned out not to need it. */
  giveBack(ms: number): void {
    this.endsAt += ms;
  }
}

export interface RetryOptions {
  deadline: Deadline;
  /** Attempts at most, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  isTransient: (error: unknown) => boolean;
  /** How long the failure asked us to wait (Retry-After), if it did. */
  retryAfterMs?: (error: unknown) => number | undefined;
}

export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !options.isTransient(error)) throw error;
      const wait = options.retryAfterMs?.(error) ?? base * 2 ** (attempt - 1) + Math.floor(Math.random() * base);
      // Not enough time left to wait and try again: fail now so the caller can fall back.
      if (wait >= options.deadline.remaining()) throw error;
      await options.deadline.sleep(wait);
    }
  }
}
