// Points Twilio's webhooks at this deployment. Each registration is read right before it is
// written, and written only when the decision (webhooks.ts) asks for it: these resources have no ETags.
import type { BridgeConfig } from '../../common/config';
import type { ConversationsWebhook, TwilioApis, WorkspaceCallback } from '../../common/twilio';
import type { CheckId } from './check';
import { conversationsWebhookAfterSave, workspaceCallbackAfterSave, workspaceCallbackUpdate } from './webhooks';
import { TIMER_EVENTS } from '../timer-workspace';

type CallbackUpdate = { eventCallbackUrl: string; eventsFilter: string };
type WebhookUpdate = { postWebhookUrl: string; method: 'POST'; filters: string[] };
/** A write in progress for the check whose resource it fixes; it resolves to whether it wrote. */
export type Registration = [CheckId, Promise<boolean>];

export async function updateWorkspaceCallback(
  twilio: TwilioApis,
  workspaceSid: string,
  change: (current: WorkspaceCallback) => CallbackUpdate | undefined,
): Promise<boolean> {
  const current = await twilio.taskrouter.fetchWorkspaceCallback(workspaceSid);
  const update = current && change(current);
  if (update) await twilio.taskrouter.setWorkspaceCallback(workspaceSid, update);
  return !!update;
}

export async function updateConversationsWebhook(
  twilio: TwilioApis,
  serviceSid: string,
  change: (current: ConversationsWebhook) => WebhookUpdate | undefined,
): Promise<boolean> {
  const current = await twilio.conversations.fetchWebhook(serviceSid);
  const update = current && change(current);
  if (update) await twilio.conversations.setWebhook(serviceSid, update);
  return !!update;
}

/** The timer workspace's callback at `webhookUrl` for task.canceled; one elsewhere only when `replace`. */
export const updateTimerCallback = (
  twilio: TwilioApis,
  timerWorkspaceSid: string,
  webhookUrl: string,
  replace: boolean,
): Promise<boolean> =>
  updateWorkspaceCallback(twilio, timerWorkspaceSid, (current) =>
    workspaceCallbackUpdate(current, webhookUrl, replace, TIMER_EVENTS),
  );

/** The checks whose resource was written, once every write is done. */
export async function written(registrations: Registration[]): Promise<CheckId[]> {
  const wrote = await Promise.all(registrations.map(([, write]) => write));
  return registrations.filter((_, i) => wrote[i]).map(([id]) => id);
}

/**
 * After a save: the new config version on every registration that already points here, so the
 * next event tells each Function the settings changed. The timer workspace is ours: its callback
 * is also set when unset.
 */
export function registerConfigVersion(
  twilio: TwilioApis,
  config: Pick<BridgeConfig, 'workspaceSid' | 'conversationsServiceSid' | 'timerWorkspaceSid'>,
  webhookUrl: string,
): Promise<CheckId[]> {
  return written([
    [
      'workspace_events',
      updateWorkspaceCallback(twilio, config.workspaceSid, (current) =>
        workspaceCallbackAfterSave(current, webhookUrl),
      ),
    ],
    [
      'conversations_webhook',
      updateConversationsWebhook(twilio, config.conversationsServiceSid, (current) =>
        conversationsWebhookAfterSave(current, webhookUrl),
      ),
    ],
    ...(config.timerWorkspaceSid
      ? [['timer_workspace', updateTimerCallback(twilio, config.timerWorkspaceSid, webhookUrl, false)] as Registration]
      : []),
  ]);
}
