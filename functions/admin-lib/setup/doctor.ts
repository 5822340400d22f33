// The setup doctor, decided without I/O: each check is a pure function of what was read from
// Twilio and OpenCX, and each "Apply fixes" change is computed from a fresh read of the
// resource it writes. The setup the admin would otherwise do by hand: both webhooks at this
// deployment, the workspace events the bridge acts on, and a `handedOff == true` filter above
// the AI's filter. Two more checks report TaskRouter settings that are the admin's call: a
// reservation timeout long enough for an AI conversation, and human queues without the AI worker.
// The webhook URLs carry the config version (`?cv=`): a URL pointing here with an old version is a
// warning Apply fixes. The timer workspace and OpenCX's webhooks are checked too.
import type { BridgeConfig } from '../../common/config';
import type { ConversationsWebhook, WorkspaceCallback } from '../../common/twilio';
import { type AiPoolFacts, aiWorkerCheck } from './ai-worker-check';
import { type Check, check, fine, manual } from './check';
import { type DeploymentFacts, deploymentChecks } from './deployment-checks';
import {
  type FurtherKeyState,
  type OpenCxTokenState,
  type OpenCxUsageFacts,
  type OpenCxWebhookFacts,
  opencxRateLimitCheck,
  opencxTokenCheck,
  opencxWebhookCheck,
} from './opencx-checks';
import { aiReservationTimeoutCheck, aiWorkerQueuesCheck } from './routing-checks';
import { type ConversationsServiceFacts, conversationsServiceCheck } from './conversations-service';
import {
  conversationsWebhookCheck,
  type TimerWorkspaceFacts,
  timerWorkspaceCheck,
  workspaceEventsCheck,
} from './webhooks';
import { aiQueueCheck, aiUnroutedAfterApply, type RoutingFacts, workflowFiltersCheck } from './workflow';
import { chooseWorkflow } from './workflow-discovery';

/** Everything the checks look at, read at once. */
export interface SetupFacts {
  deployment: DeploymentFacts;
  config: BridgeConfig;
  /** This deployment's webhook as it should be registered: with the saved config version. */
  webhookUrl: string;
  opencx: OpenCxTokenState;
  /** The settings' further keys of the organisation, each checked as the main key is. */
  opencxFurtherKeys: FurtherKeyState[];
  opencxWebhook: OpenCxWebhookFacts;
  opencxUsage: OpenCxUsageFacts;
  /** Undefined: no timer workspace saved, or it does not exist. */
  timerWorkspace?: TimerWorkspaceFacts;
  /** Undefined: the workspace does not exist. */
  workspace?: WorkspaceCallback;
  /** Undefined: the Conversations service does not exist. */
  conversationsWebhook?: ConversationsWebhook;
  conversationsService: ConversationsServiceFacts;
  aiPool: AiPoolFacts;
  routing: RoutingFacts;
}

/** Nothing but the deployment can be checked before the settings are saved. */
export const notConfiguredChecks = (deployment: DeploymentFacts): Check[] => [
  ...deploymentChecks(deployment),
  configCheck(false),
];

/**
 * Every check, in the order an admin fixes things. Those that need the workspace are left out while
 * it is missing; the reservation timeout and human queue checks while the workflow cannot be chosen
 * (the workflow filters check says why).
 */
export function setupChecks(facts: SetupFacts): Check[] {
  const { config } = facts;
  const checks = [
    ...deploymentChecks(facts.deployment),
    configCheck(true),
    opencxTokenCheck(facts.opencx, facts.opencxFurtherKeys),
    opencxWebhookCheck(facts.opencxWebhook),
    opencxRateLimitCheck(facts.opencxUsage),
    workspaceEventsCheck(config.workspaceSid, facts.workspace, facts.webhookUrl),
    conversationsWebhookCheck(config.conversationsServiceSid, facts.conversationsWebhook, facts.webhookUrl),
    conversationsServiceCheck(facts.conversationsService),
    timerWorkspaceCheck(config, facts.timerWorkspace, facts.webhookUrl),
  ];
  if (!facts.workspace) return checks;
  const choice = chooseWorkflow(facts.routing.workflows, facts.routing);
  return [
    ...checks,
    // The human queue is chosen in Apply's form, and Apply creates a missing AI queue.
    aiWorkerCheck(facts.aiPool, aiUnroutedAfterApply(facts.routing, undefined, true)),
    workflowFiltersCheck(facts.routing),
    ...(config.aiQueueSid ? [aiQueueCheck(config.aiQueueSid, facts.routing.queues)] : []),
    ...('workflow' in choice
      ? [aiReservationTimeoutCheck(choice.workflow, facts.routing), aiWorkerQueuesCheck(choice.workflow, facts.routing)]
      : []),
  ];
}

export function configCheck(saved: boolean): Check {
  return saved
    ? check(
        'config',
        'OpenCX settings',
        'ok',
        fine('The OpenCX API key, workspace, Conversations service and AI worker are saved.'),
      )
    : check(
        'config',
        'OpenCX settings',
        'problem',
        manual(
          'The OpenCX settings are not saved (or only in part), so the bridge ignores every event.',
          'Open the OpenCX settings, enter the OpenCX API key and click Test & Save ' +
            '(the workspace and the Conversations service are taken from this Flex account).',
        ),
      );
}
