import type { World } from '../harness/world';
import { finishTest, sequentialDepth } from './helpers';

describe('finishTest', () => {
  const violation = { method: 'POST', path: '/sync/v1/Services', problems: ['FriendlyName: unknown'] };
  const world = (violations: unknown[], held = { requests: 0, deliveries: 0, opencx: 0 }) => {
    const cleared = { twilio: 0, opencx: 0, rateLimits: 0 };
    const fake = {
      twilio: {
        violations,
        clearFaults: () => cleared.twilio++,
        get requestsOnHold() {
          return held.requests;
        },
        get deliveriesOnHold() {
          return held.deliveries;
        },
      },
      opencx: {
        faults: { clear: () => cleared.opencx++ },
        resetRateLimits: () => cleared.rateLimits++,
        get requestsOnHold() {
          return held.opencx;
        },
      },
    };
    return { world: fake as unknown as World, cleared, held };
  };

  test('fails the test that broke the API, clears its faults, and leaves none for the next test', () => {
    const shared = world([violation]);
    expect(() => finishTest(shared.world)).toThrow(/FriendlyName: unknown/);
    expect(shared.cleared).toEqual({ twilio: 1, opencx: 1, rateLimits: 1 });
    expect(() => finishTest(shared.world)).not.toThrow();
  });

  test.each([
    ['a Twilio request held on a gate', { requests: 1, deliveries: 0, opencx: 0 }, /"twilioRequests": 1/],
    ['a webhook delivery held back', { requests: 0, deliveries: 1, opencx: 0 }, /"twilioDeliveries": 1/],
    ['an OpenCX request held on the clock', { requests: 0, deliveries: 0, opencx: 2 }, /"opencxRequests": 2/],
  ])('fails the test that left %s', (_, held, named) => {
    const shared = world([], held);
    expect(() => finishTest(shared.world)).toThrow(named);
    Object.assign(shared.held, { requests: 0, deliveries: 0, opencx: 0 });
    expect(() => finishTest(shared.world)).not.toThrow();
  });
});

describe('sequentialDepth', () => {
  const req = (startedAt: number, endedAt?: number) => ({ startedAt, endedAt });

  test('no requests is depth 0; one is depth 1', () => {
    expect(sequentialDepth([])).toBe(0);
    expect(sequentialDepth([req(0, 10)])).toBe(1);
  });

  test('requests one after another add up; overlapping ones count once', () => {
    expect(sequentialDepth([req(0, 10), req(11, 20), req(21, 30)])).toBe(3);
    expect(sequentialDepth([req(0, 10), req(1, 12), req(2, 9)])).toBe(1);
  });

  test('the longest chain wins, whatever the order the requests are listed in', () => {
    // A (0-10) then B and C in parallel (11-20, 12-30), then D after B (21-25): A → B → D.
    const requests = [req(21, 25), req(12, 30), req(0, 10), req(11, 20)];
    expect(sequentialDepth(requests)).toBe(3);
  });

  test('a request that starts exactly when the previous one ended follows it', () => {
    expect(sequentialDepth([req(0, 10), req(10, 20)])).toBe(2);
  });

  test('a request that starts before the previous one ended runs beside it', () => {
    expect(sequentialDepth([req(0, 10), req(9.5, 20)])).toBe(1);
  });

  test('requests still open have not ended and are left out', () => {
    expect(sequentialDepth([req(0, 10), req(11)])).toBe(1);
  });
});
