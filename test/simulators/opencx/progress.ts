/**
 * What the simulator is busy with, so tests can wait for a state instead of sleeping. Work that
 * waits on the clock (a held answer, a scheduled retry) is paused: only advancing time resumes it.
 */
interface Waiter {
  condition: () => boolean;
  resolve: () => void;
}

export class Progress {
  private active = 0;
  private paused = 0;
  private readonly waiters = new Set<Waiter>();

  /** Nothing is in progress except work that waits on the clock. */
  get idle(): boolean {
    return this.active === this.paused;
  }

  /** Marks one unit of work in progress; the returned function ends it (once). */
  begin(): () => void {
    this.active += 1;
    return this.once(() => {
      this.active -= 1;
      this.changed();
    });
  }

  /** Marks one unit of work as waiting on the clock; the returned function resumes it (once). */
  pause(): () => void {
    this.paused += 1;
    this.changed();
    return this.once(() => {
      this.paused -= 1;
      this.changed();
    });
  }

  /** Resolves as soon as `condition` holds, re-checked on every change. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ condition, resolve }));
  }

  /** Re-checks the waiters after a change of state. */
  changed(): void {
    for (const waiter of this.waiters) {
      if (!waiter.condition()) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }

  private once(run: () => void): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      run();
    };
  }
}
