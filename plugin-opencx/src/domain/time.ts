// Human-readable times, in the browser's locale unless one is given.

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "5 minutes ago", "yesterday", "now". A time slightly in the future (clock skew) reads "now". The
 * date and time where the browser has no relative format (Safari before 14).
 */
export function relativeTime(date: Date, now: Date, locale?: string): string {
  if (typeof Intl.RelativeTimeFormat !== 'function') return absoluteTime(date, locale);
  const seconds = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return format.format(-Math.floor(seconds / size), unit);
  }
  return format.format(0, 'second');
}

export function absoluteTime(date: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "English (United States)" for en-US; the tag itself when the browser cannot name it. */
export function languageName(tag: string, locale?: string): string {
  try {
    if (typeof Intl.DisplayNames !== 'function') return tag;
    return (
      new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'language', languageDisplay: 'standard' }).of(tag) ??
      tag
    );
  } catch {
    // RangeError: not a well-formed language tag.
    return tag;
  }
}
