import { SUBSCRIBED_TASKROUTER_EVENTS } from '../../bridge/events';
import { parseConfig, pointsHere } from '../../common/config';
import {
  conversationsWebhookAfterSave,
  conversationsWebhookCheck,
  conversationsWebhookRestore,
  conversationsWebhookUpdate,
  parseEventsFilter,
  timerWorkspaceCheck,
  workspaceCallbackAfterSave,
  workspaceCallbackUpdate,
  workspaceEventsCheck,
} from './webhooks';
import {
  URL,
  VERSIONED,
  TIMER_WS,
  TIMER_WW,
  OTHER_URL,
  WS,
  IS,
  WK,
  EVENTS,
  CONVERSATION_FILTERS,
} from './fixtures.testing';

describe('workspace event callback', () => {
  it('reads an EventsFilter; none means every event', () => {
    expect(parseEventsFilter(' task.created , worker.activity.update,')).toEqual([
      'task.created',
      'worker.activity.update',
    ]);
    expect(parseEventsFilter(null)).toBeUndefined();
    expect(parseEventsFilter('')).toBeUndefined();
  });

  it('is ok at this URL with every needed event, or with no filter at all', () => {
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: URL, eventsFilter: EVENTS }, URL)).toMatchObject({
      id: 'workspace_events',
      status: 'ok',
    });
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: URL, eventsFilter: null }, URL).status).toBe('ok');
    expect(
      workspaceCallbackUpdate({ eventCallbackUrl: URL, eventsFilter: `worker.activity.update,${EVENTS}` }, URL, false),
    ).toBeUndefined();
    expect(workspaceCallbackUpdate({ eventCallbackUrl: URL, eventsFilter: null }, URL, true)).toBeUndefined();
  });

  it('sets an unset URL with the needed events', () => {
    expect(workspaceEventsCheck(WS, { eventCallbackUrl: null, eventsFilter: null }, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/nowhere/),
      fix: expect.stringContaining(URL),
      autoFixable: true,
    });
    expect(workspaceCallbackUpdate({ eventCallbackUrl: null, eventsFilter: null }, URL, false)).toEqual({
      eventCallbackUrl: URL,
      eventsFilter: EVENTS,
    });
  });

  it("adds the missing events after the admin's own, dropping none", () => {
    const current = { eventCallbackUrl: URL, eventsFilter: 'worker.activity.update,task.created' };
    expect(workspaceEventsCheck(WS, current, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining('reservation.created'),
      autoFixable: true,
    });
    const update = workspaceCallbackUpdate(current, URL, false)!;
    const events = update.eventsFilter.split(',');
    expect(events.slice(0, 2)).toEqual(['worker.activity.update', 'task.created']);
    expect(new Set(events)).toEqual(new Set(['worker.activity.update', ...SUBSCRIBED_TASKROUTER_EVENTS]));
    expect(events).toHaveLength(SUBSCRIBED_TASKROUTER_EVENTS.length + 1);
  });

  it('reports a URL elsewhere as events routed to the wrong place, replaced only when confirmed', () => {
    const current = { eventCallbackUrl: OTHER_URL, eventsFilter: 'task.created,worker.activity.update' };
    expect(workspaceEventsCheck(WS, current, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/another environment or org/),
      fix: expect.stringMatching(/confirm replacing it/),
      autoFixable: true,
      confirm: 'replaceCallbackUrl',
    });
    expect(workspaceCallbackUpdate(current, URL, false)).toBeUndefined();
    expect(workspaceCallbackUpdate(current, URL, true)).toEqual({
      eventCallbackUrl: URL,
      eventsFilter: `task.created,worker.activity.update,${EVENTS.replace('task.created,', '')}`,
    });
  });

  it('compares URLs without the config version: an old version is a warning apply fixes, keeping the events', () => {
    const old = { eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: `worker.activity.update,${EVENTS}` };
    expect(workspaceEventsCheck(WS, old, VERSIONED)).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/carries settings version v1 and the last save is settings version v2/),
      fix: 'Apply fixes: it registers the URL again with the current settings version.',
      autoFixable: true,
    });
    expect(workspaceEventsCheck(WS, { ...old, eventCallbackUrl: URL }, VERSIONED).detail).toMatch(
      /carries no settings version/,
    );
    expect(workspaceCallbackUpdate(old, VERSIONED, false)).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: old.eventsFilter,
    });
    expect(workspaceEventsCheck(WS, { ...old, eventCallbackUrl: VERSIONED }, VERSIONED)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`to ${URL}.`),
    });
    expect(workspaceCallbackUpdate({ ...old, eventCallbackUrl: VERSIONED }, VERSIONED, false)).toBeUndefined();
  });

  it('registers an unset URL with the config version, and shows it without', () => {
    const check = workspaceEventsCheck(WS, { eventCallbackUrl: null, eventsFilter: null }, VERSIONED);
    expect(check.fix).toBe(
      `Apply fixes: it sets the Event Callback URL to ${URL} and subscribes ` +
        `${SUBSCRIBED_TASKROUTER_EVENTS.join(', ')}.`,
    );
    expect(workspaceCallbackUpdate({ eventCallbackUrl: null, eventsFilter: null }, VERSIONED, false)).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: EVENTS,
    });
  });

  it('names a workspace that is not in the account', () => {
    expect(workspaceEventsCheck(WS, undefined, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining(WS),
      autoFixable: false,
    });
  });
});

