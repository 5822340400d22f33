// Which TaskRouter workflow routes Flex's messaging tasks, decided without I/O from what the
// account's own configuration says: the Studio flows of its Conversations addresses (their "Send
// to Flex" widgets name the workflow), legacy Flex Flows, and Flex's configuration
// (`taskrouter_target_workflow_sid`). Then which workflow the setup looks at: the one named in
// the setup form, else the admin's saved choice, else the discovered one, else the only one.
import type {
  ConversationsAddress,
  FlexConfigurationFacts,
  FlexFlowFacts,
  StudioFlow,
  WorkflowSummary,
} from '../../common/twilio';

/** What was read; each part empty or undefined when the product answered 404 (no evidence). */
export interface WorkflowDiscoveryFacts {
  /** Undefined: the account has no Flex configuration. */
  flexConfiguration?: FlexConfigurationFacts;
  addresses: readonly ConversationsAddress[];
  /** The flows the addresses and Flex Flows name, as far as they exist. */
  studioFlows: readonly StudioFlow[];
  flexFlows: readonly FlexFlowFacts[];
}

export type WorkflowDiscovery =
  | { kind: 'found'; workflowSid: string; evidence: string }
  | { kind: 'conflict'; workflowSids: string[]; reason: string }
  | { kind: 'none'; reason: string };

/** One piece of evidence: a place in the account's configuration that sends messaging tasks to a workflow. */
interface Evidence {
  workflowSid: string;
  sentence: string;
}

export const SEND_TO_FLEX_WIDGET = 'send-to-flex';

const flowLabel = (flow: StudioFlow): string => `Studio flow "${flow.friendlyName}" (${flow.sid})`;

/** The workflows a flow's Send to Flex widgets name, each with its sentence. */
function sendToFlexEvidence(flow: StudioFlow, forWhat: string): Evidence[] {
  return flow.widgets
    .filter(
      (widget) =>
        widget.type === SEND_TO_FLEX_WIDGET &&
        typeof widget.properties.workflow === 'string' &&
        widget.properties.workflow,
    )
    .map((widget) => ({
      workflowSid: String(widget.properties.workflow),
      sentence: `Send to Flex "${widget.name}" in ${flowLabel(flow)} ${forWhat}`,
    }));
}

/** Where conversations of the account's addresses and Flex Flows go, and what says nothing about a workflow. */
function messagingEvidence(facts: WorkflowDiscoveryFacts): { evidence: Evidence[]; silent: string[] } {
  const flows = new Map(facts.studioFlows.map((flow) => [flow.sid, flow]));
  const evidence: Evidence[] = [];
  const silent: string[] = [];
  const throughFlow = (flowSid: string, forWhat: string): void => {
    const flow = flows.get(flowSid);
    const found = flow ? sendToFlexEvidence(flow, forWhat) : [];
    if (found.length > 0) evidence.push(...found);
    else
      silent.push(
        flow
          ? `${flowLabel(flow)} ${forWhat} has no Send to Flex widget`
          : `Studio flow ${flowSid} ${forWhat} is not in this account`,
      );
  };
  for (const address of facts.addresses) {
    const auto = address.autoCreation;
    if (!auto?.enabled) continue;
    const forWhat = `for address ${address.address}`;
    if (auto.type === 'studio' && auto.studioFlowSid) throughFlow(auto.studioFlowSid, forWhat);
    else if (auto.type === 'webhook')
      silent.push(
        `address ${address.address} hands its conversations to the webhook ${auto.webhookUrl ?? '(none)'}, ` +
          'which chooses the workflow itself',
      );
  }
  for (const flow of facts.flexFlows.filter((f) => f.enabled)) {
    const forWhat = `for Flex Flow "${flow.friendlyName}" (${flow.sid})`;
    if (flow.integrationType === 'studio' && flow.studioFlowSid) throughFlow(flow.studioFlowSid, forWhat);
    else if (flow.workflowSid)
      evidence.push({
        workflowSid: flow.workflowSid,
        sentence: `the task integration of Flex Flow "${flow.friendlyName}" (${flow.sid})`,
      });
  }
  return { evidence, silent };
}

const named = (sid: string, workflows: readonly WorkflowSummary[]): string => {
  const workflow = workflows.find((w) => w.sid === sid);
  return workflow ? `"${workflow.friendlyName}" (${sid})` : sid;
};

