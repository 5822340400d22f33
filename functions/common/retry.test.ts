import { Deadline, withRetries } from './retry';

class Failure extends Error {
  constructor(
    readonly transient: boolean,
    readonly retryAfter?: number,
  ) {
    super(transient ? 'transient failure' : 'permanent failure');
  }
}

/** A clock the test moves by hand; waiting on it moves it at once and is recorded. */
function manualClock(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  const advance = (ms: number) => {
    now += ms;
  };
  const sleep = async (ms: number) => {
    waits.push(ms);
    advance(ms);
  };
  return {
    now: () => now,
    advance,
    sleep,
    waits,
    deadline: (budgetMs: number) => new Deadline(budgetMs, () => now, sleep),
  };
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
    const deadline = clock.deadline(1000);
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
    await expect(withRetries(operation, options(clock.deadline(1500)))).rejects.toBe(failure);
    expect(attempts).toEqual([1]);
    expect(clock.waits).toEqual([]);
  });

  it('fails at once when the wait is exactly the time left (no time to try again)', async () => {
    const clock = manualClock();
    const failure = new Failure(true, 1500);
    const { operation, attempts } = flaky(failure);
    await expect(withRetries(operation, options(clock.deadline(1500)))).rejects.toBe(failure);
    expect(attempts).toEqual([1]);
    expect(clock.waits).toEqual([]);
  });

  it('stops retrying once the deadline has run out during the attempts', async () => {
    const clock = manualClock();
    const deadline = clock.deadline(1000);
    const attempts: number[] = [];
    const operation = async (attempt: number): Promise<string> => {
      attempts.push(attempt);
      clock.advance(600); // each attempt takes 600 ms of the budget
      throw new Failure(true);
    };
    await expect(withRetries(operation, options(deadline, { attempts: 5, baseDelayMs: 1 }))).rejects.toBeInstanceOf(
      Failure,
    );
    expect(attempts).toEqual([1, 2]);
  });

  it('honours the wait the failure asked for (Retry-After)', async () => {
    const clock = manualClock();
    const { operation, attempts } = flaky(new Failure(true, 250));
    await expect(withRetries(operation, options(clock.deadline(5000)))).resolves.toBe('ok on attempt 2');
    expect(attempts).toEqual([1, 2]);
    expect(clock.waits).toEqual([250]);
  });

  it('backs off exponentially from the base delay, jitter below the base, when no wait was asked for', async () => {
    const clock = manualClock();
    const { operation } = flaky(new Failure(true), new Failure(true));
    await withRetries(operation, options(clock.deadline(5000), { baseDelayMs: 100 }));
    expect(clock.waits).toHaveLength(2);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(100);
    expect(clock.waits[0]).toBeLessThan(200);
    expect(clock.waits[1]).toBeGreaterThanOrEqual(200);
    expect(clock.waits[1]).toBeLessThan(300);
  });
});