describe('Conversations webhook', () => {
  const registered = { postWebhookUrl: URL, method: 'POST', filters: CONVERSATION_FILTERS };

  it('is ok at this URL with POST and onMessageAdded, whatever else an earlier version subscribed', () => {
    expect(conversationsWebhookCheck(IS, registered, URL)).toMatchObject({ id: 'conversations_webhook', status: 'ok' });
    expect(
      conversationsWebhookUpdate({ ...registered, filters: ['onMessageUpdated', ...CONVERSATION_FILTERS] }, URL, false),
    ).toBeUndefined();
    expect(conversationsWebhookCheck(IS, { ...registered, filters: ['onMessageAdded'] }, URL).status).toBe('ok');
  });

  it('warns of the events an earlier version subscribed, and takes them away keeping the others', () => {
    const earlier = {
      ...registered,
      filters: ['onConversationUpdated', 'onMessageAdded', 'onConversationAdded', 'onParticipantAdded'],
    };
    expect(conversationsWebhookCheck(IS, earlier, URL)).toMatchObject({
      status: 'warning',
      autoFixable: true,
      detail: expect.stringMatching(/also onConversationAdded, onParticipantAdded, which this version ignores/),
      fix: 'Apply fixes: it unsubscribes onConversationAdded, onParticipantAdded and keeps the other filters.',
    });
    const update = { ...registered, filters: ['onConversationUpdated', 'onMessageAdded'] };
    expect(conversationsWebhookUpdate(earlier, URL, false)).toEqual(update);
    expect(conversationsWebhookAfterSave(earlier, VERSIONED)).toEqual({ ...update, postWebhookUrl: VERSIONED });
    expect(conversationsWebhookCheck(IS, update, URL).status).toBe('ok');
    // Elsewhere, another webhook's filters are not ours to change.
    expect(conversationsWebhookUpdate({ ...earlier, postWebhookUrl: OTHER_URL }, URL, false)).toBeUndefined();
  });

  it('calls an unregistered webhook the most common setup mistake, and registers it', () => {
    const unset = { postWebhookUrl: null, method: null, filters: [] };
    expect(conversationsWebhookCheck(IS, unset, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/never reach the AI.*most common setup mistake/),
      fix: expect.stringContaining('for onMessageAdded.'),
      autoFixable: true,
    });
    expect(conversationsWebhookUpdate(unset, URL, false)).toEqual({
      postWebhookUrl: URL,
      method: 'POST',
      filters: CONVERSATION_FILTERS,
    });
  });

  it("adds missing filters to the admin's own and turns GET into POST", () => {
    const partial = { postWebhookUrl: URL, method: 'GET', filters: ['onConversationUpdated', 'onParticipantAdded'] };
    expect(conversationsWebhookCheck(IS, partial, URL)).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/does not subscribe onMessageAdded and uses GET/),
      autoFixable: true,
    });
    expect(conversationsWebhookUpdate(partial, URL, false)).toEqual({
      postWebhookUrl: URL,
      method: 'POST',
      filters: ['onConversationUpdated', 'onMessageAdded'],
    });
  });

  it('warns about an old config version and registers the current one, keeping method and filters', () => {
    const old = { ...registered, postWebhookUrl: `${URL}?cv=v1` };
    expect(conversationsWebhookCheck(IS, old, VERSIONED)).toMatchObject({
      status: 'warning',
      autoFixable: true,
      detail: expect.stringMatching(/^The Conversations events go to this deployment/),
    });
    expect(conversationsWebhookUpdate(old, VERSIONED, false)).toEqual({ ...registered, postWebhookUrl: VERSIONED });
    expect(conversationsWebhookCheck(IS, { ...registered, postWebhookUrl: VERSIONED }, VERSIONED).status).toBe('ok');
  });

  it('replaces a URL elsewhere only when confirmed', () => {
    const elsewhere = { ...registered, postWebhookUrl: OTHER_URL };
    expect(conversationsWebhookCheck(IS, elsewhere, URL)).toMatchObject({
      status: 'problem',
      confirm: 'replaceCallbackUrl',
      detail: expect.stringContaining(OTHER_URL),
    });
    expect(conversationsWebhookUpdate(elsewhere, URL, false)).toBeUndefined();
    expect(conversationsWebhookUpdate(elsewhere, URL, true)).toEqual(registered);
  });
});

