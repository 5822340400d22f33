// Messages the bridge posts carry `{ opencx: { role } }` in their attributes
// (functions/bridge/perform.ts).
import { asAttributes } from './handoff';

const ROLES = ['ai', 'handoff-note', 'handback-note', 'idle-close-note'] as const;
export type OpencxMessageRole = (typeof ROLES)[number];

/** The bridge's role for a message, or undefined for every other message. */
export function opencxMessageRole(attributes: unknown): OpencxMessageRole | undefined {
  const marker = asAttributes(asAttributes(attributes)?.opencx);
  const role = marker?.role;
  return (ROLES as readonly unknown[]).includes(role) ? (role as OpencxMessageRole) : undefined;
}
