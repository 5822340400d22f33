import { performance } from 'node:perf_hooks';

/**
 * The simulators' virtual clock. Simulated time starts at the real time the clock was made (so
 * timestamps look real) and then moves only through `advance()`, never on its own: a reservation
 * timeout or a TTL cannot fire in the middle of a test however slow the machine is. A person
 * driving the simulators by hand can opt in to `startTicking()`, which follows real time.
 */
interface Timer {
  id: number;
  due: number;
  run: () => void;
}

export class SimulatorClock {
  private current: number;
  private advancedMs = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private ticker?: NodeJS.Timeout;

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /**
   * Time for rate limits (ms, monotonic): real elapsed time plus every `advance()`. A burst is
   * measured at the speed it really happens, and advancing the clock still opens a new window.
   */
  rateTime(): number {
    return performance.now() + this.advancedMs;
  }

  /** Schedules `run` after `delayMs` of simulated time; returns a handle for cancel(). */
  schedule(delayMs: number, run: () => void): number {
    const id = this.nextId++;
    this.timers.push({ id, due: this.current + Math.max(0, delayMs), run });
    return id;
  }

  cancel(id?: number): void {
    if (id !== undefined) this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Moves simulated time forward, firing every timer that falls due at its own due time, in order. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    this.advancedMs += Math.max(0, ms);
    for (let due = this.nextDue(target); due; due = this.nextDue(target)) {
      this.current = Math.max(this.current, due.due);
      this.fire(due);
    }
    this.current = target;
  }

  /** Fires the timers already due (scheduled with no delay, or due when simulated time last moved). */
  runDue(): void {
    for (let due = this.nextDue(this.current); due; due = this.nextDue(this.current)) this.fire(due);
  }

  /** Whether a timer is due now and waits for `runDue()`. */
  hasDue(): boolean {
    return this.timers.some((t) => t.due <= this.current);
  }

  /** Opt-in for hand-driven use: simulated time follows real time from now on. */
  startTicking(intervalMs = 200): void {
    if (this.ticker) return;
    let last = performance.now();
    this.ticker = setInterval(() => {
      const now = performance.now();
      this.advance(now - last);
      last = now;
    }, intervalMs);
    this.ticker.unref();
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private nextDue(limit: number): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.timers) if (timer.due <= limit && (!next || timer.due < next.due)) next = timer;
    return next;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    timer.run();
  }
}

/** Twilio's date format: ISO 8601 UTC without milliseconds; null for a date not set. */
export function isoDate(ms: number): string;
export function isoDate(ms: number | null | undefined): string | null;
export function isoDate(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
