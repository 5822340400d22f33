// A stand-in for the `flex` namespace and the Manager: records every `.Content.add` and
// `.Content.addWrapper` call. Where content lands in Flex is tested with Flex's own placement code
// (features/__tests__/placement.test.tsx), not here.
import { EventEmitter } from 'node:events';
import React from 'react';
import type * as Flex from '@twilio/flex-ui';

export interface ContentWrapperCall {
  store: string;
  wrapper: (component: React.ComponentType<any>) => React.ComponentType<any>;
}

export interface ContentAddCall {
  store: string;
  element: React.ReactElement;
  options?: { sortOrder?: number; if?: (props: any) => boolean; align?: string };
}

const STORES = [
  'TaskCanvas',
  'IncomingTaskCanvas',
  'TaskListItem',
  'MessageBubble',
  'SideNav',
  'ViewCollection',
] as const;

export function fakeFlex() {
  const calls: ContentAddCall[] = [];
  const wrappers: ContentWrapperCall[] = [];
  // Actions the plugin registers run when invoked, as in Flex; Flex's own resolve to nothing.
  const registered = new Map<string, (payload: unknown) => Promise<unknown>>();
  const registerAction = jest.fn((name: string, action: (payload: unknown) => Promise<unknown>) => {
    registered.set(name, action);
  });
  const invokeAction = jest.fn(async (name: string, payload?: unknown) => registered.get(name)?.(payload));
  const setProviders = jest.fn();
  const namespace: Record<string, unknown> = {
    Actions: { invokeAction, registerAction, addListener: jest.fn(), removeListener: jest.fn() },
    setProviders,
    SideLink: ({
      children,
      onClick,
      isActive,
    }: {
      children: React.ReactNode;
      onClick?: () => void;
      isActive?: boolean;
    }) => (
      <button type="button" aria-current={isActive ? 'page' : undefined} onClick={onClick}>
        {children}
      </button>
    ),
    View: ({ name, children }: { name: string; children: React.ReactNode }) => <div data-view={name}>{children}</div>,
  };
  for (const store of STORES) {
    namespace[store] = {
      Content: {
        add: (element: React.ReactElement, options?: ContentAddCall['options']) => {
          calls.push({ store, element, options });
          return () => undefined;
        },
        addWrapper: (wrapper: ContentWrapperCall['wrapper']) => {
          wrappers.push({ store, wrapper });
        },
      },
    };
  }
  return {
    flex: namespace as unknown as typeof Flex,
    calls,
    wrappers,
    invokeAction,
    setProviders,
    /** The calls made on one content store. */
    added: (store: (typeof STORES)[number]) => calls.filter((call) => call.store === store),
  };
}

export const WORKSPACE_SID = 'WS' + 'a'.repeat(32);
export const FLEX_SERVICE_SID = 'IS' + 'b'.repeat(32);

export const FUNCTIONS_DOMAIN = 'opencx-1234-prod.twil.io';

export function fakeManager(roles: string[] | undefined, token = 'flex-token-1', configuration?: object) {
  const events = new EventEmitter();
  const user = { identity: 'someone', roles, token };
  const manager = {
    user,
    events,
    configuration: configuration ?? { custom_data: { opencx_functions_domain: FUNCTIONS_DOMAIN } },
    serviceConfiguration: {
      taskrouter_workspace_sid: WORKSPACE_SID,
      chat_service_instance_sid: FLEX_SERVICE_SID,
      flex_service_instance_sid: 'IS' + 'f'.repeat(32),
    },
  };
  return {
    manager: manager as unknown as Flex.Manager,
    /** What Flex does when it renews the token. */
    renewToken(next: string) {
      user.token = next;
      events.emit('tokenUpdated', { token: next });
    },
  };
}
