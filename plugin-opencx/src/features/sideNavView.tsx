// A Flex view of its own with its side-navigation entry, and the signed-in user's current token.
import React, { useEffect, useState } from 'react';
import type * as Flex from '@twilio/flex-ui';

export interface SideNavView {
  /** The `ViewCollection` name the side link navigates to. */
  name: string;
  label: string;
  icon: React.ReactElement;
  view: React.ReactElement;
}

/**
 * Flex's `ViewMountRule.WhenHasBeenActive` (the enum is not exported from the package's root):
 * kept mounted once opened, so a visit to another view loses neither what the admin typed nor the
 * answer of a save still running.
 */
const KEPT_ONCE_OPENED = 'WhenHasBeenActive' as React.ComponentProps<typeof Flex.View>['mountRule'];

export function addSideNavView(flex: typeof Flex, { name, label, icon, view }: SideNavView): void {
  function ViewSideLink(props: { activeView?: string; showLabel?: boolean }): JSX.Element {
    return (
      <flex.SideLink
        {...props}
        icon={icon}
        iconActive={icon}
        isActive={props.activeView === name}
        onClick={() => {
          // Another plugin's listener may cancel the navigation (Flex then rejects): nothing to report.
          flex.Actions.invokeAction('NavigateToView', { viewName: name }).catch(() => undefined);
        }}
      >
        {label}
      </flex.SideLink>
    );
  }

  flex.SideNav.Content.add(<ViewSideLink key={`${name}-link`} />);
  flex.ViewCollection.Content.add(
    <flex.View name={name} key={`${name}-view`} mountRule={KEPT_ONCE_OPENED}>
      {view}
    </flex.View>,
  );
}

/** The user's current Flex token: Flex renews it while a view stays open. */
export function useFlexToken(manager: Flex.Manager): string {
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

/**
 * How many times the user came back to the view since it mounted: a view kept mounted (above) shows
 * what it read when first opened until it reads again.
 */
export function useReturnsTo(flex: typeof Flex, name: string): number {
  const [returns, setReturns] = useState(0);
  useEffect(() => {
    const navigated = (payload: { viewName?: string }): void => {
      if (payload?.viewName === name) setReturns((count) => count + 1);
    };
    flex.Actions.addListener('afterNavigateToView', navigated);
    return () => {
      flex.Actions.removeListener('afterNavigateToView', navigated);
    };
  }, [flex, name]);
  return returns;
}
