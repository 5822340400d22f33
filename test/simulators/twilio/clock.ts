/**
 * The simulator's clock: real time plus an offset tests can advance, with timers that fire
 * when simulated time passes their due time (reservation timeouts, TTLs).
 */
interface Timer {
  id: number;
  due: number;
  run: () => void;
}

export class SimulatorClock {
  private offsetMs = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private ticker?: NodeJS.Timeout;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Schedules `run` after `delayMs` of simulated time; returns a handle for cancel(). */
  schedule(delayMs: number, run: () => void): number {
    const id = this.nextId++;
    this.timers.push({ id, due: this.now() + delayMs, run });
    return id;
  }

  cancel(id: number | undefined): void {
    if (id !== undefined) this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Moves simulated time forward and fires every timer that falls due, in due order. */
  advance(ms: number): void {
    this.offsetMs += ms;
    this.fireDue();
  }

  fireDue(): void {
    for (;;) {
      const now = this.now();
      const due = this.timers.filter((t) => t.due <= now).sort((a, b) => a.due - b.due)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.run();
    }
  }

  startTicking(intervalMs = 200): void {
    this.ticker ??= setInterval(() => this.fireDue(), intervalMs);
    this.ticker.unref();
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

/** Twilio's date format: ISO 8601 UTC without milliseconds; null for a date not set. */
export function isoDate(ms: number): string;
export function isoDate(ms: number | null | undefined): string | null;
export function isoDate(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
