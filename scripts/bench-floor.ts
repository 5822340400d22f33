// A benchmark-only Function: the relay's six requests in five round trips, in the same order, to
// the same resources, under the same keys, over bare keep-alive `node:http`, with none of the
// bridge's work (no signature check, no decision, no retry, no log, no twilio library). Its latency
// is the floor of any relay that makes these round trips one after another; the webhook's distance
// above it is the bridge's own cost. Bundled by `npm run bench` beside the no-op; never deployed.
import http from 'node:http';
import type { Context, ServerlessCallback } from '@twilio-labs/serverless-runtime-types/types';
import type { ConversationRecord } from '../functions/bridge/conversation-record';
import { answerKey, DEDUP_TTL_SECONDS, messageClaimKey } from '../functions/bridge/dedup';
import { CLAIM_MAPS, CONVERSATION_MAPS } from '../functions/bridge/state';
import { toAiAnswer } from '../functions/common/opencx-client';
import { locationOf } from '../functions/common/shards';

interface FloorEnv {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  SYNC_SERVICE_SID: string;
  TWILIO_API_BASE_URL: string;
  OPENCX_API_URL: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });

function exchange(url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(url, { method, agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function twilio(env: FloorEnv, method: string, path: string, form?: Record<string, string>) {
  const auth = Buffer.from(`${env.ACCOUNT_SID}:${env.AUTH_TOKEN}`).toString('base64');
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return exchange(
    `${env.TWILIO_API_BASE_URL}${path}`,
    method,
    {
      authorization: `Basic ${auth}`,
      'user-agent': 'twilio-node floor',
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body,
  );
}

const claim = (env: FloorEnv, key: string) =>
  twilio(env, 'POST', `/sync/v1/Services/${env.SYNC_SERVICE_SID}/Maps/${locationOf(CLAIM_MAPS, key)}/Items`, {
    Key: key,
    Data: JSON.stringify({ at: new Date().toISOString() }),
    ItemTtl: String(DEDUP_TTL_SECONDS),
  });

export async function handler(
  context: Context<FloorEnv>,
  event: Record<string, string>,
  callback: ServerlessCallback,
): Promise<void> {
  const env = context as unknown as FloorEnv;
  const conversationSid = event.ConversationSid;
  const sync = `/sync/v1/Services/${env.SYNC_SERVICE_SID}/Maps`;
  const readRecord = () =>
    twilio(env, 'GET', `${sync}/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}`);
  const item = await readRecord();
  const record = (JSON.parse(item.text) as { data: ConversationRecord }).data;
  if (!record.sessionId || !record.config) return callback(new Error('the record has no session or settings'));
  await claim(env, messageClaimKey(event.MessageSid));
  const sent = await exchange(
    `${env.OPENCX_API_URL}/chat/sessions/${record.sessionId}/send`,
    'POST',
    { authorization: `Bearer ${record.config.opencxToken}`, 'content-type': 'application/json' },
    JSON.stringify({ sender: 'contact', message: { type: 'text', text: event.Body } }),
  );
  const answer = toAiAnswer(JSON.parse(sent.text) as Record<string, unknown>);
  const key = answerKey(record.sessionId, { answerId: answer.answerId, text: answer.reply ?? '' });
  // As the relay: the answer is posted by whichever of it and OpenCX's webhook claims it first,
  // and only while the record still gives the conversation to the AI (read again beside the claim).
  const [claimed] = await Promise.all([claim(env, key), readRecord()]);
  if (claimed.status !== 201) return callback(null, { outcome: 'already-answered' });
  await twilio(
    env,
    'POST',
    `/conversations/v1/Services/${event.ChatServiceSid}/Conversations/${conversationSid}/Messages`,
    {
      Author: record.config.aiAuthorName,
      Body: answer.reply ?? '',
      Attributes: JSON.stringify({ opencx: { role: 'ai', key, sessionId: record.sessionId } }),
    },
  );
  callback(null, { outcome: 'replied' });
}
