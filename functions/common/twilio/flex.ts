// Flex: moving an interaction to a workflow, an agent leaving it, and what Flex's own configuration says about routing.
import { textOrNull, TwilioProductApi } from './base';

/** The fields of Flex's Configuration resource the setup reads; null where Flex leaves one unset. */
export interface FlexConfigurationFacts {
  workspaceSid: string | null;
  /** `taskrouter_target_workflow_sid`: the workflow Flex's own setup routes tasks with. */
  targetWorkflowSid: string | null;
  /** `chat_service_instance_sid`: the Flex Chat Service, the Conversations service of Flex Conversations. */
  chatServiceSid: string | null;
  /** `flex_service_instance_sid`: "the Flex service instance", not documented as a Conversations service. */
  flexServiceSid: string | null;
}

/** A legacy Flex Flow (Flex UI 1.x messaging) and the workflow its task integration names. */
export interface FlexFlowFacts {
  sid: string;
  friendlyName: string;
  enabled: boolean;
  contactIdentity: string | null;
  integrationType: string;
  /** `integration.workflow_sid`, or the Studio flow of a `studio` integration. */
  workflowSid: string | null;
  studioFlowSid: string | null;
}

export interface InviteRouting {
  workspaceSid: string;
  workflowSid: string;
  taskChannel: string;
  attributes: Record<string, unknown>;
}

/** A task an Interactions invite made: `routing.properties` of the invite. */
export interface InvitedTask {
  sid: string;
  assignmentStatus: string | null;
  attributes: Record<string, unknown>;
}

function invitedTaskOf(routing: unknown): InvitedTask | undefined {
  const properties = (routing as { properties?: Record<string, unknown> } | null | undefined)?.properties;
  if (typeof properties?.sid !== 'string') return undefined;
  let attributes: Record<string, unknown> = {};
  try {
    const parsed =
      typeof properties.attributes === 'string' ? JSON.parse(properties.attributes) : properties.attributes;
    if (parsed && typeof parsed === 'object') attributes = parsed as Record<string, unknown>;
  } catch {
    // Attributes Flex did not send as JSON say nothing of the task's origin.
  }
  return { sid: properties.sid, assignmentStatus: textOrNull(properties.assignment_status), attributes };
}

export class FlexApi extends TwilioProductApi {
  /**
   * Transfers an interaction to the workflow (a new task), the Flex-supported way off an assigned
   * task. Returns the new task's SID when Flex names it.
   */
  async inviteToWorkflow(
    interactionSid: string,
    channelSid: string,
    routing: InviteRouting,
  ): Promise<string | undefined> {
    // A retried invite after a lost answer would create a second transfer task.
    const invite = await this.retry(
      () =>
        this.client.flexApi.v1
          .interaction(interactionSid)
          .channels(channelSid)
          .invites.create({
            routing: {
              properties: {
                workspace_sid: routing.workspaceSid,
                workflow_sid: routing.workflowSid,
                task_channel_unique_name: routing.taskChannel,
                attributes: routing.attributes,
              },
            },
          }),
      'not-processed-only',
    );
    return invitedTaskOf(invite.routing)?.sid;
  }

  /** The tasks the interaction channel's invites made, as Flex reports them (each transfer and handback). */
  async listInvitedTasks(interactionSid: string, channelSid: string): Promise<InvitedTask[]> {
    const invites = await this.retry(() =>
      this.client.flexApi.v1.interaction(interactionSid).channels(channelSid).invites.list({ limit: 100 }),
    );
    return invites.flatMap((invite) => invitedTaskOf(invite.routing) ?? []);
  }

  /**
   * Moves the agent holding `taskSid` out of the interaction into wrap-up, the way Flex ends an
   * agent's part while the conversation goes on: the task goes to wrapping, and completing it is
   * the agent's. 'not-found' when no agent participant holds that task (the agent left already).
   */
  async wrapUpAgent(interactionSid: string, channelSid: string, taskSid: string): Promise<'wrapup' | 'not-found'> {
    const channel = this.client.flexApi.v1.interaction(interactionSid).channels(channelSid);
    const participants = await this.retry(() => channel.participants.list({ limit: 50 }));
    const agent = participants.find(
      (p) => p.type === 'agent' && (p.routingProperties as { task_sid?: unknown } | null)?.task_sid === taskSid,
    );
    if (!agent) return 'not-found';
    await this.retry(() => channel.participants(agent.sid).update({ status: 'wrapup' }));
    return 'wrapup';
  }

  /**
   * Closes the interaction's channel with its tasks' routing closed, the way Flex ends a
   * conversation: the conversation is closed and each task ends (one nobody accepted is canceled).
   */
  async closeChannel(interactionSid: string, channelSid: string): Promise<void> {
    await this.retry(() =>
      this.client.flexApi.v1
        .interaction(interactionSid)
        .channels(channelSid)
        .update({ status: 'closed', routing: { status: 'closed' } }),
    );
  }

  /** Undefined when the account has no Flex configuration (Twilio answers 404). */
  async fetchConfiguration(): Promise<FlexConfigurationFacts | undefined> {
    const config = await this.unlessNotFound(() => this.client.flexApi.v1.configuration().fetch());
    return (
      config && {
        workspaceSid: textOrNull(config.taskrouterWorkspaceSid),
        targetWorkflowSid: textOrNull(config.taskrouterTargetWorkflowSid),
        chatServiceSid: textOrNull(config.chatServiceInstanceSid),
        flexServiceSid: textOrNull(config.flexServiceInstanceSid),
      }
    );
  }

  /** The legacy Flex Flows; none when the account has no Flex (404). */
  async listFlexFlows(): Promise<FlexFlowFacts[]> {
    const flows = (await this.unlessNotFound(() => this.client.flexApi.v1.flexFlow.list())) ?? [];
    return flows.map((flow) => {
      const integration = (flow.integration ?? {}) as Record<string, unknown>;
      return {
        sid: flow.sid,
        friendlyName: flow.friendlyName ?? '',
        enabled: !!flow.enabled,
        contactIdentity: textOrNull(flow.contactIdentity),
        integrationType: String(flow.integrationType ?? ''),
        workflowSid: textOrNull(integration.workflow_sid),
        studioFlowSid: textOrNull(integration.flow_sid),
      };
    });
  }
}
