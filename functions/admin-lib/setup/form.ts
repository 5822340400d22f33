// The fields the setup Functions read from the plugin's form.
import { invalidInput } from '../admin-error';
import { formText, sidPattern } from '../settings';

/** The fields both setup Functions read. */
export interface SetupForm {
  workflowSid?: string;
  humanQueueSid?: string;
  replaceCallbackUrl: boolean;
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
  return {
    workflowSid: sid('workflowSid', 'WW', 'a TaskRouter workflow SID'),
    humanQueueSid: sid('humanQueueSid', 'WQ', 'a TaskRouter queue SID'),
    replaceCallbackUrl: replace === 'true',
  };
}
