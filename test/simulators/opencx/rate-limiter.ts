/** Sliding-window rate limit per API key, driven by an injectable clock. */

const WINDOW_MS = 60_000;

export class SlidingWindowRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number,
  ) {}

  /** Records a hit and returns 0, or returns the seconds to wait when the key is over its limit. */
  hit(key: string): number {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((time) => time > now - WINDOW_MS);
    if (recent.length >= this.limitPerMinute) {
      this.hits.set(key, recent);
      return Math.max(1, Math.ceil((recent[0] + WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    this.hits.set(key, recent);
    return 0;
  }

  reset(): void {
    this.hits.clear();
  }
}
