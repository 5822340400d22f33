// The fields the setup Functions read from the plugin's form.
import { invalidInput } from '../admin-error';
import { formText, sidPattern } from '../settings';

/** The fields both setup Functions read. */
export interface SetupForm {
  workflowSid?: string;
  humanQueueSid?: string;
  replaceCallbackUrl: boolean;
  /** Undo: the Apply the admin means to undo (the check's `undoable`); another newest Apply refuses it. */
  backupId?: string;
}

export function parseSetupForm(form: Record<string, unknown>): SetupForm {
  const sid = (field: string, prefix: string, what: string): string | undefined => {
    const value = formText(form, field);
    if (value !== undefined && !sidPattern(prefix).test(value))
      throw invalidInput(field, `Expected ${what} (${prefix} followed by 32 hex characters) or nothing`);
    return value;
  };
  const replace = formText(form, 'replaceCallbackUrl');
  if (replace !== undefined && replace !== 'true' && replace !== 'false')
    throw invalidInput('replaceCallbackUrl', 'Expected true or false');
  const backupId = formText(form, 'backupId');
  if (backupId !== undefined && backupId.length > 200)
    throw invalidInput('backupId', 'Expected the backupId of an Apply');
  return {
    workflowSid: sid('workflowSid', 'WW', 'a TaskRouter workflow SID'),
    humanQueueSid: sid('humanQueueSid', 'WQ', 'a TaskRouter queue SID'),
    replaceCallbackUrl: replace === 'true',
    ...(backupId !== undefined ? { backupId } : {}),
  };
}
