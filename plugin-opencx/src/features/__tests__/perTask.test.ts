import { PerTask } from '../perTask';

describe('PerTask', () => {
  it("keeps each task's entry, forgets one set to undefined, and only the newest 50 tasks'", () => {
    const kept = new PerTask<string>();
    kept.set('WT1', 'draft');
    expect(kept.get('WT1')).toBe('draft');
    expect(kept.get(undefined)).toBeUndefined();
    kept.set('WT1', undefined);
    expect(kept.get('WT1')).toBeUndefined();

    for (let i = 0; i < 51; i++) kept.set(`WT${i}`, `draft ${i}`);
    expect(kept.get('WT0')).toBeUndefined();
    expect(kept.get('WT1')).toBe('draft 1');
    // Set again, a task is the newest: the next one pushes out another.
    kept.set('WT1', 'again');
    kept.set('WT51', 'draft 51');
    expect(kept.get('WT1')).toBe('again');
    expect(kept.get('WT2')).toBeUndefined();
  });

  it('tells its followers of each change, until they stop following', () => {
    const kept = new PerTask<string>();
    const follower = jest.fn();
    const stop = kept.subscribe(follower);
    kept.set('WT1', 'draft');
    kept.set('WT1', undefined);
    expect(follower).toHaveBeenCalledTimes(2);
    stop();
    kept.set('WT1', 'again');
    expect(follower).toHaveBeenCalledTimes(2);
  });
});
