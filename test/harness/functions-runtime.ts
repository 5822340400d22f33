// Starts the Functions in the real local Twilio runtime (twilio-run) on a free loopback port,
// with the environment given, and captures its output so tests can assert on log lines.
// twilio-run forks a process per invocation; a preload records which simulator webhook delivery
// each one serves, so a Function can be stopped when Twilio gives up on its delivery.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DELIVERY_HEADER } from '../simulators/twilio/simulator';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface FunctionsRuntime {
  url: string;
  port: number;
  /** Everything the runtime and the Functions printed so far. */
  output(): string;
  /** Log lines printed since the last call (for per-step assertions). */
  takeOutput(): string;
  /**
   * Stops the Function invocation serving simulator delivery `deliverySeq`; resolves true once a
   * running one is gone, false when it had not started (it then ends as it starts) or had already ended.
   */
  stopInvocation(deliverySeq: number): Promise<boolean>;
  stop(): Promise<void>;
}

const INVOCATION_PRELOAD = path.join(__dirname, 'function-invocation.cjs');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `fork` (twilio-run's default) runs every invocation in a new process, as a cold container;
 * `warm` runs them all in one long-lived process that keeps its modules loaded
 * (`--no-fork-process --no-live`), closer to a busy production container. In `warm` mode a single
 * invocation cannot be stopped.
 */
export type RuntimeMode = 'fork' | 'warm';

/**
 * `functionsDir`: another build of the Functions (a benchmark's copy with extra Functions); inside
 * the project, so its Functions find `twilio` in the project's node_modules. Default dist/functions.
 */
export async function startFunctionsRuntime(
  env: Record<string, string>,
  mode: RuntimeMode = 'fork',
  functionsDir = path.join(PROJECT_ROOT, 'dist', 'functions'),
): Promise<FunctionsRuntime> {
  if (!fs.existsSync(functionsDir)) throw new Error('dist/functions is missing: run `npm run build` first');
  const port = await freePort();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencx-fn-'));
  const envFile = path.join(runDir, '.env');
  const invocationsDir = path.join(runDir, 'invocations');
  fs.mkdirSync(invocationsDir);
  // twilio-run replaces its process.env with the .env file's variables, and its function processes
  // inherit that: the preload's settings travel there (the Functions' context sees them too).
  const runtimeEnv = {
    ...env,
    // Unquoted: dotenv would cut a quoted value short. A checkout path with spaces is not supported.
    NODE_OPTIONS: `--require ${INVOCATION_PRELOAD}`,
    SIMULATOR_INVOCATIONS_DIR: invocationsDir,
    SIMULATOR_DELIVERY_HEADER: DELIVERY_HEADER,
  };
  fs.writeFileSync(
    envFile,
    Object.entries(runtimeEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const bin = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'twilio-run');
  const child: ChildProcess = spawn(
    bin,
    [
      'start',
      '--port',
      String(port),
      '--env',
      envFile,
      '--functions-folder',
      path.relative(PROJECT_ROOT, functionsDir),
      '--assets-folder',
      'dist/assets',
      ...(mode === 'warm' ? ['--no-fork-process', '--no-live'] : []),
    ],
    // Its own process group, so stopping it also ends the function runners it forks.
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  let taken = 0;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://localhost:${port}`;
  await waitUntilListening(port, child, () => output);
  return {
    url,
    port,
    output: () => output,
    takeOutput: () => {
      const fresh = output.slice(taken);
      taken = output.length;
      return fresh;
    },
    stopInvocation: async (deliverySeq) => {
      if (mode === 'warm')
        throw new Error('a warm runtime runs every invocation in one process: none can be stopped alone');
      // The stop mark first, then the pid: the preload writes the pid first, then reads the mark.
      fs.writeFileSync(path.join(invocationsDir, `${deliverySeq}.stop`), '');
      const pidFile = path.join(invocationsDir, `${deliverySeq}.pid`);
      if (!fs.existsSync(pidFile)) return false;
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      // An invocation that answered is ended by twilio-run: nothing was stopped.
      if (!running(pid) || !signal(pid, 'SIGKILL')) return false;
      await waitUntilGone(pid);
      return true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const signalGroup = (signal: NodeJS.Signals): void => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // The group is already gone.
          }
        };
        child.once('exit', () => {
          signalGroup('SIGKILL');
          resolve();
        });
        signalGroup('SIGTERM');
        setTimeout(() => signalGroup('SIGKILL'), 3000).unref();
      }),
  };
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** The process exists and has not exited (a zombie, not yet reaped, has). */
function running(pid: number): boolean {
  if (!signal(pid, 0)) return false;
  try {
    // The state follows the command name, which is in parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function waitUntilGone(pid: number): Promise<void> {
  const deadline = Date.now() + 10000;
  while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function waitUntilListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`twilio-run did not start within 30 s:\n${output()}`);
}
