// The plugin is its own package with its own lockfile: install it on first use.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const plugin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'plugin-opencx');
if (!existsSync(path.join(plugin, 'node_modules', '.package-lock.json'))) {
  console.log('Installing plugin-opencx dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: plugin, stdio: 'inherit' });
}
