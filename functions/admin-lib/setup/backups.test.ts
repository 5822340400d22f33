import type { SyncApi, TwilioApis } from '../../common/twilio';
import { isAsBackedUp, partsOf, restoreResource, SetupBackups, undoRevisionOf, workersUndo } from './backups';
import { revisionOf } from './steps';
import type { PoolWorkerState } from './ai-worker-step';
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

describe('a resource already as its backup (an Undo that did not finish restored it)', () => {
  it('a callback: same URL whatever its version, the same events; unset reads as unset', () => {
    const backup = {
      kind: 'workspace_callback',
      workspaceSid: WS,
      eventCallbackUrl: `${URL}?cv=v1`,
      eventsFilter: 'a,b',
    };
    expect(isAsBackedUp(backup as never, { eventCallbackUrl: `${URL}?cv=v2`, eventsFilter: 'a,b' })).toBe(true);
    expect(isAsBackedUp(backup as never, { eventCallbackUrl: `${URL}?cv=v2`, eventsFilter: 'a' })).toBe(false);
    const unset = { kind: 'workspace_callback', workspaceSid: WS, eventCallbackUrl: null, eventsFilter: null };
    expect(isAsBackedUp(unset as never, { eventCallbackUrl: null, eventsFilter: '' })).toBe(true);
    expect(isAsBackedUp(unset as never, { eventCallbackUrl: OTHER_URL, eventsFilter: '' })).toBe(false);
  });

  it('the Conversations webhook: its URL and events; with no URL, whatever events Twilio kept', () => {
    const backup = {
      kind: 'conversations_webhook',
      serviceSid: 'IS1',
      postWebhookUrl: `${URL}?cv=v1`,
      method: 'POST',
      filters: ['onMessageAdded', 'onConversationAdded'],
    };
    const read = { postWebhookUrl: `${URL}?cv=v2`, filters: ['onConversationAdded', 'onMessageAdded'] };
    expect(isAsBackedUp(backup as never, read)).toBe(true);
    expect(isAsBackedUp(backup as never, { ...read, filters: ['onMessageAdded'] })).toBe(false);
    // Undone from unset: Twilio keeps the events Apply set, as an empty list is sent as none.
    const unset = { ...backup, postWebhookUrl: null, filters: [] };
    expect(isAsBackedUp(unset as never, { postWebhookUrl: null, filters: ['onMessageAdded'] })).toBe(true);
    expect(isAsBackedUp(unset as never, { postWebhookUrl: OTHER_URL, filters: [] })).toBe(false);
    // The admin's pre-event webhook used the list: it counts.
    const preEvents = { ...unset, filters: ['onMessageAdd'] };
    expect(isAsBackedUp(preEvents as never, { postWebhookUrl: null, filters: ['onMessageAdd'] })).toBe(true);
    expect(isAsBackedUp(preEvents as never, { postWebhookUrl: null, filters: ['onMessageAdded'] })).toBe(false);
  });

  it('a workflow: byte for byte', () => {
    const backup = { kind: 'workflow', workspaceSid: WS, workflowSid: 'WW1', configuration: '{ "a": 1 }' };
    expect(isAsBackedUp(backup as never, { workflowSid: 'WW1', configuration: '{ "a": 1 }' })).toBe(true);
    expect(isAsBackedUp(backup as never, { workflowSid: 'WW1', configuration: '{"a":1}' })).toBe(false);
  });

  it('AI workers: each one with its activity, attributes and channels', () => {
    const channels = [{ sid: 'WC1', taskChannel: 'chat', capacity: 1, available: false }];
    const worker = { workerSid: 'WK1', activitySid: 'WA1', attributes: { opencx_ai: true }, channels };
    const backup = { kind: 'ai_workers', workspaceSid: WS, workers: [worker] };
    const read = { sid: 'WK1', friendlyName: 'OpenCX AI', available: false, activitySid: 'WA1', channels };
    expect(isAsBackedUp(backup as never, [{ ...read, attributes: { opencx_ai: true } }])).toBe(true);
    expect(isAsBackedUp(backup as never, [{ ...read, attributes: { opencx_ai: true, routing: {} } }])).toBe(false);
    expect(isAsBackedUp(backup as never, [{ sid: 'WK1', missing: true }])).toBe(false);
  });
});