/** "A; B and 2 more": a readable summary of several sentences. */
function summary(sentences: readonly string[]): string {
  const unique = [...new Set(sentences)];
  return unique.length <= 2 ? unique.join(' and ') : `${unique.slice(0, 2).join(', ')} and ${unique.length - 2} more`;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The workflow routing Flex's messaging tasks. What routes a customer's conversation (a Send to
 * Flex widget on an address's flow, a Flex Flow's task integration) outweighs Flex's target
 * workflow, which Flex keeps for its own defaults. Evidence naming a workflow that is not in the
 * workspace is left out and said; several workflows are a conflict the admin settles.
 */
export function discoverWorkflow(
  facts: WorkflowDiscoveryFacts,
  workflows: readonly WorkflowSummary[],
): WorkflowDiscovery {
  const inWorkspace = (sid: string): boolean => workflows.some((w) => w.sid === sid);
  const { evidence, silent } = messagingEvidence(facts);
  const elsewhere = evidence
    .filter((e) => !inWorkspace(e.workflowSid))
    .map((e) => `${e.sentence} names workflow ${e.workflowSid}, which is not in the workspace`);
  const usable = evidence.filter((e) => inWorkspace(e.workflowSid));
  const target = facts.flexConfiguration?.targetWorkflowSid ?? undefined;
  const bySid = new Map<string, string[]>();
  for (const e of usable) bySid.set(e.workflowSid, [...(bySid.get(e.workflowSid) ?? []), e.sentence]);

  if (bySid.size > 1) {
    const each = [...bySid].map(([sid, sentences]) => `${named(sid, workflows)} (${summary(sentences)})`);
    return {
      kind: 'conflict',
      workflowSids: [...bySid.keys()],
      reason: `Flex's messaging goes to ${bySid.size} workflows: ${each.join('; ')}.`,
    };
  }
  if (bySid.size === 1) {
    const [[sid, sentences]] = [...bySid];
    const targetNote =
      target && target !== sid && inWorkspace(target)
        ? ` Flex's configuration names ${named(target, workflows)} as its target ` +
          'workflow, but messaging does not go there.'
        : '';
    return {
      kind: 'found',
      workflowSid: sid,
      evidence: `${capitalised(summary(sentences))} routes to it.${targetNote}`,
    };
  }
  if (target && inWorkspace(target)) {
    return {
      kind: 'found',
      workflowSid: target,
      evidence: "Flex's configuration names it as its target workflow (taskrouter_target_workflow_sid).",
    };
  }
  const looked = [
    ...(facts.flexConfiguration
      ? [
          target
            ? `Flex's target workflow ${target} is not in the workspace`
            : "Flex's configuration names no target workflow",
        ]
      : ['this account has no Flex configuration']),
    ...(facts.addresses.length === 0 && facts.flexFlows.length === 0
      ? ['no Conversations address or Flex Flow routes to Flex']
      : []),
    ...silent,
    ...elsewhere,
  ];
  return {
    kind: 'none',
    reason: `The account's configuration names no workflow for Flex's messaging: ${looked.join('; ')}.`,
  };
}

/** Which workflow the setup looks at, as the admin and the account's configuration say. */
export interface WorkflowPick {
  /** Named in the setup form. */
  workflowSid?: string;
  /** Saved in the settings. */
  savedWorkflowSid?: string;
  /** Undefined: not read (the choice then falls back to the only workflow). */
  discovery?: WorkflowDiscovery;
}

export type WorkflowChoice<W extends WorkflowSummary = WorkflowSummary> =
  | { workflow: W; why: string }
  | { reason: string; fix: string };

const PICK_FIX =
  'Pick the workflow that routes your inbound conversations in the OpenCX settings (Workflow) ' +
  'and click Test & Save (on the command line: --workflow WW…).';

/** The setup form's workflow, else the saved one, else the discovered one, else the workspace's only one. */
export function chooseWorkflow<W extends WorkflowSummary>(
  workflows: readonly W[],
  pick: WorkflowPick,
): WorkflowChoice<W> {
  const find = (sid: string): W | undefined => workflows.find((w) => w.sid === sid);
  if (pick.workflowSid) {
    const named = find(pick.workflowSid);
    return named
      ? { workflow: named, why: 'It is the workflow named in the setup form.' }
      : {
          reason: `Workflow ${pick.workflowSid} is not in the workspace.`,
          fix: "Pick one of the workspace's workflows.",
        };
  }
  if (pick.savedWorkflowSid) {
    const saved = find(pick.savedWorkflowSid);
    return saved
      ? { workflow: saved, why: 'It is the workflow chosen in the OpenCX settings.' }
      : {
          reason:
            `The workflow ${pick.savedWorkflowSid} chosen in the OpenCX settings ` +
            'is not in the workspace any more.',
          fix: PICK_FIX,
        };
  }
  const discovery = pick.discovery;
  if (discovery?.kind === 'found') {
    const found = find(discovery.workflowSid);
    if (found) return { workflow: found, why: discovery.evidence };
  }
  if (workflows.length === 1) return { workflow: workflows[0], why: "It is the workspace's only workflow." };
  if (workflows.length === 0) {
    return {
      reason: 'The workspace has no workflow, so no task is routed to anyone.',
      fix: 'Create the workflow that routes your inbound tasks (Flex creates "Assign to Anyone").',
    };
  }
  const because = discovery && discovery.kind !== 'found' ? ` ${discovery.reason}` : '';
  return {
    reason:
      `The workspace has ${workflows.length} workflows and it is unclear which ` +
      `one routes your inbound conversations.${because}`,
    fix: PICK_FIX,
  };
}

/** The sentence a check opens with: which workflow it looked at, and why that one. */
export const workflowLookedAt = (choice: { workflow: WorkflowSummary; why: string }): string =>
  `Workflow "${choice.workflow.friendlyName}" (${choice.workflow.sid}): ${choice.why}`;