describe('Conversations webhook beside a pre-event webhook', () => {
  const PRE = 'https://moderation.example.com/pre';
  const registered = { postWebhookUrl: URL, method: 'POST', filters: CONVERSATION_FILTERS };

  it.each([
    ['no post-event webhook', { postWebhookUrl: null, filters: [] }, /^The Conversations service has no post-event/],
    ['a post-event webhook here', { postWebhookUrl: URL }, /^The post-event webhook points at .* called with GET/],
    [
      'a post-event webhook elsewhere',
      { postWebhookUrl: OTHER_URL },
      new RegExp(`^The Conversations events go to ${OTHER_URL}`),
    ],
  ])('on GET, with %s: a problem Apply leaves to the admin, never flipping the shared Method', (_case, over, found) => {
    const webhook = { ...registered, method: 'GET', preWebhookUrl: PRE, ...over };
    const check = conversationsWebhookCheck(IS, webhook, URL);
    expect(check).toMatchObject({ status: 'problem', autoFixable: false, detail: expect.stringMatching(found) });
    expect(check.detail).toContain(`share one Method, GET, which its pre-event webhook ${PRE} uses`);
    expect(check.fix).toBe(
      `If ${PRE} accepts POST, set the webhooks' Method to POST in the Twilio Console (Conversations → Manage → ` +
        `Services → ${IS} → Webhooks), or remove the pre-event webhook; then apply setup.`,
    );
    expect(check).not.toHaveProperty('confirm');
    for (const replace of [false, true]) expect(conversationsWebhookUpdate(webhook, URL, replace)).toBeUndefined();
    expect(conversationsWebhookAfterSave(webhook, VERSIONED)).toBeUndefined();
  });

  it("Uninstall's restore keeps the pre-event webhook's Method and events, and drops the bridge's", () => {
    const before = { postWebhookUrl: OTHER_URL, method: 'GET', filters: ['onConversationUpdated'] };
    const now = {
      postWebhookUrl: VERSIONED,
      method: 'POST',
      filters: ['onConversationUpdated', 'onMessageAdded', 'onMessageAdd', 'onParticipantAdded'],
    };
    expect(conversationsWebhookRestore(before, { ...now, preWebhookUrl: PRE })).toEqual({
      postWebhookUrl: OTHER_URL,
      method: 'POST',
      filters: ['onConversationUpdated', 'onMessageAdd'],
    });
    // Without one it goes back exactly as it was.
    expect(conversationsWebhookRestore(before, now)).toBe(before);
    // One there already at install gets its Method back (an earlier Apply set POST under it), as recorded...
    const withPre = { ...before, filters: ['onMessageAdd'], preWebhookUrl: PRE };
    expect(conversationsWebhookRestore(withPre, { ...now, preWebhookUrl: PRE })).toMatchObject({
      method: 'GET',
      filters: ['onMessageAdd'],
    });
    // ...or, in a backup that did not record it, as its events show.
    const { preWebhookUrl: _, ...unrecorded } = withPre;
    expect(conversationsWebhookRestore(unrecorded, { ...now, preWebhookUrl: PRE }).method).toBe('GET');
    expect(conversationsWebhookRestore({ ...before, preWebhookUrl: null }, { ...now, preWebhookUrl: PRE }).method).toBe(
      'POST',
    );
    // Another pre-event webhook than the one at install keeps the Method it was set up with.
    const replaced = { ...now, preWebhookUrl: 'https://moderation-v2.example.com/pre' };
    expect(conversationsWebhookRestore(withPre, replaced).method).toBe('POST');
  });

  it('on POST, is registered as without one', () => {
    const webhook = { postWebhookUrl: null, method: 'POST', filters: [], preWebhookUrl: PRE };
    expect(conversationsWebhookCheck(IS, webhook, URL)).toMatchObject({ status: 'problem', autoFixable: true });
    expect(conversationsWebhookUpdate(webhook, URL, false)).toEqual(registered);
    expect(conversationsWebhookCheck(IS, { ...registered, preWebhookUrl: PRE }, URL).status).toBe('ok');
  });
});

