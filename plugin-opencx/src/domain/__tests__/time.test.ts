import { absoluteTime, languageName, relativeTime } from '../time';

const NOW = new Date('2025-11-21T10:00:00.000Z');
const before = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

describe('relativeTime', () => {
  it.each([
    [20, 'now'],
    [5 * 60, '5 minutes ago'],
    [60 * 60, '1 hour ago'],
    [3 * 3600 + 59 * 60, '3 hours ago'],
    [26 * 3600, 'yesterday'],
    [-90, 'now'], // a clock slightly ahead of the agent's
  ])('%i s before now reads "%s"', (seconds, expected) => {
    expect(relativeTime(before(seconds), NOW, 'en-US')).toBe(expected);
  });

  it('gives the date and time in a browser without a relative format (Safari before 14)', () => {
    const relativeFormat = Intl.RelativeTimeFormat;
    try {
      delete (Intl as { RelativeTimeFormat?: unknown }).RelativeTimeFormat;
      const fiveMinutesAgo = new Date(NOW.getTime() - 5 * 60 * 1000);
      expect(relativeTime(fiveMinutesAgo, NOW, 'en-US')).toBe(absoluteTime(fiveMinutesAgo, 'en-US'));
    } finally {
      (Intl as { RelativeTimeFormat: unknown }).RelativeTimeFormat = relativeFormat;
    }
  });
});

describe('absoluteTime', () => {
  it('gives date and time in the locale', () => {
    expect(absoluteTime(NOW, 'en-US')).toBe(
      new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(NOW),
    );
    expect(absoluteTime(NOW, 'en-US')).toMatch(/Nov 21, 2025/);
  });
});

describe('languageName', () => {
  it('names a BCP-47 tag', () => {
    expect(languageName('en-US', 'en')).toBe('English (United States)');
    expect(languageName('fr', 'en')).toBe('French');
  });

  it('falls back to the tag when it cannot be named', () => {
    expect(languageName('not a tag!', 'en')).toBe('not a tag!');
  });

  it('falls back to the tag in a browser without Intl.DisplayNames', () => {
    const { DisplayNames } = Intl;
    try {
      Object.defineProperty(Intl, 'DisplayNames', { configurable: true, writable: true, value: undefined });
      expect(languageName('en-US', 'en')).toBe('en-US');
    } finally {
      Object.defineProperty(Intl, 'DisplayNames', { configurable: true, writable: true, value: DisplayNames });
    }
  });
});
