/** How many tasks' entries are kept: an agent's tasks at once are far fewer. */
const KEPT = 50;

/**
 * What the plugin keeps about each task beyond its components, by task SID: Flex renders one task
 * canvas for every task, so what an agent left on one task must outlive a switch to another.
 */
export class PerTask<T> {
  private readonly byTask = new Map<string, T>();

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
  }
}
