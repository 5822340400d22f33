// Reads what the supervisors' insights count: the recorded events of the period from every
// insights map at once (newest first, paged, bounded by pages and by the request's time), and the
// AI pool's use from TaskRouter. The counting is insights.ts.
import { INSIGHT_MAPS, insightKeyFrom } from '../bridge/insights';
import { BridgeState } from '../bridge/state';
import { everyObject } from '../common/shards';
import { coverageStart, insightsPeriod, livePool, summariseInsights } from './insights';
import { type AdminEnv, type PluginCall, syncServiceSid } from './plugin-endpoint';
import { formText } from './settings';
import { aiQueueFor } from './setup/ai-queue';
import { aiPoolFacts } from './setup/facts';

/** Sync's largest page of map items. */
const PAGE_SIZE = 100;
/** Per map: 32 maps × 40 pages × 100 items = 128,000 events at most. */
export const MAX_PAGES_PER_MAP = 40;
/** Time kept for counting and answering once the reads stop (the Function is killed at 10 s). */
const ANSWER_RESERVE_MS = 2500;

export async function insightsAnswer(call: PluginCall<AdminEnv>): Promise<Record<string, unknown>> {
  const period = insightsPeriod(formText(call.event, 'period'), new Date());
  const service = syncServiceSid(call.context);
  const lowestKey = insightKeyFrom(period.from);
  const more = () => call.deadline.remaining() > ANSWER_RESERVE_MS;
  const [reads, live] = await Promise.all([
    Promise.all(
      everyObject(INSIGHT_MAPS).map(async (map) => {
        const read = await call.twilio.sync.listMapItemsDownTo<unknown>(service, map, lowestKey, {
          pageSize: PAGE_SIZE,
          maxPages: MAX_PAGES_PER_MAP,
          more,
        });
        return { ...read, oldestAt: read.items.at(-1)?.key.slice(0, 24) };
      }),
    ),
    readLivePool(call, service),
  ]);
  const coveredFrom = coverageStart(reads, period.from);
  const events = reads.flatMap((read) => read.items.map((item) => item.data));
  Object.assign(call.trace, {
    period: period.name,
    events: events.length,
    complete: coveredFrom.getTime() === period.from.getTime(),
  });
  return { ...summariseInsights(events, period, coveredFrom), live };
}

async function readLivePool(call: PluginCall<AdminEnv>, service: string): Promise<ReturnType<typeof livePool>> {
  const config = await new BridgeState(call.twilio.sync, service).loadConfig({ fresh: true });
  if (!config) return { aiConversations: 0, capacity: 0, draining: 0, paused: 0 };
  const { taskrouter } = call.twilio;
  const aiQueue = taskrouter
    .listTaskQueues(config.workspaceSid)
    .then((queues) => aiQueueFor(queues, config.aiQueueSid));
  return livePool(await aiPoolFacts(taskrouter, config, aiQueue));
}
