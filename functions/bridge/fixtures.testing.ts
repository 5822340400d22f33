// SIDs shared by the bridge's unit tests (never bundled into a Function: nothing imports it).
import { type BridgeConfig, parseConfig } from '../common/config';

export const ACCOUNT = 'AC00000000000000000000000000000001';
export const WORKSPACE = 'WS00000000000000000000000000000001';
export const SERVICE = 'IS00000000000000000000000000000001';
export const CONVERSATION = 'CH00000000000000000000000000000001';
export const RESERVATION = 'WR00000000000000000000000000000001';
export const AI_WORKER = 'WK000000000000000000000000000000a1';

/** The settings of a contact center with one AI worker. */
export const BRIDGE_CONFIG: BridgeConfig = parseConfig({
  opencxToken: 'ocx_live_secret',
  workspaceSid: WORKSPACE,
  aiWorkerSid: AI_WORKER,
  conversationsServiceSid: SERVICE,
  aiAuthorName: 'AI Support Agent',
})!;
