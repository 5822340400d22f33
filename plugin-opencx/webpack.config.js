/**
 * flex-plugin build passes its webpack config through this function. It trims five parts of
 * Paste 15 that the plugin bundles but never uses or can do without, about 53 KB of the gzipped bundle:
 * - @twilio-paste/theme builds every Paste theme when imported. Flex hands our
 *   CustomizationProvider the default or dark base only, so the other four token sets become
 *   the default set (same exports, already in the bundle).
 * - @twilio-paste/style-props reads the raw token dump only to list deprecated tokens for
 *   console warnings; color-contrast-utils reads it in a design-time hook we never call.
 * - @twilio-paste/color-contrast-utils serves only that hook (useThemeContrastCheck).
 * - @twilio-paste/react-textarea-autosize-library makes TextArea grow with its text (lodash
 *   included); the plugin's text areas are short enough for a fixed height.
 * - @twilio-paste/animation-library is react-spring (about 18 KB): Paste's theme providers use it to
 *   turn animations off for users who prefer reduced motion, and Button only to slide the arrow of a
 *   Button with an href, which the plugin never renders. The stand-in puts every spring at its
 *   target at once, as react-spring does for those users (src/__tests__/bundleStubs.test.tsx).
 * Jest does not use this file: tests run the real modules, except a test that loads a stand-in.
 */
const path = require('path');
const { NormalModuleReplacementPlugin } = require('webpack');

const stub = (name) => path.resolve(__dirname, 'stubs/paste', name);

module.exports = (config) => {
  config.plugins.push(
    new NormalModuleReplacementPlugin(
      /^@twilio-paste\/design-tokens\/dist\/themes\/(evergreen|sendgrid|twilio|twilio-dark)\/tokens\.es6$/,
      '@twilio-paste/design-tokens/dist/tokens.es6',
    ),
    new NormalModuleReplacementPlugin(/^@twilio-paste\/design-tokens\/dist\/tokens\.raw\.json$/, stub('tokens.raw.json')),
    new NormalModuleReplacementPlugin(/^@twilio-paste\/color-contrast-utils$/, stub('color-contrast-utils.js')),
    new NormalModuleReplacementPlugin(/^@twilio-paste\/react-textarea-autosize-library$/, stub('textarea-autosize.js')),
    new NormalModuleReplacementPlugin(/^@twilio-paste\/animation-library$/, stub('animation-library.js')),
  );
  return config;
};
