// A switch added to either simulator without a case in SWITCH_CASES fails here, before any runtime starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  AI_RESPONSE_SHAPES,
  DEFAULT_SWITCHES as OPENCX_DEFAULTS,
  WEBHOOK_TIMINGS,
} from '../simulators/opencx/switches';
import { DEFAULT_SWITCHES as TWILIO_DEFAULTS } from '../simulators/twilio/switches';
import { SWITCH_CASES } from './switch-matrix';

const simulators = [
  {
    simulator: 'twilio',
    defaults: TWILIO_DEFAULTS as unknown as Record<string, unknown>,
    flipped: (c: (typeof SWITCH_CASES)[number]) => (c.twilio ?? {}) as Record<string, unknown>,
  },
  {
    simulator: 'opencx',
    defaults: OPENCX_DEFAULTS as unknown as Record<string, unknown>,
    flipped: (c: (typeof SWITCH_CASES)[number]) => (c.opencx ?? {}) as Record<string, unknown>,
  },
];

describe.each(simulators)('$simulator switches', ({ defaults, flipped }) => {
  test.each(Object.keys(defaults))('%s has a case that moves it off its default', (name) => {
    const values = SWITCH_CASES.map(flipped)
      .filter((c) => name in c)
      .map((c) => c[name]);
    expect(values.filter((value) => !isDeepStrictEqual(value, defaults[name])).length).toBeGreaterThan(0);
    if (typeof defaults[name] === 'boolean') expect(values).toContain(!defaults[name]);
  });
});

test.each([
  ['webhookTiming', WEBHOOK_TIMINGS],
  ['aiResponseShape', AI_RESPONSE_SHAPES],
] as const)('every %s other than the default has a case', (name, values) => {
  const cased = SWITCH_CASES.flatMap((c) => (c.opencx?.[name] ? [c.opencx[name]] : []));
  for (const value of values.filter((v) => v !== OPENCX_DEFAULTS[name])) expect(cased).toContain(value);
});

test('each case flips exactly one switch, to a value other than its default, so a failure names its switch', () => {
  for (const c of SWITCH_CASES) {
    const changed = simulators.flatMap(({ defaults, flipped }) =>
      Object.entries(flipped(c)).filter(
        ([name, value]) => name in defaults && !isDeepStrictEqual(value, defaults[name]),
      ),
    );
    expect(changed).toHaveLength(1);
    expect(Object.keys({ ...c.twilio, ...c.opencx })).toHaveLength(1);
  }
});

test('a switch the core conversation cannot reach names an integration test that sets it', () => {
  for (const c of SWITCH_CASES.filter((c) => c.trigger === 'elsewhere')) {
    const [name] = Object.keys({ ...c.twilio, ...c.opencx });
    expect(c.exercisedIn).toMatch(/\.test\.ts$/);
    expect(readFileSync(path.join(__dirname, c.exercisedIn!), 'utf8')).toMatch(new RegExp(`${name}\\b`));
  }
});
