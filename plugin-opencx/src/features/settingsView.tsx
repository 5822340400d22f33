import React from 'react';
import type * as Flex from '@twilio/flex-ui';
import { Box } from '@twilio-paste/core/box';
import { ProductSettingsIcon } from '@twilio-paste/icons/esm/ProductSettingsIcon';

import { createSettingsClient, type SettingsClient } from '../api/settingsClient';
import { FunctionsEndpointNotice } from '../components/FunctionsEndpointNotice';
import { type FlexResources, SettingsView } from '../components/SettingsView';
import {
  ADMIN_ROLE,
  type FunctionsClientOptions,
  functionsClient,
  type FunctionsEndpoint,
  SETTINGS_VIEW_NAME,
} from '../config';
import { strings } from '../strings';
import { addSideNavView, useFlexToken, useReturnsTo } from './sideNavView';
import type { FeatureSetup } from './types';

export const isAdmin = (manager: Flex.Manager): boolean => manager.user?.roles?.includes(ADMIN_ROLE) === true;

/** Flex Conversations runs on the Flex Chat Service, which Flex's configuration names in chat_service_instance_sid. */
function flexResources(manager: Flex.Manager): FlexResources {
  const config = manager.serviceConfiguration;
  return {
    workspaceSid: config?.taskrouter_workspace_sid ?? '',
    conversationsServiceSid: config?.chat_service_instance_sid ?? '',
  };
}

export function FlexSettingsPage({
  endpoint,
  client,
  manager,
  flex,
}: {
  endpoint: FunctionsEndpoint;
  client?: SettingsClient;
  manager: Flex.Manager;
  flex: typeof Flex;
}): JSX.Element {
  const token = useFlexToken(manager);
  // Kept mounted between visits: read again on each return, or the badge and the checks would be the first visit's.
  const returns = useReturnsTo(flex, SETTINGS_VIEW_NAME);
  const notice = <FunctionsEndpointNotice endpoint={endpoint} />;
  if (!client) return <Box padding="space80">{notice}</Box>;
  return (
    <SettingsView
      client={client}
      token={token}
      flexResources={flexResources(manager)}
      notice={notice}
      visit={returns}
    />
  );
}

export type SettingsViewOptions = FunctionsClientOptions<SettingsClient>;

/** The OpenCX side-nav entry and settings view, for admins only; nothing for anyone else. */
export function createSettingsViewSetup(options: SettingsViewOptions): FeatureSetup {
  return (flex, manager) => {
    if (!isAdmin(manager)) return;
    // Flex has loaded the account's configuration before it starts plugins.
    const { endpoint, client } = functionsClient(manager.configuration, options, createSettingsClient);
    addSideNavView(flex, {
      name: SETTINGS_VIEW_NAME,
      label: strings.settingsNavLabel,
      icon: <ProductSettingsIcon decorative />,
      view: <FlexSettingsPage endpoint={endpoint} client={client} manager={manager} flex={flex} />,
    });
  };
}

export const setupSettingsView: FeatureSetup = createSettingsViewSetup({});
