// Who held the conversation when (AI → human → AI → …), as the bridge keeps it on the task
// attributes (`opencxHistory`, functions/bridge/history.ts). Customer data: every field is checked.
import { asAttributes } from './handoff';

/** The instruction an agent may give the AI when handing back (the Functions refuse longer ones). */
export const MAX_INSTRUCTION_LENGTH = 1000;

export interface HistoryEntry {
  holder: 'ai' | 'human';
  since: Date;
  /** Why the AI handed off, or that an agent handed back. */
  reason?: string;
  /** The agent who handed back. */
  by?: string;
  instruction?: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;

/** The entries of a history list, oldest first; an entry without a holder or a valid time is left out. */
export function readHistoryEntries(value: unknown): HistoryEntry[] {
  if (!Array.isArray(value)) return [];
  const entries: HistoryEntry[] = [];
  for (const item of value) {
    const entry = asAttributes(item);
    const since = entry && text(entry.at) ? new Date(entry.at as string) : undefined;
    if (!entry || (entry.to !== 'ai' && entry.to !== 'human') || !since || Number.isNaN(since.getTime())) continue;
    entries.push({
      holder: entry.to,
      since,
      reason: text(entry.reason),
      by: text(entry.by),
      instruction: text(entry.instruction),
    });
  }
  return entries.sort((a, b) => a.since.getTime() - b.since.getTime());
}

/** The history on a task's attributes. */
export function readHistory(attributes: unknown): HistoryEntry[] {
  return readHistoryEntries(asAttributes(attributes)?.opencxHistory);
}
