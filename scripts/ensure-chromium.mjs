// The plugin's browser test drives Debian's chromium. On a fresh Debian machine (as root)
// install it; elsewhere say how.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(
      `The browser test needs chromium at ${CHROMIUM}. On Debian: ` +
        'sudo apt-get install -y chromium (or set CHROMIUM_PATH).',
    );
    process.exit(1);
  }
  console.log('Installing Debian chromium for the browser test...');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
    stdio: 'inherit',
  });
}
