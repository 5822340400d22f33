import React from 'react';
import type * as Flex from '@twilio/flex-ui';
import { ProductSettingsIcon } from '@twilio-paste/icons/esm/ProductSettingsIcon';

import { createSettingsClient, type SettingsClient } from '../api/settingsClient';
import { FunctionsUrlMissing } from '../components/FunctionsUrlMissing';
import { type FlexResources, SettingsView } from '../components/SettingsView';
import { ADMIN_ROLE, functionsBaseUrl, SETTINGS_VIEW_NAME } from '../config';
import { strings } from '../strings';
import { addSideNavView, useFlexToken } from './sideNavView';
import type { FeatureSetup } from './types';

export const isAdmin = (manager: Flex.Manager): boolean => manager.user?.roles?.includes(ADMIN_ROLE) === true;

/** Flex Conversations runs on the Flex Chat Service, which Flex's configuration names in chat_service_instance_sid. */
function flexResources(manager: Flex.Manager): FlexResources {
  const config = manager.serviceConfiguration;
  return { workspaceSid: config?.taskrouter_workspace_sid ?? '', conversationsServiceSid: config?.chat_service_instance_sid ?? '' };
}

export function FlexSettingsPage({ client, manager }: { client?: SettingsClient; manager: Flex.Manager }): JSX.Element {
  const token = useFlexToken(manager);
  if (!client) return <FunctionsUrlMissing />;
  return <SettingsView client={client} token={token} flexResources={flexResources(manager)} />;
}

export interface SettingsViewOptions {
  /** Absent when the Functions URL is not configured: the view then says what to set. */
  client?: SettingsClient;
}

/** The OpenCX side-nav entry and settings view, for admins only; nothing for anyone else. */
export function createSettingsViewSetup(options: SettingsViewOptions): FeatureSetup {
  return (flex, manager) => {
    if (!isAdmin(manager)) return;
    const { client } = options;
    addSideNavView(flex, {
      name: SETTINGS_VIEW_NAME,
      label: strings.settingsNavLabel,
      icon: <ProductSettingsIcon decorative />,
      view: <FlexSettingsPage client={client} manager={manager} />,
    });
  };
}

const baseUrl = functionsBaseUrl();
export const setupSettingsView: FeatureSetup = createSettingsViewSetup({ client: baseUrl ? createSettingsClient({ baseUrl }) : undefined });
