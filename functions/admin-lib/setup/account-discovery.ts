// Reads what the account's own configuration says about Flex's messaging: Flex's configuration,
// the Conversations addresses and default service, the Studio flows they name, legacy Flex Flows.
// A product the account lacks (404, or 401/403 when it is not enabled) is no evidence, never an
// error; the decisions are in workflow-discovery.ts and conversations-service.ts.
import { twilioStatus } from '../../common/twilio';
import type { FlexConfigurationFacts, TwilioApis, WorkflowSummary } from '../../common/twilio';
import {
  type ConversationsServiceFacts,
  flexConversationsService,
  type ResolvedService,
} from './conversations-service';
import {
  chooseWorkflow,
  discoverWorkflow,
  type WorkflowDiscovery,
  type WorkflowDiscoveryFacts,
} from './workflow-discovery';

const NO_EVIDENCE_STATUSES = new Set([401, 403, 404]);

/** The read's answer, or `fallback` when the account lacks the product. */
async function orNoEvidence<T>(read: Promise<T>, fallback: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (NO_EVIDENCE_STATUSES.has(twilioStatus(error) ?? 0)) return fallback;
    throw error;
  }
}

export const readFlexConfiguration = (twilio: TwilioApis): Promise<FlexConfigurationFacts | undefined> =>
  orNoEvidence(twilio.flex.fetchConfiguration(), undefined);

export async function readWorkflowDiscoveryFacts(
  twilio: TwilioApis,
  flexConfiguration: FlexConfigurationFacts | undefined,
): Promise<WorkflowDiscoveryFacts> {
  const [addresses, flexFlows] = await Promise.all([
    orNoEvidence(twilio.conversations.listAddresses(), []),
    orNoEvidence(twilio.flex.listFlexFlows(), []),
  ]);
  const flowSids = new Set([
    ...addresses.flatMap((a) =>
      a.autoCreation?.enabled && a.autoCreation.type === 'studio' && a.autoCreation.studioFlowSid
        ? [a.autoCreation.studioFlowSid]
        : [],
    ),
    ...flexFlows.flatMap((f) =>
      f.enabled && f.integrationType === 'studio' && f.studioFlowSid ? [f.studioFlowSid] : [],
    ),
  ]);
  const flows = await Promise.all([...flowSids].map((sid) => orNoEvidence(twilio.studio.fetchFlow(sid), undefined)));
  return { flexConfiguration, addresses, flexFlows, studioFlows: flows.flatMap((flow) => (flow ? [flow] : [])) };
}

export async function readWorkflowDiscovery(
  twilio: TwilioApis,
  flexConfiguration: FlexConfigurationFacts | undefined,
  workflows: readonly WorkflowSummary[],
): Promise<WorkflowDiscovery> {
  return discoverWorkflow(await readWorkflowDiscoveryFacts(twilio, flexConfiguration), workflows);
}

const readDefaultServiceSid = (twilio: TwilioApis): Promise<string | undefined> =>
  orNoEvidence(twilio.conversations.fetchDefaultServiceSid(), undefined);

/** The Conversations service Flex uses, for a save that names none. */
export async function resolveFlexConversationsService(twilio: TwilioApis): Promise<ResolvedService | undefined> {
  const [flexConfiguration, defaultServiceSid] = await Promise.all([
    readFlexConfiguration(twilio),
    readDefaultServiceSid(twilio),
  ]);
  return flexConversationsService({ flexConfiguration, defaultServiceSid });
}

export async function readConversationsServiceFacts(
  twilio: TwilioApis,
  flexConfiguration: FlexConfigurationFacts | undefined,
  savedSid: string,
): Promise<ConversationsServiceFacts> {
  const defaultServiceSid = await readDefaultServiceSid(twilio);
  const sids = [
    ...new Set([savedSid, flexConfiguration?.chatServiceSid, defaultServiceSid].filter((sid): sid is string => !!sid)),
  ];
  const services = await Promise.all(sids.map((sid) => twilio.conversations.fetchService(sid)));
  const names = Object.fromEntries(
    services.flatMap((service) => (service ? [[service.sid, service.friendlyName]] : [])),
  );
  return { flexConfiguration, defaultServiceSid, savedSid, names };
}

/**
 * What the settings view shows about the workflow: the workspace's
 * workflows, the one in use and why, what the account says.
 */
export interface WorkflowsView {
  workflows: { sid: string; friendlyName: string }[];
  /** Null: none can be chosen (`unclear` says why). */
  inUse: { sid: string; friendlyName: string; why: string } | null;
  unclear: { reason: string; fix: string } | null;
  discovered: WorkflowDiscovery;
}

/** Undefined when the saved workspace is not in the account. */
export async function readWorkflowsView(
  twilio: TwilioApis,
  workspaceSid: string,
  savedWorkflowSid: string | undefined,
): Promise<WorkflowsView | undefined> {
  const [workflows, flexConfiguration] = await Promise.all([
    orNoEvidence(twilio.taskrouter.listWorkflowRouting(workspaceSid), undefined),
    readFlexConfiguration(twilio),
  ]);
  if (!workflows) return undefined;
  const discovered = await readWorkflowDiscovery(twilio, flexConfiguration, workflows);
  const choice = chooseWorkflow(workflows, { savedWorkflowSid, discovery: discovered });
  return {
    workflows: workflows.map(({ sid, friendlyName }) => ({ sid, friendlyName })),
    inUse:
      'workflow' in choice
        ? { sid: choice.workflow.sid, friendlyName: choice.workflow.friendlyName, why: choice.why }
        : null,
    unclear: 'workflow' in choice ? null : choice,
    discovered,
  };
}
