import { adminErrorOf } from '../admin-error.testing';
import { parseSetupForm } from './form';
import { AI_QUEUE, HUMAN_QUEUE, WW } from './fixtures.testing';

describe('parseSetupForm', () => {
  it('reads the optional fields, trimmed, and the confirmation', () => {
    expect(
      parseSetupForm({ Token: 't', workflowSid: ` ${WW} `, humanQueueSid: HUMAN_QUEUE, replaceCallbackUrl: 'true' }),
    ).toEqual({
      workflowSid: WW,
      humanQueueSid: HUMAN_QUEUE,
      replaceCallbackUrl: true,
    });
    expect(parseSetupForm({ Token: 't', workflowSid: '', replaceCallbackUrl: 'false' })).toEqual({
      workflowSid: undefined,
      humanQueueSid: undefined,
      replaceCallbackUrl: false,
    });
  });

  it.each([
    ['workflowSid', AI_QUEUE],
    ['humanQueueSid', WW],
    ['humanQueueSid', 'WQ123'],
    ['replaceCallbackUrl', 'yes'],
    ['replaceCallbackUrl', ['true', 'true']],
  ])('refuses %s = %j with a 400 on that field', (field, value) => {
    expect(adminErrorOf(() => parseSetupForm({ [field]: value }))).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field,
    });
  });
});
