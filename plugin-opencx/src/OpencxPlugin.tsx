import type * as Flex from '@twilio/flex-ui';
import { FlexPlugin } from '@twilio/flex-plugin';

import { features, type FeatureSetup } from './features';

const PLUGIN_NAME = 'OpencxPlugin';

export default class OpencxPlugin extends FlexPlugin {
  private readonly featureSetups: readonly FeatureSetup[];

  constructor(featureSetups: readonly FeatureSetup[] = features) {
    super(PLUGIN_NAME);
    this.featureSetups = featureSetups;
  }

  /** Called once by Flex when the plugin loads. */
  init(flex: typeof Flex, manager: Flex.Manager): void {
    for (const setup of this.featureSetups) {
      setup(flex, manager);
    }
  }
}
