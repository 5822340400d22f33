import { useLayoutEffect, useReducer } from 'react';

/** How many tasks' entries are kept: an agent's tasks at once are far fewer. */
const KEPT = 50;

/** What a component can follow: `subscribe` calls the listener on each change until told to stop. */
export interface Followed {
  subscribe(listener: () => void): () => void;
}

/**
 * What the plugin keeps about each task beyond its components, by task SID: Flex renders one task
 * canvas for every task, so what an agent left on one task must outlive a switch to another.
 */
export class PerTask<T> implements Followed {
  private readonly byTask = new Map<string, T>();
  private readonly listeners = new Set<() => void>();

  get(taskSid: string | undefined): T | undefined {
    return taskSid ? this.byTask.get(taskSid) : undefined;
  }

  /** `undefined` forgets the task's entry. The newest `KEPT` tasks' entries are kept. */
  set(taskSid: string, value: T | undefined): void {
    this.byTask.delete(taskSid);
    if (value !== undefined) this.byTask.set(taskSid, value);
    // The oldest first: a Map keeps insertion order.
    for (const oldest of this.byTask.keys()) {
      if (this.byTask.size <= KEPT) break;
      this.byTask.delete(oldest);
    }
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Renders the calling component again on each change of `followed`, when there is one. */
export function useFollow(followed: Followed | undefined): void {
  const [, changed] = useReducer((count: number) => count + 1, 0);
  // Subscribed in the same task as the render: a request answered in between would go unseen.
  useLayoutEffect(() => followed?.subscribe(changed), [followed]);
}
