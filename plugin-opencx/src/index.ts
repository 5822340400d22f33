import * as FlexPlugin from '@twilio/flex-plugin';

import OpencxPlugin from './OpencxPlugin';

FlexPlugin.loadPlugin(OpencxPlugin);
