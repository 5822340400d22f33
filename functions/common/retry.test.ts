import { Deadline, isTransientTwilioError, withRetries } from './retry';

class Failure extends Error {
  constructor(
    readonly transient: boolean,
    readonly retryAfter?: number,
  ) {
    super(transient ? 'transient failure' : 'permanent failure');
  }
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const options = (deadline: Deadline, over: Partial<Parameters<typeof withRetries>[1]> = {}) => ({
  deadline,
  baseDelayMs: 1,
  isTransient: (error: unknown) => error instanceof Failure && error.transient,
  retryAfterMs: (error: unknown) => (error instanceof Failure ? error.retryAfter : undefined),
  ...over,
});

/** An operation that fails with the given failures, in order, then succeeds. */
function flaky(...failures: Failure[]) {
  const attempts: number[] = [];
  const operation = async (attempt: number): Promise<string> => {
    attempts.push(attempt);
    const failure = failures.shift();
    if (failure) throw failure;
    return `ok on attempt ${attempt}`;
  };
  return { operation, attempts };
}

describe('Deadline', () => {
  it('counts down on its clock and never goes below zero', () => {
    const clock = manualClock();
    const deadline = new Deadline(1000, clock.now);
    expect(deadline.remaining()).toBe(1000);
    expect(deadline.expired()).toBe(false);
    clock.advance(999);
    expect(deadline.remaining()).toBe(1);
    clock.advance(1);
    expect(deadline.expired()).toBe(true);
    clock.advance(5000);
    expect(deadline.remaining()).toBe(0);
  });
});

describe('withRetries', () => {
  it('returns the first success without retrying', async () => {
    const { operation, attempts } = flaky();
    await expect(withRetries(operation, options(new Deadline(5000)))).resolves.toBe('ok on attempt 1');
    expect(attempts).toEqual([1]);
  });

  it('retries transient failures, numbering the attempts', async () => {
    const { operation, attempts } = flaky(new Failure(true), new Failure(true));
    await expect(withRetries(operation, options(new Deadline(5000)))).resolves.toBe('ok on attempt 3');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('does not retry a failure that is not transient', async () => {
    const permanent = new Failure(false);
    const { operation, attempts } = flaky(permanent);
    await expect(withRetries(operation, options(new Deadline(5000)))).rejects.toBe(permanent);
    expect(attempts).toEqual([1]);
  });

  it('stops after the given number of attempts, throwing the last failure', async () => {
    const last = new Failure(true);
    const { operation, attempts } = flaky(new Failure(true), last, new Failure(true));
    await expect(withRetries(operation, options(new Deadline(5000), { attempts: 2 }))).rejects.toBe(last);
    expect(attempts).toEqual([1, 2]);
  });

  it('makes 3 attempts by default', async () => {
    const { operation, attempts } = flaky(new Failure(true), new Failure(true), new Failure(true), new Failure(true));
    await expect(withRetries(operation, options(new Deadline(5000)))).rejects.toBeInstanceOf(Failure);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('fails at once when the wait asked for is longer than the time left', async () => {
    const clock = manualClock();
    const failure = new Failure(true, 2000);
    const { operation, attempts } = flaky(failure);
    const started = Date.now();
    await expect(withRetries(operation, options(new Deadline(1500, clock.now)))).rejects.toBe(failure);
    expect(attempts).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('fails at once when the wait is exactly the time left (no time to try again)', async () => {
    const clock = manualClock();
    const failure = new Failure(true, 1500);
    const { operation, attempts } = flaky(failure);
    await expect(withRetries(operation, options(new Deadline(1500, clock.now)))).rejects.toBe(failure);
    expect(attempts).toEqual([1]);
  });

  it('stops retrying once the deadline has run out during the attempts', async () => {
    const clock = manualClock();
    const deadline = new Deadline(1000, clock.now);
    const attempts: number[] = [];
    const operation = async (attempt: number): Promise<string> => {
      attempts.push(attempt);
      clock.advance(600); // each attempt takes 600 ms of the budget
      throw new Failure(true);
    };
    await expect(withRetries(operation, options(deadline, { attempts: 5, baseDelayMs: 1 }))).rejects.toBeInstanceOf(Failure);
    expect(attempts).toEqual([1, 2]);
  });

  it('honours the wait the failure asked for (Retry-After)', async () => {
    const { operation, attempts } = flaky(new Failure(true, 250));
    const started = Date.now();
    await expect(withRetries(operation, options(new Deadline(5000)))).resolves.toBe('ok on attempt 2');
    expect(attempts).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('backs off exponentially from the base delay when no wait was asked for', async () => {
    const { operation } = flaky(new Failure(true), new Failure(true));
    const started = Date.now();
    await withRetries(operation, options(new Deadline(5000), { baseDelayMs: 100 }));
    // 100 ms (+ jitter < 100) then 200 ms (+ jitter < 100): at least 300 ms, at most ~500 ms.
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('isTransientTwilioError', () => {
  it.each([
    [{ status: 429, code: 20429 }, true],
    [{ status: 500 }, true],
    [{ status: 503 }, true],
    [{ status: 400, code: 20001 }, false],
    [{ status: 404, code: 20404 }, false],
    [{ status: 409, code: 54208 }, false],
    [{ status: 412 }, false],
    [new Error('socket hang up'), true],
    [undefined, true],
  ])('%j → %s', (error, transient) => {
    expect(isTransientTwilioError(error)).toBe(transient);
  });
});
