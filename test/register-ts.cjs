// `node -r ./test/register-ts.cjs script.ts` runs TypeScript scripts without a separate build.
const fs = require('node:fs');
const { compileTypeScript } = require('./ts-compile.cjs');

require.extensions['.ts'] = (module, filename) => {
  module._compile(compileTypeScript(fs.readFileSync(filename, 'utf8'), filename), filename);
};
