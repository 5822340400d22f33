// Twilio, one module per product, every call retried within the caller's deadline.
import type { Deadline } from '../retry';
import { createTwilioClient, type TwilioClient, type TwilioCredentials } from './client';
import { ConversationsApi } from './conversations';
import { FlexApi } from './flex';
import { IamApi } from './iam';
import { StudioApi } from './studio';
import { SyncApi } from './sync';
import { TaskRouterApi } from './taskrouter';

export interface TwilioApis {
  taskrouter: TaskRouterApi;
  conversations: ConversationsApi;
  sync: SyncApi;
  flex: FlexApi;
  iam: IamApi;
  studio: StudioApi;
}

/** Every product's API over one client: by default the Functions' own, signed in with the account's auth token. */
export function createTwilioApis(
  env: TwilioCredentials,
  deadline: Deadline,
  client: TwilioClient = createTwilioClient(env, deadline),
): TwilioApis {
  return {
    taskrouter: new TaskRouterApi(client, deadline),
    conversations: new ConversationsApi(client, deadline),
    sync: new SyncApi(client, deadline),
    flex: new FlexApi(client, deadline),
    iam: new IamApi(client, deadline),
    studio: new StudioApi(client, deadline),
  };
}

export { DeadlineExceededError, TwilioRateLimitError } from './client';
export type { TwilioApiKey, TwilioClient, TwilioCredentials } from './client';
export { mayHaveBeenProcessed, SYNC_ITEM_EXISTS, twilioErrorCode, twilioStatus, undefinedIfNotFound } from './base';
export type { RetryPolicy } from './base';
export { ConversationsApi } from './conversations';
export type { ConversationMessage, ConversationsAddress, ConversationsWebhook, NewMessage } from './conversations';
export { FlexApi } from './flex';
export type { FlexConfigurationFacts, FlexFlowFacts, InvitedTask, InviteRouting } from './flex';
export { FLEX_TOKEN_EXPIRED, IamApi } from './iam';
export type { FlexTokenCheck } from './iam';
export { StudioApi } from './studio';
export type { StudioFlow, StudioWidget } from './studio';
export { SyncApi } from './sync';
export type { CreatedMapItem, MapItem, SyncServiceSummary } from './sync';
export { TaskRouterApi } from './taskrouter';
export type {
  ActivitySummary,
  ReservationStatus,
  ReservationSummary,
  TaskQueueSummary,
  TaskSnapshot,
  WorkerChannel,
  WorkerRouting,
  WorkerSummary,
  ListedWorker,
  WorkflowRouting,
  WorkflowSummary,
  WorkspaceCallback,
  WorkspaceSummary,
} from './taskrouter';
