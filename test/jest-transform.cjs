const { compileTypeScript } = require('./ts-compile.cjs');

module.exports = {
  process(source, filename) {
    return { code: compileTypeScript(source, filename) };
  },
};
