import React from 'react';
import type * as Flex from '@twilio/flex-ui';
import { ProductInsightsIcon } from '@twilio-paste/icons/esm/ProductInsightsIcon';

import { createInsightsClient, type InsightsClient } from '../api/insightsClient';
import { FunctionsUrlMissing } from '../components/FunctionsUrlMissing';
import { InsightsView } from '../components/InsightsView';
import { ADMIN_ROLE, functionsBaseUrl, INSIGHTS_VIEW_NAME, SUPERVISOR_ROLE } from '../config';
import { strings } from '../strings';
import { addSideNavView, useFlexToken } from './sideNavView';
import type { FeatureSetup } from './types';

/** Supervisors and admins see how the AI does; the Function refuses anyone else too. */
export const canSeeInsights = (manager: Flex.Manager): boolean =>
  manager.user?.roles?.some((role) => role === ADMIN_ROLE || role === SUPERVISOR_ROLE) === true;

export function FlexInsightsPage({ client, manager }: { client?: InsightsClient; manager: Flex.Manager }): JSX.Element {
  const token = useFlexToken(manager);
  return client ? <InsightsView client={client} token={token} /> : <FunctionsUrlMissing />;
}

export interface InsightsViewOptions {
  /** Absent when the Functions URL is not configured: the view then says what to set. */
  client?: InsightsClient;
}

/** The "AI insights" side-nav entry and view, for supervisors and admins; nothing for agents. */
export function createInsightsViewSetup({ client }: InsightsViewOptions): FeatureSetup {
  return (flex, manager) => {
    if (!canSeeInsights(manager)) return;
    addSideNavView(flex, {
      name: INSIGHTS_VIEW_NAME,
      label: strings.insightsNavLabel,
      icon: <ProductInsightsIcon decorative />,
      view: <FlexInsightsPage client={client} manager={manager} />,
    });
  };
}

const baseUrl = functionsBaseUrl();
export const setupInsightsView: FeatureSetup = createInsightsViewSetup({ client: baseUrl ? createInsightsClient({ baseUrl }) : undefined });
