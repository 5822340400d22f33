import type * as Flex from '@twilio/flex-ui';

/** One self-contained piece of the plugin, wired into Flex when the plugin starts. */
export type FeatureSetup = (flex: typeof Flex, manager: Flex.Manager) => void;