describe('pointsHere', () => {
  it("tells this deployment's webhook by everything but the config version", () => {
    expect(pointsHere(`${URL}?cv=v1`, VERSIONED)).toBe(true);
    expect(pointsHere(URL, VERSIONED)).toBe(true);
    expect(pointsHere(OTHER_URL, VERSIONED)).toBe(false);
    expect(pointsHere(`${URL}#rc=3`, VERSIONED)).toBe(false);
    expect(pointsHere(null, VERSIONED)).toBe(false);
  });
});

describe('what a settings save re-registers', () => {
  it('puts the new config version on a workspace callback and a Conversations webhook that point here', () => {
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: EVENTS }, VERSIONED)).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: EVENTS,
    });
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: URL, eventsFilter: EVENTS }, VERSIONED)).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: EVENTS,
    });
    const webhook = { postWebhookUrl: URL, method: 'POST', filters: ['onMessageUpdated', ...CONVERSATION_FILTERS] };
    expect(conversationsWebhookAfterSave(webhook, VERSIONED)).toEqual({ ...webhook, postWebhookUrl: VERSIONED });
  });

  it('writes nothing when the version is already current, or the URL is unset or elsewhere', () => {
    expect(
      workspaceCallbackAfterSave({ eventCallbackUrl: VERSIONED, eventsFilter: EVENTS }, VERSIONED),
    ).toBeUndefined();
    expect(workspaceCallbackAfterSave({ eventCallbackUrl: null, eventsFilter: null }, VERSIONED)).toBeUndefined();
    expect(
      workspaceCallbackAfterSave({ eventCallbackUrl: OTHER_URL, eventsFilter: EVENTS }, VERSIONED),
    ).toBeUndefined();
    expect(
      conversationsWebhookAfterSave({ postWebhookUrl: null, method: null, filters: [] }, VERSIONED),
    ).toBeUndefined();
    expect(
      conversationsWebhookAfterSave(
        { postWebhookUrl: OTHER_URL, method: 'POST', filters: CONVERSATION_FILTERS },
        VERSIONED,
      ),
    ).toBeUndefined();
  });
});

