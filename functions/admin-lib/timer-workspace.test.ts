import type { TaskQueueSummary, WorkflowRouting, WorkspaceCallback } from '../common/twilio';
import {
  deploymentTimerWorkspaceName,
  ensureTimerWorkspace,
  type TimerWorkspaceApi,
  timersByName,
  timerWorkflowConfiguration,
} from './timer-workspace';

const CALLBACK = 'https://acme-1234.twil.io/webhook?cv=v2';

/** TaskRouter as far as provisioning sees it, with every create recorded. */
class FakeTaskRouter implements TimerWorkspaceApi {
  readonly workspaces = new Map<
    string,
    WorkspaceCallback & { friendlyName: string; queues: TaskQueueSummary[]; workflows: WorkflowRouting[] }
  >();
  readonly creates: string[] = [];
  private next = 0;

  private sid(prefix: string): string {
    this.next += 1;
    return prefix + String(this.next).padStart(32, '0');
  }

  addWorkspace(
    friendlyName: string,
    callback: WorkspaceCallback = { eventCallbackUrl: null, eventsFilter: null },
  ): string {
    const sid = this.sid('WS');
    this.workspaces.set(sid, { friendlyName, ...callback, queues: [], workflows: [] });
    return sid;
  }

  async fetchWorkspaceCallback(sid: string) {
    const ws = this.workspaces.get(sid);
    return ws && { eventCallbackUrl: ws.eventCallbackUrl, eventsFilter: ws.eventsFilter };
  }
  async findWorkspaceByName(name: string) {
    const [sid, ws] = [...this.workspaces].find(([, w]) => w.friendlyName === name) ?? [];
    return sid && ws
      ? {
          sid,
          friendlyName: ws.friendlyName,
          eventCallbackUrl: ws.eventCallbackUrl,
          eventsFilter: ws.eventsFilter,
          timeoutActivitySid: null,
          defaultActivitySid: null,
        }
      : undefined;
  }
  async createWorkspace(workspace: { friendlyName: string; eventCallbackUrl?: string; eventsFilter?: string }) {
    this.creates.push(`workspace ${workspace.friendlyName} ${workspace.eventCallbackUrl} ${workspace.eventsFilter}`);
    return this.addWorkspace(workspace.friendlyName, {
      eventCallbackUrl: workspace.eventCallbackUrl ?? null,
      eventsFilter: workspace.eventsFilter ?? null,
    });
  }
  async listTaskQueues(sid: string) {
    return this.workspaces.get(sid)!.queues;
  }
  async createTaskQueue(sid: string, queue: { friendlyName: string; targetWorkers: string }) {
    this.creates.push(`queue ${queue.friendlyName} ${queue.targetWorkers}`);
    const created = { sid: this.sid('WQ'), ...queue };
    this.workspaces.get(sid)!.queues.push(created);
    return created;
  }
  async listWorkflowRouting(sid: string) {
    return this.workspaces.get(sid)!.workflows;
  }
  async createWorkflow(sid: string, workflow: { friendlyName: string; configuration: object }) {
    this.creates.push(`workflow ${workflow.friendlyName} ${JSON.stringify(workflow.configuration)}`);
    const created = {
      sid: this.sid('WW'),
      friendlyName: workflow.friendlyName,
      configuration: workflow.configuration as Record<string, unknown>,
      taskReservationTimeout: 120,
    };
    this.workspaces.get(sid)!.workflows.push(created);
    return created;
  }
}

