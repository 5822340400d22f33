/**
 * What the production bundle replaces, for webpack.config.js and for the browser test's esbuild
 * build, so the page the browser test drives runs the same stand-ins as Flex will. Each entry: the
 * import it matches, and the module (a package path) or stand-in file (absolute) that replaces it.
 * Why each one is safe: webpack.config.js.
 */
const path = require('path');

const stub = (name) => path.resolve(__dirname, 'paste', name);

module.exports = [
  {
    request: /^@twilio-paste\/design-tokens\/dist\/themes\/(evergreen|sendgrid|twilio|twilio-dark)\/tokens\.es6$/,
    replacement: '@twilio-paste/design-tokens/dist/tokens.es6',
  },
  { request: /^@twilio-paste\/design-tokens\/dist\/tokens\.raw\.json$/, replacement: stub('tokens.raw.json') },
  { request: /^@twilio-paste\/color-contrast-utils$/, replacement: stub('color-contrast-utils.js') },
  { request: /^@twilio-paste\/react-textarea-autosize-library$/, replacement: stub('textarea-autosize.js') },
  { request: /^@twilio-paste\/animation-library$/, replacement: stub('animation-library.js') },
];
