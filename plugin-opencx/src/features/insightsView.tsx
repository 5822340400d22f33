import React from 'react';
import type * as Flex from '@twilio/flex-ui';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';
import { ProductInsightsIcon } from '@twilio-paste/icons/esm/ProductInsightsIcon';

import { createInsightsClient, type InsightsClient } from '../api/insightsClient';
import { FunctionsEndpointNotice } from '../components/FunctionsEndpointNotice';
import { InsightsView } from '../components/InsightsView';
import {
  ADMIN_ROLE,
  type FunctionsClientOptions,
  functionsClient,
  type FunctionsEndpoint,
  INSIGHTS_VIEW_NAME,
  SUPERVISOR_ROLE,
} from '../config';
import { strings } from '../strings';
import { isAdmin } from './settingsView';
import { addSideNavView, useFlexToken, useReturnsTo } from './sideNavView';
import type { FeatureSetup } from './types';

/** Supervisors and admins see how the AI does; the Function refuses anyone else too. */
export const canSeeInsights = (manager: Flex.Manager): boolean =>
  manager.user?.roles?.some((role) => role === ADMIN_ROLE || role === SUPERVISOR_ROLE) === true;

export function FlexInsightsPage({
  endpoint,
  client,
  manager,
  flex,
}: {
  endpoint: FunctionsEndpoint;
  client?: InsightsClient;
  manager: Flex.Manager;
  flex: typeof Flex;
}): JSX.Element {
  const token = useFlexToken(manager);
  // Kept mounted between visits: read again on each return, or "Live now" would be the first visit's.
  const returns = useReturnsTo(flex, INSIGHTS_VIEW_NAME);
  return client ? (
    <InsightsView client={client} token={token} visit={returns} />
  ) : (
    <Box padding="space80">
      {/* Only an admin can set where the Functions are: a supervisor is told whom to ask. */}
      {isAdmin(manager) ? (
        <FunctionsEndpointNotice endpoint={endpoint} />
      ) : (
        <Alert variant="error">
          <Text as="span">{strings.insightsFunctionsUrlMissing}</Text>
        </Alert>
      )}
    </Box>
  );
}

export type InsightsViewOptions = FunctionsClientOptions<InsightsClient>;

/** The "AI insights" side-nav entry and view, for supervisors and admins; nothing for agents. */
export function createInsightsViewSetup(options: InsightsViewOptions): FeatureSetup {
  return (flex, manager) => {
    if (!canSeeInsights(manager)) return;
    const { endpoint, client } = functionsClient(manager.configuration, options, createInsightsClient);
    addSideNavView(flex, {
      name: INSIGHTS_VIEW_NAME,
      label: strings.insightsNavLabel,
      icon: <ProductInsightsIcon decorative />,
      view: <FlexInsightsPage endpoint={endpoint} client={client} manager={manager} flex={flex} />,
    });
  };
}

export const setupInsightsView: FeatureSetup = createInsightsViewSetup({});
