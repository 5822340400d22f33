// Flex Interactions: moving an interaction to a workflow.
import { TwilioProductApi } from './base';

export interface InviteRouting {
  workspaceSid: string;
  workflowSid: string;
  taskChannel: string;
  attributes: Record<string, unknown>;
}

export class FlexApi extends TwilioProductApi {
  /** Transfers an interaction to the workflow (a new task), the Flex-supported way off an assigned task. */
  async inviteToWorkflow(interactionSid: string, channelSid: string, routing: InviteRouting): Promise<void> {
    // A retried invite after a lost answer would create a second transfer task.
    await this.retry(
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
  }
}
