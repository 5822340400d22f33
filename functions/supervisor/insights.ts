// The AI insights for supervisors (admins and supervisors; agents cannot read them): what the AI
// engaged, contained and handed off in a period, and the AI pool's use now. docs/admin-api.md.
import { insightsAnswer } from '../admin-lib/insights-read';
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';

export const handler = pluginEndpoint(
  { name: 'insights', role: ['admin', 'supervisor'], purpose: 'the AI insights' },
  insightsAnswer,
);
