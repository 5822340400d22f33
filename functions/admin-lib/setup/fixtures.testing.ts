// Shared fixtures of the setup doctor's unit tests.
import { SUBSCRIBED_TASKROUTER_EVENTS } from '../../bridge/events';
import { apiUrlVerdict } from '../../common/deployment-guard';
import type { WorkerRouting, WorkflowRouting } from '../../common/twilio';
import type { DeploymentFacts } from './deployment-checks';
import type { RoutingFacts } from './workflow';

export const URL = 'https://acme-1234.twil.io/webhook';
/** This deployment's webhook as registered after a save: with the config version. */
export const VERSIONED = `${URL}?cv=v2`;
export const OPENCX_WEBHOOK_URL = 'https://acme-1234.twil.io/opencx-webhook';
export const TIMER_WS = 'WS' + '9'.repeat(32);
export const TIMER_WW = 'WW' + '9'.repeat(32);
export const OTHER_URL = 'https://sandbox-9999.twil.io/webhook';
export const WS = 'WS' + '1'.repeat(32);
export const IS = 'IS' + '2'.repeat(32);
export const WK = 'WK' + '3'.repeat(32);
export const AI_QUEUE = 'WQ' + 'a'.repeat(32);
export const HUMAN_QUEUE = 'WQ' + 'b'.repeat(32);
export const WW = 'WW' + 'c'.repeat(32);
export const EVENTS = SUBSCRIBED_TASKROUTER_EVENTS.join(',');
export const CONVERSATION_FILTERS = ['onMessageAdded'];

export const handedOffFilter = {
  filter_friendly_name: 'Handed off',
  expression: 'handedOff == true',
  targets: [{ queue: HUMAN_QUEUE }],
};
export const aiFilter = {
  filter_friendly_name: 'OpenCX AI',
  expression: "channelType IN ['web','sms']",
  targets: [{ queue: AI_QUEUE }],
};
export const voiceFilter = {
  filter_friendly_name: 'Voice',
  expression: "channelType == 'voice'",
  targets: [{ queue: HUMAN_QUEUE, priority: 5 }],
};

export const workflow = (
  filters: object[],
  sid = WW,
  friendlyName = 'Assign to Anyone',
  taskReservationTimeout = 3600,
): WorkflowRouting => ({
  sid,
  friendlyName,
  configuration: { task_routing: { filters, default_filter: { queue: HUMAN_QUEUE } } },
  taskReservationTimeout,
});

export const routing = (filters: object[], over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  workflows: [workflow(filters)],
  queues: [
    { sid: AI_QUEUE, friendlyName: 'OpenCX AI', targetWorkers: 'opencx_ai == true' },
    { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" },
  ],
  aiWorkerSids: [WK],
  ...over,
});

export const worker = (over: Partial<WorkerRouting> = {}): WorkerRouting => ({
  sid: WK,
  friendlyName: 'OpenCX AI',
  activityName: 'Available',
  available: true,
  channels: [
    { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: 0 },
    { taskChannel: 'voice', capacity: 1, available: false, assignedTasks: 0 },
  ],
  ...over,
});

export const OWN_SYNC_SERVICE = { sid: 'IS' + 'c'.repeat(32), uniqueName: null, friendlyName: 'OpenCX for Flex' };
export const DEFAULT_SYNC_SERVICE = {
  sid: 'IS' + 'd'.repeat(32),
  uniqueName: 'default',
  friendlyName: 'Default Service',
};

/** twilio-run with the simulators, the integration's own Sync service: every deployment check ok. */
export const LOCAL_DEPLOYMENT: DeploymentFacts = {
  domainName: 'localhost:3000',
  apiUrls: apiUrlVerdict({
    DOMAIN_NAME: 'localhost:3000',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
    OPENCX_API_URL: 'http://127.0.0.1:4020',
  }),
  syncServiceSid: OWN_SYNC_SERVICE.sid,
  syncService: OWN_SYNC_SERVICE,
};
