// One TypeScript → CommonJS transform shared by jest and by the scripts (sandbox, simulators).
// Type errors are caught by `tsc --noEmit` in the test command, not here.
const { transformSync } = require('esbuild');

function compileTypeScript(source, filename) {
  const result = transformSync(source, {
    loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: filename,
  });
  return result.code;
}

module.exports = { compileTypeScript };
