// Task attributes → OpenCX session custom_data (flat string/number/boolean values only).
import type { CustomData } from '../common/opencx-client';

const MAX_VALUE_LENGTH = 1000;

/**
 * `customer.tier` becomes `flex_customer_tier`; arrays and other non-scalars become JSON
 * strings; long strings are cut to 1,000 characters; null and undefined are skipped.
 */
export function flattenAttributes(attributes: Record<string, unknown>, prefix = 'flex'): CustomData {
  const out: CustomData = {};
  const visit = (value: unknown, key: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'string') out[key] = value.length > MAX_VALUE_LENGTH ? cutAt(value, MAX_VALUE_LENGTH) : value;
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) out[key] = value;
    } else if (typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value)) visit(JSON.stringify(value), key);
    else if (typeof value === 'object') {
      for (const [child, childValue] of Object.entries(value as Record<string, unknown>))
        visit(childValue, `${key}_${sanitize(child)}`);
    } else visit(String(value), key);
  };
  for (const [name, value] of Object.entries(attributes)) visit(value, `${prefix}_${sanitize(name)}`);
  return out;
}

/** Never half an emoji (a lone surrogate is invalid text OpenCX may refuse, and with it the session). */
function cutAt(value: string, length: number): string {
  const cut = value.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

export function flexSidsCustomData(sids: {
  taskSid?: string;
  reservationSid?: string;
  conversationSid?: string;
}): CustomData {
  const out: CustomData = {};
  if (sids.taskSid) out.flex_task_sid = sids.taskSid;
  if (sids.reservationSid) out.flex_reservation_sid = sids.reservationSid;
  if (sids.conversationSid) out.flex_conversation_sid = sids.conversationSid;
  return out;
}