describe('the stored Applies', () => {
  /** Sync's map items as its list and delete calls see them, ordered by key. */
  function syncWithApplies(count: number) {
    const items = new Map<string, unknown>();
    const listed: number[] = [];
    const applyIds = Array.from({ length: count }, (_, n) => SetupBackups.newApplyId(new Date(1_700_000_000_000 + n)));
    for (const applyId of applyIds) {
      const backup = { kind: 'workspace_callback', workspaceSid: WS, eventCallbackUrl: null, eventsFilter: null };
      items.set(`${applyId}.00`, { applyId, at: 'then', by: 'admin', backup });
      items.set(`${applyId}.00~after`, { revision: 'r' });
    }
    const sync = {
      listMapItems: async (_: string, __: string, limit: number, order = 'asc') => {
        listed.push(limit);
        const keys = [...items.keys()].sort();
        return (order === 'desc' ? keys.reverse() : keys).slice(0, limit).map((key) => ({ key, data: items.get(key) }));
      },
      deleteMapItem: async (_: string, __: string, key: string) => items.delete(key),
    } as unknown as SyncApi;
    return { backups: new SetupBackups(sync, 'IS1'), applyIds, listed };
  }

  it('Undo finds the last Apply however many came before, and can undo the one before it next', async () => {
    const { backups, applyIds } = syncWithApplies(700);
    expect((await backups.applies()).at(-1)?.applyId).toBe(applyIds[699]);
    await backups.discard(applyIds[699]);
    expect((await backups.applies()).at(-1)?.applyId).toBe(applyIds[698]);
  });

  it("a new Apply sorts after the last one, though its terminal's clock is behind", async () => {
    const { backups, applyIds, listed } = syncWithApplies(2);
    const behind = await backups.nextApplyId(new Date(1_700_000_000_000 - 60_000));
    expect([...applyIds, behind].sort().at(-1)).toBe(behind);
    const ahead = await backups.nextApplyId(new Date(1_800_000_000_000));
    expect(ahead.startsWith('001800000000000-')).toBe(true);
    expect(listed).toEqual([1, 1]);
  });

  it('Uninstall finds what the first Apply backed up, to put the account back as it was', async () => {
    const { backups, applyIds } = syncWithApplies(700);
    expect((await backups.applies('oldest'))[0]?.applyId).toBe(applyIds[0]);
  });
});

describe('a backup whose note of the write was lost', () => {
  it('reads as unknown after the write, so Undo does not restore it over a later edit', async () => {
    const items = new Map<string, unknown>();
    const sync = {
      createMapItem: async (_: string, __: string, key: string, data: unknown) => {
        if (key.endsWith('~after')) throw Object.assign(new Error('Too many requests'), { status: 429 });
        items.set(key, data);
        return { created: true, retried: false };
      },
      listMapItems: async () => [...items.keys()].sort().map((key) => ({ key, data: items.get(key) })),
    } as unknown as SyncApi;
    const twilio = {
      taskrouter: { fetchWorkspaceCallback: async () => ({ eventCallbackUrl: URL, eventsFilter: 'task.created' }) },
    } as unknown as TwilioApis;
    const backups = new SetupBackups(sync, 'IS1');
    const write = backups.writer('0001-a', 'admin', new Date(0), twilio);
    const written = await write({
      kind: 'workspace_callback',
      workspaceSid: WS,
      eventCallbackUrl: null,
      eventsFilter: null,
    });
    await written(true);

    const [apply] = await backups.applies();
    expect(apply.resources).toEqual([expect.objectContaining({ unknownAfter: true })]);
  });
});

