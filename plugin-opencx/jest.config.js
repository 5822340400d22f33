/**
 * Plain jest (not `flex-plugin test`, which passes jest an option it no longer accepts),
 * on the Flex plugin preset: babel-preset-react-app transform, src/ roots, CSS stubs.
 */
const pkg = require('./package.json');

module.exports = {
  preset: '@twilio/flex-plugin-test',
  testEnvironment: 'jsdom',
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
  // Role queries over the settings view's Paste form take seconds of CPU each on a busy 2-core
  // machine; a test waits for outcomes, never for a fixed time, so the limit only stops a hang.
  testTimeout: 60000,
  // The bundle imports Paste icons from their ES module build (tree-shaken per icon); jest 27
  // runs CommonJS, so tests load the identical CommonJS build.
  moduleNameMapper: {
    '^src/(.*)$': '<rootDir>/src/$1',
    '^@twilio-paste/icons/esm/(.*)$': '@twilio-paste/icons/cjs/$1',
  },
  // Build-time constants that flex-plugin-webpack injects with DefinePlugin; FlexPlugin's
  // constructor reads them.
  globals: {
    __FPB_PLUGIN_UNIQUE_NAME: pkg.name,
    __FPB_PLUGIN_VERSION: pkg.version,
    __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: 'test',
    __FPB_FLEX_PLUGIN_VERSION: 'test',
    __FPB_FLEX_UI_VERSION: 'test',
    __FPB_REACT_VERSION: 'test',
    __FPB_REACT_DOM_VERSION: 'test',
  },
};
