import { runSteps } from './apply';
import { revisionOf, type SetupStep } from './steps';
import { WS } from './fixtures.testing';

/** A step over one workspace callback that wants it set to `wanted`, with what it wrote. */
function callbackStep(current: { url: string }, wanted: string) {
  const writes: string[] = [];
  const step: SetupStep<{ url: string }> = {
    id: 'workspace_events',
    title: 'TaskRouter event callback',
    read: async () => ({ ...current }),
    plan: (now) =>
      now?.url === wanted
        ? { kind: 'unchanged', detail: 'Already set.' }
        : {
            kind: 'write',
            detail: `Set to ${wanted}.`,
            backup: { kind: 'workspace_callback', workspaceSid: WS, eventCallbackUrl: null, eventsFilter: null },
            write: async () => {
              writes.push(wanted);
            },
          },
  };
  return { step, writes };
}

const noBackup = async () => async () => undefined;
const TITLE = { id: 'workspace_events', title: 'TaskRouter event callback' } as const;

describe('runSteps: a resource changed since the check', () => {
  const seen = { url: 'https://old.example.com' };
  const edited = { url: 'https://ops.example.com' };

  it('is not written, and its report says why in a field a client can act on', async () => {
    const { step, writes } = callbackStep(edited, 'https://here.example.com');

    const [report] = await runSteps([[step as SetupStep]], { workspace_events: revisionOf(seen) }, noBackup);

    expect(report).toEqual({
      ...TITLE,
      status: 'failed',
      detail: expect.stringMatching(/^Not written: it changed since the check .*Run the check again, then apply\.$/),
      reason: 'changed_since_check',
    });
    expect(writes).toEqual([]);
  });

  it('is reported unchanged when it changed into what Apply wants (an Apply retried, its answer lost)', async () => {
    const { step, writes } = callbackStep({ url: 'https://here.example.com' }, 'https://here.example.com');

    const [report] = await runSteps([[step as SetupStep]], { workspace_events: revisionOf(seen) }, noBackup);

    expect(report).toEqual({ ...TITLE, status: 'unchanged', detail: 'Already set.' });
    expect(writes).toEqual([]);
  });

  it('is written when it still has the revision the check saw, and the report has no reason', async () => {
    const { step, writes } = callbackStep(seen, 'https://here.example.com');

    const [report] = await runSteps([[step as SetupStep]], { workspace_events: revisionOf(seen) }, noBackup);

    expect(report).toEqual({ ...TITLE, status: 'applied', detail: 'Set to https://here.example.com.' });
    expect(writes).toEqual(['https://here.example.com']);
  });

  it('gives no reason to a failure of another kind', async () => {
    const { step } = callbackStep(seen, 'https://here.example.com');
    const failing = { ...step, read: () => Promise.reject(new Error('socket hang up')) };

    const [report] = await runSteps([[failing as SetupStep]], undefined, noBackup);

    expect(report).toEqual({ ...TITLE, status: 'failed', detail: 'Could not read it: socket hang up' });
  });
});

describe('runSteps: what the backup is told after the write', () => {
  const failingWith = (status: number) => {
    const { step } = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com');
    const plan = step.plan({ url: 'https://old.example.com' }, []);
    if (plan.kind !== 'write') throw new Error('expected a write');
    const refused = Object.assign(new Error(`Twilio answered ${status}`), { status });
    return { ...step, plan: () => ({ ...plan, write: () => Promise.reject(refused) }) } as SetupStep;
  };
  const noted = async (step: SetupStep) => {
    const notes: (boolean | 'undone')[] = [];
    const [report] = await runSteps([[step]], undefined, async () => async (written) => {
      notes.push(written);
    });
    return { status: report.status, notes };
  };

  it('written: once the write succeeded', async () => {
    const { step } = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com');
    await expect(noted(step as SetupStep)).resolves.toEqual({ status: 'applied', notes: [true] });
  });

  it('not written: when Twilio refused the write, so Undo leaves the resource alone', async () => {
    await expect(noted(failingWith(400))).resolves.toEqual({ status: 'failed', notes: [false] });
  });

  it('written: when Twilio may have made the write (a 5xx), so Undo reads back what it left', async () => {
    await expect(noted(failingWith(500))).resolves.toEqual({ status: 'failed', notes: [true] });
  });
});

describe('runSteps: a step settled once every stage has ended', () => {
  it('sees every report, replaces its own, and has its backup noted only after', async () => {
    const events: string[] = [];
    const { step } = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com');
    const settled: SetupStep = {
      ...(step as SetupStep),
      settle: async (own, all) => {
        events.push(`settle after ${all.map((report) => report.id).join(',')}`);
        return { report: { ...own, status: 'skipped', detail: `${own.detail} Taken back.` }, undone: false };
      },
    };
    const later = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com').step;
    const last = { ...(later as SetupStep), id: 'workflow_filters' as const, title: 'Workflow filters' };

    const reports = await runSteps([[settled], [last]], undefined, async (backup) => async (written) => {
      events.push(`noted ${backup.kind} ${written}`);
    });

    expect(reports.map((report) => [report.id, report.status, report.detail])).toEqual([
      ['workspace_events', 'skipped', 'Set to https://here.example.com. Taken back.'],
      ['workflow_filters', 'applied', 'Set to https://here.example.com.'],
    ]);
    // The later step's note comes at once; the settled one's after its settle.
    expect(events).toEqual([
      'noted workspace_callback true',
      'settle after workspace_events,workflow_filters',
      'noted workspace_callback true',
    ]);
  });

  it('has the backup of a write its settle took back whole forgotten, not noted', async () => {
    const notes: (boolean | 'undone')[] = [];
    const { step } = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com');
    const undone: SetupStep = {
      ...(step as SetupStep),
      settle: async (own) => ({ report: { ...own, status: 'skipped', detail: 'Taken back.' }, undone: true }),
    };

    const [report] = await runSteps([[undone]], undefined, async () => async (written) => {
      notes.push(written);
    });

    expect(report).toMatchObject({ status: 'skipped', detail: 'Taken back.' });
    expect(notes).toEqual(['undone']);
  });

  it('a settle that throws leaves the step failed, saying why, and its backup is still noted', async () => {
    const notes: (boolean | 'undone')[] = [];
    const { step } = callbackStep({ url: 'https://old.example.com' }, 'https://here.example.com');
    const throwing: SetupStep = { ...(step as SetupStep), settle: () => Promise.reject(new Error('socket hang up')) };

    const [report] = await runSteps([[throwing]], undefined, async () => async (written) => {
      notes.push(written);
    });

    expect(report).toEqual({
      ...TITLE,
      status: 'failed',
      detail: 'Set to https://here.example.com. What the later steps left could not be settled: socket hang up',
    });
    expect(notes).toEqual([true]);
  });
});
