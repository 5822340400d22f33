import { aiMembership, aiQueueSids, leavesOutHumans, routesToAi } from './expressions';
import { WK, HUMAN_QUEUE } from './fixtures.testing';

describe('aiMembership: whom a worker expression selects, as far as the AI worker goes', () => {
  it.each([
    ['', 'everyone'],
    ['  ', 'everyone'],
    [undefined, 'everyone'],
    ['1==1', 'everyone'],
    [' 1 == 1 ', 'everyone'],
    ['opencx_ai == true', 'includes'],
    ["routing.skills HAS 'opencx_ai'", 'includes'],
    ['worker.opencx_ai != false', 'includes'],
    ["opencx_ai == true OR role == 'agent'", 'includes'],
    ['opencx_ai != true', 'excludes'],
    ['opencx_ai == false', 'excludes'],
    ["'opencx_ai' NOT IN routing.skills", 'excludes'],
    ["role == 'agent' AND (opencx_ai != true)", 'excludes'],
    ["role == 'agent'", 'others'],
    ["routing.skills HAS 'support'", 'others'],
    ['1==1 AND available == true', 'others'],
  ])('%j → %s', (expression, membership) => {
    expect(aiMembership(expression)).toBe(membership);
  });

  it('does not count a queue that only excludes opencx_ai as an AI queue', () => {
    const queues = [
      { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent' AND opencx_ai != true" },
    ];
    expect(aiQueueSids(queues, undefined)).toEqual(new Set());
    expect(
      routesToAi({ targets: [{ queue: HUMAN_QUEUE, expression: 'worker.opencx_ai != true' }] }, new Set(), [WK]),
    ).toBe(false);
  });
});

describe('leavesOutHumans', () => {
  test.each([
    ['opencx_ai != true', true],
    ['worker.opencx_ai == false', true],
    ["role == 'agent' AND opencx_ai != true", true],
    ["opencx_ai != true OR role == 'agent'", false],
    ["'opencx_ai' NOT IN routing.skills", false],
    ['opencx_ai == true', false],
    ["routing.skills HAS 'support'", false],
  ])('%j: %s', (expression, expected) => {
    expect(leavesOutHumans(expression)).toBe(expected);
  });
});
