// The AI's TaskQueue and the workflow filter that routes to it: which queue the AI filter targets,
// and the queue Apply creates when the workspace has none.
import type { TaskQueueSummary } from '../../common/twilio';
import { AI_WORKER_EXPRESSION, AI_WORKER_SKILL } from '../settings';
import { aiMembership } from './expressions';

/** The queue Apply creates when no queue serves the AI. */
export const AI_QUEUE_NAME = 'OpenCX AI';

/**
 * The name for a new AI queue: "OpenCX AI", or "OpenCX AI (2)" and on when a queue that does not
 * serve the AI has it already (TaskRouter refuses a name in use with 400 / 20001).
 */
export function freeAiQueueName(queues: readonly Pick<TaskQueueSummary, 'friendlyName'>[]): string {
  const taken = new Set(queues.map((queue) => queue.friendlyName));
  if (!taken.has(AI_QUEUE_NAME)) return AI_QUEUE_NAME;
  for (let n = 2; ; n++) if (!taken.has(`${AI_QUEUE_NAME} (${n})`)) return `${AI_QUEUE_NAME} (${n})`;
}

/** A name Apply gives the AI queue it creates. */
export const isAiQueueName = (name: string): boolean => name === AI_QUEUE_NAME || /^OpenCX AI \(\d+\)$/.test(name);
/**
 * Exactly the AI pool: workers marked `opencx_ai: true` that carry
 * the `opencx_ai` skill (a save gives every pool worker both).
 */
export const AI_QUEUE_TARGET_WORKERS = `${AI_WORKER_EXPRESSION} AND routing.skills HAS '${AI_WORKER_SKILL}'`;

export const AI_FILTER_NAME = 'OpenCX: AI agent';
/**
 * The Flex Conversations channel types the AI answers: those Flex routes on the chat and sms task
 * channels, the ones the AI workers open. Voice and email tasks never reach the AI.
 */
export const AI_CHANNEL_TYPES: readonly string[] = ['web', 'chat', 'sms', 'whatsapp', 'messenger', 'instagram'];
export const AI_FILTER_EXPRESSION = `channelType IN [${AI_CHANNEL_TYPES.map((type) => `'${type}'`).join(', ')}]`;

/** The AI filter Apply adds, targeting `queueSid`. */
export const aiFilterFor = (queueSid: string): Record<string, unknown> => ({
  filter_friendly_name: AI_FILTER_NAME,
  expression: AI_FILTER_EXPRESSION,
  targets: [{ queue: queueSid }],
});

/**
 * The queue the AI filter targets: the one in the settings when it is in the workspace; else the
 * workspace's queues whose Target Workers include the AI, the one named "OpenCX AI" first. A queue
 * saved in the settings but gone leaves none: the admin fixes the settings (the AI queue check says so).
 */
export function aiQueueFor(
  queues: readonly TaskQueueSummary[],
  savedSid: string | undefined,
): TaskQueueSummary | undefined {
  if (savedSid) return queues.find((queue) => queue.sid === savedSid);
  const serving = queues.filter((queue) => aiMembership(queue.targetWorkers) === 'includes');
  return serving.find((queue) => queue.friendlyName === AI_QUEUE_NAME) ?? serving[0];
}

/** How a check or step names the queue. */
export const queueName = (queue: Pick<TaskQueueSummary, 'sid' | 'friendlyName'>): string =>
  `"${queue.friendlyName}" (${queue.sid})`;