describe('ensureTimerWorkspace', () => {
  it('creates the workspace with its callback, a queue no worker matches and a workflow to it, once', async () => {
    const taskrouter = new FakeTaskRouter();
    const first = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);

    expect(first.created).toEqual(['workspace', 'queue', 'workflow']);
    const queueSid = taskrouter.workspaces.get(first.workspaceSid)!.queues[0].sid;
    expect(taskrouter.creates).toEqual([
      `workspace OpenCX timers ${CALLBACK} task.canceled`,
      'queue OpenCX timers opencx_timer == true',
      `workflow OpenCX timers ${JSON.stringify(timerWorkflowConfiguration(queueSid))}`,
    ]);
    expect(timerWorkflowConfiguration(queueSid)).toEqual({
      task_routing: { filters: [], default_filter: { queue: queueSid } },
    });
    expect(first.callback).toEqual({ eventCallbackUrl: CALLBACK, eventsFilter: 'task.canceled' });

    const second = await ensureTimerWorkspace(
      taskrouter,
      { timerWorkspaceSid: first.workspaceSid, timerWorkflowSid: first.workflowSid },
      CALLBACK,
    );
    expect(second).toEqual({ ...first, created: [] });
    expect(taskrouter.creates).toHaveLength(3);
  });

  it('adopts a workspace named "OpenCX timers" with its workflow (a save stopped before storing SIDs)', async () => {
    const taskrouter = new FakeTaskRouter();
    const left = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);
    const adopted = await ensureTimerWorkspace(taskrouter, {}, `${CALLBACK}3`);
    expect(adopted).toEqual({ ...left, created: [] });
  });

  it('is found by its names where the settings that name it cannot be read, and nothing is created', async () => {
    const taskrouter = new FakeTaskRouter();
    expect(await timersByName(taskrouter, CALLBACK)).toBeUndefined();
    const made = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);
    expect(await timersByName(taskrouter, CALLBACK)).toEqual({
      timerWorkspaceSid: made.workspaceSid,
      timerWorkflowSid: made.workflowSid,
    });
    taskrouter.workspaces.get(made.workspaceSid)!.workflows.length = 0;
    expect(await timersByName(taskrouter, CALLBACK)).toBeUndefined();
    expect(taskrouter.creates).toHaveLength(3);
  });

  describe('beside another deployment of the integration on the account (staging beside production)', () => {
    const PRODUCTION = 'https://acme-prod-5678.twil.io/webhook?cv=v9';

    it('never adopts its timer workspace, by name or as saved: this deployment gets one of its own', async () => {
      const taskrouter = new FakeTaskRouter();
      const production = await ensureTimerWorkspace(taskrouter, {}, PRODUCTION);
      expect(taskrouter.workspaces.get(production.workspaceSid)!.friendlyName).toBe('OpenCX timers');

      const own = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);
      expect(own.workspaceSid).not.toBe(production.workspaceSid);
      expect(own.created).toEqual(['workspace', 'queue', 'workflow']);
      expect(taskrouter.workspaces.get(own.workspaceSid)).toMatchObject({
        friendlyName: 'OpenCX timers (acme-1234.twil.io)',
        eventCallbackUrl: CALLBACK,
      });
      // Found again by its own name, and where the settings cannot be read.
      expect(await ensureTimerWorkspace(taskrouter, {}, CALLBACK)).toEqual({ ...own, created: [] });
      expect(await timersByName(taskrouter, CALLBACK)).toEqual({
        timerWorkspaceSid: own.workspaceSid,
        timerWorkflowSid: own.workflowSid,
      });
      expect(await timersByName(taskrouter, PRODUCTION)).toEqual({
        timerWorkspaceSid: production.workspaceSid,
        timerWorkflowSid: production.workflowSid,
      });
      // Saved by an earlier save that adopted it: left to production.
      const saved = { timerWorkspaceSid: production.workspaceSid, timerWorkflowSid: production.workflowSid };
      expect((await ensureTimerWorkspace(taskrouter, saved, CALLBACK)).workspaceSid).toBe(own.workspaceSid);
    });

    it('finds its own by name once the other deployment uninstalled; a long host gets a name that fits', async () => {
      const taskrouter = new FakeTaskRouter();
      const production = await ensureTimerWorkspace(taskrouter, {}, PRODUCTION);
      const own = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);
      taskrouter.workspaces.delete(production.workspaceSid);
      expect(await timersByName(taskrouter, CALLBACK)).toEqual({
        timerWorkspaceSid: own.workspaceSid,
        timerWorkflowSid: own.workflowSid,
      });

      const host = (env: string) => `opencx-twilio-flex-contact-center-integration-4321-${env}.twil.io`;
      const [dev, stage] = ['dev', 'stage'].map((env) => deploymentTimerWorkspaceName(`https://${host(env)}/webhook`));
      expect(dev.length).toBeLessThanOrEqual(64);
      expect(stage.length).toBeLessThanOrEqual(64);
      expect(dev).not.toBe(stage);
      expect(dev).toMatch(/^OpenCX timers \(opencx-twilio-flex-contact-center-\.\.\. [0-9a-f]{10}\)$/);
    });

    it('adopts one named "OpenCX timers" whose callback is unset or a URL of the admin\'s', async () => {
      const taskrouter = new FakeTaskRouter();
      const unset = taskrouter.addWorkspace('OpenCX timers');
      expect((await ensureTimerWorkspace(taskrouter, {}, CALLBACK)).workspaceSid).toBe(unset);
      const theirs = new FakeTaskRouter();
      const custom = theirs.addWorkspace('OpenCX timers', {
        eventCallbackUrl: 'https://ops.example.com/webhook',
        eventsFilter: null,
      });
      expect((await ensureTimerWorkspace(theirs, {}, CALLBACK)).workspaceSid).toBe(custom);
    });
  });

  it('recreates only the workflow when it was deleted, reusing the queue', async () => {
    const taskrouter = new FakeTaskRouter();
    const first = await ensureTimerWorkspace(taskrouter, {}, CALLBACK);
    taskrouter.workspaces.get(first.workspaceSid)!.workflows.length = 0;
    const again = await ensureTimerWorkspace(
      taskrouter,
      { timerWorkspaceSid: first.workspaceSid, timerWorkflowSid: first.workflowSid },
      CALLBACK,
    );
    expect(again.created).toEqual(['workflow']);
    expect(again.workspaceSid).toBe(first.workspaceSid);
    expect(again.workflowSid).not.toBe(first.workflowSid);
  });

  it("returns an adopted workspace's callback as found, for the save to decide about", async () => {
    const taskrouter = new FakeTaskRouter();
    const sid = taskrouter.addWorkspace('OpenCX timers', {
      eventCallbackUrl: 'https://elsewhere.example/webhook',
      eventsFilter: null,
    });
    const found = await ensureTimerWorkspace(taskrouter, { timerWorkspaceSid: 'WS' + 'f'.repeat(32) }, CALLBACK);
    expect(found).toMatchObject({
      workspaceSid: sid,
      callback: { eventCallbackUrl: 'https://elsewhere.example/webhook', eventsFilter: null },
      created: ['queue', 'workflow'],
    });
  });
});
