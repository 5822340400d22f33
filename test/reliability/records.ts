// What the simulators recorded during a run, as the plain records the checks read.
import type { World } from '../harness/world';
import type { ConversationRecords, RunRecords, TaskEvent } from './checks';

function parseObject(json: string | undefined): Record<string, unknown> | undefined {
  if (!json) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function taskEvents(world: World): TaskEvent[] {
  return world.taskrouter.events
    .filter((e) => e.workspaceSid === world.workspaceSid)
    .map(({ eventType, params }) => {
      const attributes = parseObject(params.TaskAttributes);
      return {
        eventType,
        taskSid: params.TaskSid,
        taskQueueSid: params.TaskQueueSid,
        aiWorker: parseObject(params.WorkerAttributes)?.opencx_ai === true,
        conversationSid: typeof attributes?.conversationSid === 'string' ? attributes.conversationSid : undefined,
        attributes,
      };
    });
}

export function conversationRecords(world: World, conversationSid: string): ConversationRecords {
  const customer = world.customerOf(conversationSid);
  const transcript = world.transcript(conversationSid);
  const sessions = [...world.opencx.sessions.values()].filter(
    (s) => s.custom_data?.flex_conversation_sid === conversationSid,
  );
  return {
    conversationSid,
    customerTexts: transcript.filter((m) => m.author === customer).map((m) => m.body),
    opencxContactTexts: sessions.flatMap((s) => world.contactMessages(s.id)),
    opencxSessions: sessions.length,
    opencxHandedOff: sessions.some((s) => s.handed_off),
    ourMessages: transcript.flatMap((m) => {
      const marker = m.attributes.opencx as { role?: unknown; key?: unknown } | undefined;
      return marker && typeof marker.role === 'string' ? [{ role: marker.role, key: String(marker.key) }] : [];
    }),
    aiPostBodies: world
      .postedAsAi(conversationSid)
      .filter((m) => !String((m.attributes.opencx as { role?: unknown } | undefined)?.role ?? '').endsWith('-note'))
      .map((m) => m.body),
  };
}

export function runRecords(world: World, conversationSids: readonly string[]): RunRecords {
  return {
    conversations: conversationSids.map((sid) => conversationRecords(world, sid)),
    taskEvents: taskEvents(world),
    aiQueueSid: world.aiQueueSid,
    humanQueueSid: world.humanQueueSid,
  };
}

/** How many conversations went to humans for each reason, as their tasks' attributes say. */
export function handoffReasons(world: World, conversationSids: readonly string[]): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const sid of conversationSids) {
    const reason = world.tasksOf(sid).find((task) => task.attributes.handedOff === true)?.attributes.handoffReason;
    if (typeof reason === 'string') reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return reasons;
}
