import React, { useEffect, useState } from 'react';
import type * as Flex from '@twilio/flex-ui';
import { Alert } from '@twilio-paste/core/alert';
import { Box } from '@twilio-paste/core/box';
import { Text } from '@twilio-paste/core/text';
import { ProductSettingsIcon } from '@twilio-paste/icons/esm/ProductSettingsIcon';

import { createSettingsClient, type SettingsClient } from '../api/settingsClient';
import { type FlexResources, SettingsView } from '../components/SettingsView';
import { ADMIN_ROLE, functionsBaseUrl, SETTINGS_VIEW_NAME } from '../config';
import { strings } from '../strings';
import type { FeatureSetup } from './types';

export const isAdmin = (manager: Flex.Manager): boolean => manager.user?.roles?.includes(ADMIN_ROLE) === true;

/** Flex Conversations runs on the Flex Chat Service, which Flex's configuration names in chat_service_instance_sid. */
function flexResources(manager: Flex.Manager): FlexResources {
  const config = manager.serviceConfiguration;
  return { workspaceSid: config?.taskrouter_workspace_sid ?? '', conversationsServiceSid: config?.chat_service_instance_sid ?? '' };
}

/** The admin's current Flex token: Flex renews it while the view stays open. */
function useFlexToken(manager: Flex.Manager): string {
  const [token, setToken] = useState(() => manager.user.token);
  useEffect(() => {
    const refresh = (): void => setToken(manager.user.token);
    manager.events.addListener('tokenUpdated', refresh);
    return () => {
      manager.events.removeListener('tokenUpdated', refresh);
    };
  }, [manager]);
  return token;
}

export function FlexSettingsPage({ client, manager }: { client?: SettingsClient; manager: Flex.Manager }): JSX.Element {
  const token = useFlexToken(manager);
  if (!client) {
    return (
      <Box padding="space80">
        <Alert variant="error">
          <Text as="span">{strings.settingsFunctionsUrlMissing}</Text>
        </Alert>
      </Box>
    );
  }
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
    const icon = <ProductSettingsIcon decorative />;

    function SettingsSideLink(props: { activeView?: string; showLabel?: boolean }): JSX.Element {
      return (
        <flex.SideLink
          {...props}
          icon={icon}
          iconActive={icon}
          isActive={props.activeView === SETTINGS_VIEW_NAME}
          onClick={() => {
            void flex.Actions.invokeAction('NavigateToView', { viewName: SETTINGS_VIEW_NAME });
          }}
        >
          {strings.settingsNavLabel}
        </flex.SideLink>
      );
    }

    flex.SideNav.Content.add(<SettingsSideLink key="opencx-settings-link" />);
    flex.ViewCollection.Content.add(
      <flex.View name={SETTINGS_VIEW_NAME} key="opencx-settings-view">
        <FlexSettingsPage client={client} manager={manager} />
      </flex.View>,
    );
  };
}

const baseUrl = functionsBaseUrl();
export const setupSettingsView: FeatureSetup = createSettingsViewSetup({ client: baseUrl ? createSettingsClient({ baseUrl }) : undefined });
