// Messages the bridge posts carry `{ opencx: { role } }` in their attributes
// (functions/bridge/perform.ts).
import { asAttributes } from './handoff';

export type OpencxMessageRole = 'ai' | 'handoff-note';

/** The bridge's role for a message, or undefined for every other message. */
export function opencxMessageRole(attributes: unknown): OpencxMessageRole | undefined {
  const marker = asAttributes(asAttributes(attributes)?.opencx);
  const role = marker?.role;
  return role === 'ai' || role === 'handoff-note' ? role : undefined;
}
