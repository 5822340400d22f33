// How the insights read: rates, durations, day labels and bar lengths, as plain functions.
import type { HandoffRecord } from '../api/insightsClient';
import { format, strings } from '../strings';

/** "24%"; a dash when there is nothing to divide. */
export function percent(rate: number | null, locale?: string): string {
  if (rate === null) return strings.insightsNoValue;
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: rate > 0 && rate < 0.01 ? 1 : 0,
  }).format(rate);
}

export function count(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** "45 s", "3 min 20 s", "1 h 5 min"; a dash when unknown. */
export function duration(seconds: number | null): string {
  if (seconds === null) return strings.insightsNoValue;
  const whole = Math.round(seconds);
  if (whole < 60) return format(strings.durationSeconds, { seconds: whole });
  if (whole < 3600) return format(strings.durationMinutes, { minutes: Math.floor(whole / 60), seconds: whole % 60 });
  return format(strings.durationHours, { hours: Math.floor(whole / 3600), minutes: Math.floor((whole % 3600) / 60) });
}

/** A UTC day (YYYY-MM-DD) as "Sat, Nov 21"; short ("Nov 21") for long periods. */
export function dayLabel(date: string, locale?: string, short = false): string {
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return date;
  const options: Intl.DateTimeFormatOptions = short
    ? { month: 'short', day: 'numeric', timeZone: 'UTC' }
    : { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(locale, options).format(day);
}

/** A bar's length as a CSS percentage of the longest; a value above 0 stays visible. */
export function barLength(value: number, max: number): string {
  if (max <= 0 || value <= 0) return '0%';
  return `${Math.max(1, Math.min(100, (value / max) * 100)).toFixed(2)}%`;
}

/** Conversations engaged but neither contained nor handed off yet. */
export const stillWithAi = (day: { engaged: number; contained: number; handedOff: number }): number =>
  Math.max(0, day.engaged - day.contained - day.handedOff);

export function handoffsFor(handoffs: readonly HandoffRecord[], reason: string | null): readonly HandoffRecord[] {
  return reason === null ? handoffs : handoffs.filter((handoff) => handoff.reason === reason);
}

export type CapacityLevel = 'ok' | 'busy' | 'full';

/** How full the AI pool is: busy from 80%, full at 100% (TaskRouter then queues new conversations). */
export function capacityLevel(live: { aiConversations: number; capacity: number }): CapacityLevel {
  if (live.capacity <= 0 || live.aiConversations >= live.capacity) return 'full';
  return live.aiConversations / live.capacity >= 0.8 ? 'busy' : 'ok';
}
