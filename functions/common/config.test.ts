import { DEFAULT_AI_AUTHOR_NAME, parseConfig } from './config';

const stored = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  opencxToken: 'ocx_live_abc',
  workspaceSid: 'WS1',
  aiWorkerSid: 'WK1',
  conversationsServiceSid: 'IS1',
  ...over,
});

describe('parseConfig', () => {
  it('reads a complete config, defaulting the author name to "AI Support Agent"', () => {
    expect(parseConfig(stored())).toEqual({
      opencxToken: 'ocx_live_abc',
      workspaceSid: 'WS1',
      aiWorkerSid: 'WK1',
      conversationsServiceSid: 'IS1',
      aiAuthorName: 'AI Support Agent',
      aiQueueSid: undefined,
    });
    expect(DEFAULT_AI_AUTHOR_NAME).toBe('AI Support Agent');
  });

  it('keeps the optional author name and AI queue, trimmed', () => {
    expect(parseConfig(stored({ aiAuthorName: ' Acme Bot ', aiQueueSid: ' WQ1 ' }))).toMatchObject({ aiAuthorName: 'Acme Bot', aiQueueSid: 'WQ1' });
  });

  it('trims the required fields', () => {
    expect(parseConfig(stored({ opencxToken: '  ocx_live_abc\n', workspaceSid: ' WS1 ' }))).toMatchObject({ opencxToken: 'ocx_live_abc', workspaceSid: 'WS1' });
  });

  it('falls back to the default author name when it is blank or not a string', () => {
    expect(parseConfig(stored({ aiAuthorName: '   ' }))?.aiAuthorName).toBe('AI Support Agent');
    expect(parseConfig(stored({ aiAuthorName: 5 }))?.aiAuthorName).toBe('AI Support Agent');
  });

  it.each(['opencxToken', 'workspaceSid', 'aiWorkerSid', 'conversationsServiceSid'])('is undefined without %s (missing, blank or not a string)', (field) => {
    const { [field]: _removed, ...missing } = stored();
    expect(parseConfig(missing)).toBeUndefined();
    expect(parseConfig(stored({ [field]: '  ' }))).toBeUndefined();
    expect(parseConfig(stored({ [field]: 123 }))).toBeUndefined();
  });

  it.each([undefined, null, 'opencx', 42, true])('is undefined for a document that is not an object: %j', (data) => {
    expect(parseConfig(data)).toBeUndefined();
  });
});
