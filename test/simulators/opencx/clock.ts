/**
 * The time source of the OpenCX simulator. Tests share one virtual clock between the simulators
 * (the Twilio simulator's `SimulatorClock` has this shape), so AI latency, webhook retries and rate
 * limits move only when the test advances time.
 */
export interface OpenCxClock {
  now(): number;
  /** Runs `run` once `delayMs` of this clock's time has passed; returns a handle for cancel(). */
  schedule(delayMs: number, run: () => void): number;
  cancel(id?: number): void;
  /**
   * Time for rate limits, when it differs from `now()`: on a clock that only moves when a test
   * advances it, a minute's window would otherwise never end.
   */
  rateTime?(): number;
}

/** The longest delay a Node timer takes; anything longer never fires here. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Wall-clock time and real timers: the default, for running the simulator by hand. */
export function realTimeClock(): OpenCxClock {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  return {
    now: () => Date.now(),
    schedule(delayMs, run) {
      const id = nextId++;
      if (delayMs > MAX_TIMER_MS) return id;
      const timer = setTimeout(() => {
        timers.delete(id);
        run();
      }, delayMs);
      timers.set(id, timer);
      return id;
    },
    cancel(id) {
      if (id === undefined) return;
      clearTimeout(timers.get(id));
      timers.delete(id);
    },
  };
}

/** Simulated time that moves only when `advance` is called; due timers fire in due order. */
export class ManualClock implements OpenCxClock {
  private timers: { id: number; due: number; run: () => void }[] = [];
  private nextId = 1;

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, run: () => void): number {
    const id = this.nextId++;
    this.timers.push({ id, due: this.time + delayMs, run });
    return id;
  }

  cancel(id?: number): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.timers.filter((timer) => timer.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = Math.max(this.time, next.due);
      next.run();
    }
    this.time = target;
  }
}
