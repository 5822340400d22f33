// Provisions the AI's TaskRouter worker on the first settings save and keeps it afterwards:
// never a second one.
import type { TwilioGateway } from '../common/twilio-client';
import { AI_WORKER_CHANNELS, AI_WORKER_NAME, aiWorkerAttributes, aiWorkerNameTaken, isAiWorker } from './settings';

export interface AiWorker {
  sid: string;
  created: boolean;
  /** The channels opened on a new worker. */
  channels?: string[];
}

export async function ensureAiWorker(twilio: TwilioGateway, workspaceSid: string, storedWorkerSid: string | undefined, authorName: string): Promise<AiWorker> {
  const stored = storedWorkerSid ? await twilio.fetchWorker(workspaceSid, storedWorkerSid) : undefined;
  if (stored) return { sid: stored.sid, created: false };
  // A save that failed after creating the worker left it behind unreferenced: adopt it.
  const named = await twilio.findWorkerByName(workspaceSid, AI_WORKER_NAME);
  if (named) {
    if (!isAiWorker(named.attributes)) throw aiWorkerNameTaken(named.sid);
    return { sid: named.sid, created: false };
  }
  const available = await twilio.availableActivity(workspaceSid);
  const worker = await twilio.createWorker(workspaceSid, { friendlyName: AI_WORKER_NAME, attributes: aiWorkerAttributes(authorName), activitySid: available.sid });
  const channels = await twilio.setWorkerChannels(workspaceSid, worker.sid, AI_WORKER_CHANNELS);
  return { sid: worker.sid, created: true, channels };
}
