import type * as Flex from '@twilio/flex-ui';

import OpencxPlugin from '../OpencxPlugin';
import type { FeatureSetup } from '../features';
import { fakeFlex, fakeManager } from '../testing/fakeFlex';

describe('OpencxPlugin', () => {
  const flex = { name: 'flex' } as unknown as typeof Flex;
  const manager = { name: 'manager' } as unknown as Flex.Manager;

  beforeEach(() => {
    // FlexPlugin's constructor logs "loading <name>@<version> plugin".
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('is named for Flex', () => {
    expect(new OpencxPlugin([]).name).toBe('OpencxPlugin');
  });

  it('init calls every feature setup, in order, with flex and manager', () => {
    const calls: string[] = [];
    const first = jest.fn<void, Parameters<FeatureSetup>>(() => {
      calls.push('first');
    });
    const second = jest.fn<void, Parameters<FeatureSetup>>(() => {
      calls.push('second');
    });

    new OpencxPlugin([first, second]).init(flex, manager);

    expect(first).toHaveBeenCalledTimes(1);
    expect(first).toHaveBeenCalledWith(flex, manager);
    expect(second).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledWith(flex, manager);
    expect(calls).toEqual(['first', 'second']);
  });

  it('uses the registered features by default', () => {
    const fake = fakeFlex();
    new OpencxPlugin().init(fake.flex, fakeManager(['agent']).manager);
    expect(fake.setProviders).toHaveBeenCalledTimes(1);
    expect(fake.calls.length).toBeGreaterThan(0);
  });
});
