import type { TwilioApis } from '../../common/twilio';
import { restoreResource, undoRevisionOf } from './backups';
import { IS, OTHER_URL, URL, WS } from './fixtures.testing';

describe('the revision Undo compares', () => {
  const callback = (eventCallbackUrl: string, eventsFilter = 'task.created') => ({ eventCallbackUrl, eventsFilter });

  it('does not change when a save moves the config version on a URL', () => {
    expect(undoRevisionOf(callback(`${URL}?cv=v1`))).toBe(undoRevisionOf(callback(`${URL}?cv=v2`)));
    expect(undoRevisionOf({ postWebhookUrl: `${URL}?cv=v1`, filters: ['onMessageAdded'] })).toBe(
      undoRevisionOf({ postWebhookUrl: `${URL}?cv=v2`, filters: ['onMessageAdded'] }),
    );
  });

  it('changes with any other edit', () => {
    expect(undoRevisionOf(callback(`${URL}?cv=v1`))).not.toBe(undoRevisionOf(callback(`${OTHER_URL}?cv=v1`)));
    expect(undoRevisionOf(callback(`${URL}?cv=v1`))).not.toBe(
      undoRevisionOf(callback(`${URL}?cv=v1`, 'task.created,task.canceled')),
    );
    expect(undoRevisionOf(callback(`${URL}?cv=v1&region=ie1`))).not.toBe(undoRevisionOf(callback(`${URL}?cv=v1`)));
  });
});

describe('restoring a registration', () => {
  function recorder() {
    const writes: Record<string, unknown>[] = [];
    const twilio = {
      taskrouter: {
        setWorkspaceCallback: async (_: string, update: Record<string, unknown>) => void writes.push(update),
      },
      conversations: { setWebhook: async (_: string, update: Record<string, unknown>) => void writes.push(update) },
    } as unknown as TwilioApis;
    return { twilio, writes };
  }

  it('gives a URL pointing here the settings version of now, not the one it had', async () => {
    const { twilio, writes } = recorder();
    await restoreResource(
      twilio,
      { kind: 'workspace_callback', workspaceSid: WS, eventCallbackUrl: `${URL}?cv=old`, eventsFilter: 'task.created' },
      'now',
    );
    await restoreResource(
      twilio,
      { kind: 'conversations_webhook', serviceSid: IS, postWebhookUrl: `${URL}?cv=old`, method: 'POST', filters: [] },
      'now',
    );
    expect(writes.map((w) => w.eventCallbackUrl ?? w.postWebhookUrl)).toEqual([`${URL}?cv=now`, `${URL}?cv=now`]);
  });

  it("leaves another endpoint's URL as it was, and an unset one unset", async () => {
    const { twilio, writes } = recorder();
    await restoreResource(
      twilio,
      { kind: 'workspace_callback', workspaceSid: WS, eventCallbackUrl: OTHER_URL, eventsFilter: null },
      'now',
    );
    await restoreResource(
      twilio,
      { kind: 'conversations_webhook', serviceSid: IS, postWebhookUrl: null, method: null, filters: [] },
      'now',
    );
    expect(writes).toEqual([
      { eventCallbackUrl: OTHER_URL, eventsFilter: '' },
      { postWebhookUrl: '', method: 'POST', filters: [] },
    ]);
  });
});