describe('a backup whose write its step took back whole (the AI workers Apply opened, put back)', () => {
  /** A Sync map in memory; `deleting` fails every delete with that status. */
  function backupsOver(deleting?: number) {
    const items = new Map<string, unknown>();
    const sync = {
      createMapItem: async (_: string, __: string, key: string, data: unknown) => {
        items.set(key, data);
        return { created: true, retried: false };
      },
      deleteMapItem: async (_: string, __: string, key: string) => {
        if (deleting) throw Object.assign(new Error('Service Unavailable'), { status: deleting });
        items.delete(key);
        return true;
      },
      listMapItems: async (_: string, __: string, ___: number, order: 'asc' | 'desc') => {
        const keys = [...items.keys()].sort();
        return (order === 'desc' ? keys.reverse() : keys).map((key) => ({ key, data: items.get(key) }));
      },
    } as unknown as SyncApi;
    const twilio = {
      taskrouter: { fetchWorkspaceCallback: async () => ({ eventCallbackUrl: URL, eventsFilter: 'task.created' }) },
    } as unknown as TwilioApis;
    return { backups: new SetupBackups(sync, IS), twilio };
  }
  const callback = {
    kind: 'workspace_callback',
    workspaceSid: WS,
    eventCallbackUrl: null,
    eventsFilter: null,
  } as const;

  it('is forgotten: Undo goes past an Apply of which nothing is left', async () => {
    const { backups, twilio } = backupsOver();
    await (await backups.writer('0001-a', 'admin', new Date(0), twilio)(callback))(true);
    const second = backups.writer('0002-b', 'admin', new Date(1), twilio);
    const [undone, kept] = [await second(callback), await second({ ...callback, workspaceSid: 'WS-other' })];
    await undone('undone');

    expect((await backups.applies()).map((apply) => [apply.applyId, apply.resources.length])).toEqual([
      ['0001-a', 1],
      ['0002-b', 1],
    ]);
    await kept('undone');
    expect((await backups.applies()).map((apply) => apply.applyId)).toEqual(['0001-a']);
  });

  it('is kept, noted as written, when Sync does not let it go', async () => {
    const { backups, twilio } = backupsOver(503);
    await (await backups.writer('0001-a', 'admin', new Date(0), twilio)(callback))('undone');

    const [apply] = await backups.applies();
    expect(apply.resources).toEqual([expect.objectContaining({ afterRevision: expect.any(String) })]);
  });
});

describe('partsOf (a backup too large for one Sync item)', () => {
  it('cuts a text into pieces whose JSON fits, escapes and multi-byte characters counted, that join to it', () => {
    const text = `{"expression": "team == \\"ünïcödé\\" 😀"}\n`.repeat(2000);
    const parts = partsOf(text, 12_000);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part)) - 2).toBeLessThanOrEqual(12_000);
  });

  it('keeps a short text whole', () => {
    expect(partsOf('{"a":1}')).toEqual(['{"a":1}']);
  });
});

describe('workersUndo (AI workers changed since that Apply, judged one by one)', () => {
  const [kept, paused, gone, drained] = ['a', 'b', 'c', 'd'].map((c) => 'WK' + c.repeat(32));
  const chat = (available: boolean) => [{ sid: 'WC' + '1'.repeat(32), taskChannel: 'chat', capacity: 50, available }];
  const asBefore = (workerSid: string) => ({
    workerSid,
    activitySid: 'WA' + 'o'.repeat(32),
    attributes: { opencx_ai: true, routing: { skills: ['opencx_ai'] } },
    channels: chat(false),
  });
  const now = (sid: string, available: boolean, channels = chat(true)): PoolWorkerState => ({
    sid,
    friendlyName: sid,
    activitySid: available ? 'WA' + 'v'.repeat(32) : 'WA' + 'o'.repeat(32),
    available,
    attributes: { opencx_ai: true, routing: { skills: ['opencx_ai'] } },
    channels,
  });
  const backup = {
    kind: 'ai_workers' as const,
    workspaceSid: WS,
    workers: [kept, paused, gone, drained].map(asBefore),
  };
  const read = [
    now(kept, true),
    now(paused, false),
    { sid: gone, missing: true as const },
    now(drained, true, chat(false)),
  ];
  const pool = [kept, paused, gone];

  it('puts back a worker as Apply left it, keeps an edited one, leaves the gone and the drained ones', () => {
    const afterApply = { [kept]: revisionOf(now(kept, true)), [paused]: revisionOf(now(paused, true)) };
    const { restore, gone: away, left, edited } = workersUndo(backup, read, pool, afterApply);
    expect(restore.workers.map((worker) => worker.workerSid)).toEqual([kept]);
    expect(away).toEqual([gone]);
    expect(left).toEqual([drained]);
    expect(edited).toEqual([paused]);
  });

  it('puts back a worker Apply left unavailable (its webhooks were not here yet): unchanged since', () => {
    const afterApply = { [paused]: revisionOf(now(paused, false)) };
    expect(workersUndo(backup, read, pool, afterApply).restore.workers.map((w) => w.workerSid)).toContain(paused);
  });

  it('without per-worker revisions (older backups), takes a worker still serving as unchanged', () => {
    const { restore, edited } = workersUndo(backup, read, pool, undefined);
    expect(restore.workers.map((worker) => worker.workerSid)).toEqual([kept]);
    expect(edited).toEqual([paused]);
  });
});