describe('timerWorkspaceCheck', () => {
  const config = parseConfig({
    opencxToken: 'k',
    workspaceSid: WS,
    aiWorkerSid: WK,
    conversationsServiceSid: IS,
    timerWorkspaceSid: TIMER_WS,
    timerWorkflowSid: TIMER_WW,
    configVersion: 'v2',
  })!;
  const timer = (callback: { eventCallbackUrl: string | null; eventsFilter: string | null }, workflowFound = true) => ({
    sid: TIMER_WS,
    callback,
    workflowFound,
  });

  it('is ok when the timer workspace sends task.canceled here with the current version', () => {
    expect(
      timerWorkspaceCheck(config, timer({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }), VERSIONED),
    ).toEqual({
      id: 'timer_workspace',
      title: 'AI answer timer',
      status: 'ok',
      detail:
        `The timer workspace ${TIMER_WS} sends task.canceled to ${URL}: ` +
        'an AI answer that has not come after 60 s hands the conversation to humans.',
      autoFixable: false,
    });
    expect(
      workspaceCallbackUpdate({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }, VERSIONED, false, [
        'task.canceled',
      ]),
    ).toBeUndefined();
  });

  it.each([
    [
      'no timer workspace is saved',
      parseConfig({ ...config, timerWorkspaceSid: undefined })!,
      undefined,
      /No timer workspace is saved/,
    ],
    [
      'the saved workspace is gone',
      config,
      undefined,
      new RegExp(`${TIMER_WS} saved in the settings is not in this Twilio account`),
    ],
    [
      'its workflow is gone',
      config,
      timer({ eventCallbackUrl: VERSIONED, eventsFilter: 'task.canceled' }, false),
      new RegExp(`no longer has the timer workflow saved in the settings \\(${TIMER_WW}\\)`),
    ],
  ])('is a problem fixed by saving the settings again when %s', (_case, saved, found, detail) => {
    expect(timerWorkspaceCheck(saved, found, VERSIONED)).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringMatching(detail),
      fix:
        'Open the OpenCX settings and click Test & Save: ' +
        'it creates the "OpenCX timers" workspace, queue and workflow.',
    });
  });

  it("is a problem saving again fixes, never a replacement, when its timers go to another deployment's", () => {
    const production = 'https://opencx-flex-prod-9876.twil.io/webhook?cv=20261205-3';
    const theirs = timer({ eventCallbackUrl: production, eventsFilter: 'task.canceled' });
    const check = timerWorkspaceCheck(config, theirs, VERSIONED);
    expect(check).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringContaining(
        'another deployment of this integration (https://opencx-flex-prod-9876.twil.io/webhook)',
      ),
      fix: expect.stringMatching(/^Test & Save the settings again/),
    });
    expect(check).not.toHaveProperty('confirm');
  });

  it('sets an unset callback and adds task.canceled to a filter without it', () => {
    const unset = { eventCallbackUrl: null, eventsFilter: null };
    expect(timerWorkspaceCheck(config, timer(unset), VERSIONED)).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/sends its events nowhere, so a slow AI answer is never timed out/),
    });
    expect(workspaceCallbackUpdate(unset, VERSIONED, false, ['task.canceled'])).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: 'task.canceled',
    });
    const filtered = { eventCallbackUrl: VERSIONED, eventsFilter: 'task.created' };
    expect(timerWorkspaceCheck(config, timer(filtered), VERSIONED)).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/does not send task.canceled/),
    });
    expect(workspaceCallbackUpdate(filtered, VERSIONED, false, ['task.canceled'])).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: 'task.created,task.canceled',
    });
  });

  it('replaces a callback elsewhere only when confirmed, and re-registers an old version', () => {
    const elsewhere = { eventCallbackUrl: OTHER_URL, eventsFilter: 'task.canceled' };
    expect(timerWorkspaceCheck(config, timer(elsewhere), VERSIONED)).toMatchObject({
      status: 'problem',
      confirm: 'replaceCallbackUrl',
      autoFixable: true,
    });
    expect(workspaceCallbackUpdate(elsewhere, VERSIONED, false, ['task.canceled'])).toBeUndefined();
    expect(workspaceCallbackUpdate(elsewhere, VERSIONED, true, ['task.canceled'])).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: 'task.canceled',
    });
    const old = { eventCallbackUrl: `${URL}?cv=v1`, eventsFilter: 'task.canceled' };
    expect(timerWorkspaceCheck(config, timer(old), VERSIONED)).toMatchObject({ status: 'warning', autoFixable: true });
    expect(workspaceCallbackUpdate(old, VERSIONED, false, ['task.canceled'])).toEqual({
      eventCallbackUrl: VERSIONED,
      eventsFilter: 'task.canceled',
    });
  });
});
