// Who held the conversation when: AI → human → AI → …, kept on the task attributes
// (`opencxHistory`) so the agent's panel and Flex Insights read it with the task. Each handoff adds
// a "human" entry, each handback an "ai" entry; the invite of a handback carries the list over to
// the new task. Pure functions.

export const HISTORY_ATTRIBUTE = 'opencxHistory';
/** Task attributes are one JSON document: the oldest entries give way first. */
export const MAX_HISTORY_ENTRIES = 20;

export interface HistoryEntry {
  /** Who holds the conversation from `at` on. */
  to: 'ai' | 'human';
  /** ISO 8601. */
  at: string;
  /** Why the AI handed off (for `human`), or "Handed back by an agent" (for a handback). */
  reason?: string;
  /** The agent who handed back. */
  by?: string;
  /** What the agent asked the AI to do next. */
  instruction?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The history on a task's attributes; entries that are not well formed are left out. */
export function readHistory(attributes: Record<string, unknown>): HistoryEntry[] {
  const raw = attributes[HISTORY_ATTRIBUTE];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown): HistoryEntry[] => {
    if (!item || typeof item !== 'object') return [];
    const entry = item as Record<string, unknown>;
    if ((entry.to !== 'ai' && entry.to !== 'human') || !text(entry.at)) return [];
    return [
      {
        to: entry.to,
        at: entry.at as string,
        ...(text(entry.reason) ? { reason: entry.reason as string } : {}),
        ...(text(entry.by) ? { by: entry.by as string } : {}),
        ...(text(entry.instruction) ? { instruction: entry.instruction as string } : {}),
      },
    ];
  });
}

/** Adds `entry` unless it is there already (a handoff being finished writes the same one again). */
export function withEntry(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  if (history.some((e) => e.to === entry.to && e.at === entry.at)) return history;
  return [...history, entry].slice(-MAX_HISTORY_ENTRIES);
}

/**
 * The history after a handoff at `at`. A task without one starts with the AI's phase, from when the
 * task was created (the AI is offered a conversation's task as soon as it exists).
 */
export function historyAtHandoff(
  attributes: Record<string, unknown>,
  handoff: { at: string; reason: string },
  aiSince?: string,
): HistoryEntry[] {
  const history = readHistory(attributes);
  const started = history.length === 0 && aiSince ? [{ to: 'ai' as const, at: aiSince }] : history;
  return withEntry(started, { to: 'human', at: handoff.at, reason: handoff.reason });
}

export const HANDBACK_REASON = 'Handed back by an agent';

/** The history after an agent handed back at `at`. */
export function historyAtHandback(
  attributes: Record<string, unknown>,
  handback: { at: string; agentName: string; instruction?: string },
): HistoryEntry[] {
  return withEntry(readHistory(attributes), {
    to: 'ai',
    at: handback.at,
    reason: HANDBACK_REASON,
    by: handback.agentName,
    ...(handback.instruction ? { instruction: handback.instruction } : {}),
  });
}
