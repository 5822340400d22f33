// Loaded into the processes twilio-run forks (NODE_OPTIONS in its .env). twilio-run forks one
// process per Function invocation; in such a process this records which simulator webhook
// delivery it serves (its pid in `<dir>/<delivery>`), so the harness can stop the Function when
// Twilio gives up on the delivery. A stop requested before the process got its request ends it at once.
// With SIMULATOR_DOMAIN_NAME set, the Function sees that domain as its DOMAIN_NAME, as a deployed
// one sees its twil.io domain (twilio-run derives DOMAIN_NAME from the URL it passes each invocation).
const fs = require('node:fs');
const path = require('node:path');

const domainName = process.env.SIMULATOR_DOMAIN_NAME;
if (domainName && process.send) {
  // Registered before twilio-run's runner, so the runner reads the changed URL.
  process.on('message', (message) => {
    if (message?.config) message.config.url = `https://${domainName}`;
  });
}

const dir = process.env.SIMULATOR_INVOCATIONS_DIR;
const header = process.env.SIMULATOR_DELIVERY_HEADER;
if (dir && header && process.send) {
  process.on('message', (message) => {
    const headers = message?.event?.request?.headers;
    const delivery = headers?.[header];
    if (!delivery) return;
    fs.writeFileSync(path.join(dir, `${delivery}.pid`), String(process.pid));
    if (fs.existsSync(path.join(dir, `${delivery}.stop`))) process.kill(process.pid, 'SIGKILL');
  });
}
