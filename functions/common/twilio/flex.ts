// Flex Interactions: moving an interaction to a workflow, and an agent leaving it.
import { TwilioProductApi } from './base';

export interface InviteRouting {
  workspaceSid: string;
  workflowSid: string;
  taskChannel: string;
  attributes: Record<string, unknown>;
}

export class FlexApi extends TwilioProductApi {
  /**
   * Transfers an interaction to the workflow (a new task), the Flex-supported way off an assigned
   * task. Returns the new task's SID when Flex names it.
   */
  async inviteToWorkflow(interactionSid: string, channelSid: string, routing: InviteRouting): Promise<string | undefined> {
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
    const task = (invite.routing as { properties?: { sid?: unknown } } | undefined)?.properties?.sid;
    return typeof task === 'string' ? task : undefined;
  }

  /**
   * Moves the agent holding `taskSid` out of the interaction into wrap-up, the way Flex ends an
   * agent's part while the conversation goes on: the task goes to wrapping, and completing it is
   * the agent's. 'not-found' when no agent participant holds that task (the agent left already).
   */
  async wrapUpAgent(interactionSid: string, channelSid: string, taskSid: string): Promise<'wrapup' | 'not-found'> {
    const channel = this.client.flexApi.v1.interaction(interactionSid).channels(channelSid);
    const participants = await this.retry(() => channel.participants.list({ limit: 50 }));
    const agent = participants.find((p) => p.type === 'agent' && (p.routingProperties as { task_sid?: unknown } | null)?.task_sid === taskSid);
    if (!agent) return 'not-found';
    await this.retry(() => channel.participants(agent.sid).update({ status: 'wrapup' }));
    return 'wrapup';
  }
}
