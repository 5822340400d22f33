/**
 * Per-route fault injection: scripted error status, added latency, or a dropped connection, before
 * the request is processed or after it (the work is done, the answer is lost on the way back).
 */

export interface FaultRule {
  /** Any method when omitted (case-insensitive). */
  method?: string;
  /** Exact path, `:param` segments allowed (`/chat/sessions/:id/send`), or a RegExp tested against the path. */
  path: string | RegExp;
  /** Answer with this status and the standard error body instead of handling the request. */
  status?: number;
  /** Simulated delay before handling the request (or before the status/drop). */
  latencyMs?: number;
  /** Destroy the socket without any response. */
  drop?: boolean;
  /**
   * Process the request as usual (state changes, AI answer, webhooks), then lose the answer:
   * `drop` destroys the socket, a number answers that status with the standard error body instead.
   */
  after?: 'drop' | number;
  /** Seconds sent as `Retry-After` with a scripted status. */
  retryAfterSeconds?: number;
  /** How many matching requests the rule applies to; forever when omitted. */
  times?: number;
}

export interface FaultControls {
  add(rule: FaultRule): void;
  clear(): void;
}

interface ActiveRule {
  rule: FaultRule;
  matchesPath: (path: string) => boolean;
  remaining: number;
}

export class FaultInjector implements FaultControls {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    if (rule.after !== undefined && (rule.status !== undefined || rule.drop)) {
      throw new Error('A fault rule fails either before processing (status, drop) or after it (after), not both');
    }
    this.rules.push({ rule, matchesPath: pathMatcher(rule.path), remaining: rule.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first live rule matching the request, consuming one of its `times`. */
  take(method: string, path: string): FaultRule | undefined {
    const active = this.rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.rule.method === undefined || candidate.rule.method.toUpperCase() === method.toUpperCase()) &&
        candidate.matchesPath(path),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    return active.rule;
  }
}

function pathMatcher(path: string | RegExp): (candidate: string) => boolean {
  if (path instanceof RegExp) return (candidate) => path.test(candidate);
  const segments = path.split('/');
  return (candidate) => {
    const parts = candidate.split('/');
    return (
      parts.length === segments.length &&
      segments.every((segment, i) => segment.startsWith(':') || segment === parts[i])
    );
  };
}
