// What every bridge action works with: the config, one Twilio module, one OpenCX client, our
// Sync state and the handler's deadline.
import type { BridgeConfig } from '../common/config';
import type { OpenCxClient } from '../common/opencx-client';
import type { Deadline } from '../common/retry';
import type { TwilioApis } from '../common/twilio';
import type { ConversationRecord } from './conversation-record';
import type { BridgeState } from './state';

export interface BridgeDeps {
  config: BridgeConfig;
  twilio: TwilioApis;
  /**
   * Twilio for one last step that must happen even when the handler's deadline ran out (arming a
   * watchdog): a short budget of its own within the Function's 10 s, or `twilio` when that has more left.
   */
  lastStep: () => TwilioApis;
  /** Our state on `lastStep`'s budget: a claim given back, a note left owed, after the deadline ran out. */
  lastStepState: () => BridgeState;
  opencx: OpenCxClient;
  state: BridgeState;
  /** The whole handler's deadline. */
  deadline: Deadline;
  /** Kept free after the AI call for what follows it (posting, arming the watchdog, a handoff). */
  afterAnswerReserveMs: number;
  /** The longest the handler waits for OpenCX before it lets the answer come by webhook. */
  maxAnswerWaitMs: number;
  now: () => Date;
  warn: (message: string, fields?: Record<string, unknown>) => void;
  /** This deployment's webhook: an AI worker is put back only while the workspace's events come here. */
  webhookUrl?: string;
  /** Re-reads the saved config, bypassing the cache (after OpenCX refused the key). */
  reloadConfig: () => Promise<BridgeConfig | undefined>;
}

export interface Outcome {
  outcome: string;
  sessionId?: string;
  [detail: string]: unknown;
}

/** Our record of a conversation with the Sync revision it was read at, for a one-call If-Match write. */
export interface KnownRecord {
  record: ConversationRecord;
  revision: string;
}
