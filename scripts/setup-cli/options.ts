// What the setup command line was asked to do, and with which credentials: read from its
// arguments and environment (the `.env` file under the process environment), before any request.
import type { AdminEnv } from '../../functions/admin-lib/plugin-endpoint';
import type { TwilioApiKey } from '../../functions/common/twilio';

export const COMMANDS = ['check', 'apply', 'undo', 'uninstall'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  command: Command;
  json: boolean;
  domain?: string;
  workflowSid?: string;
  humanQueueSid?: string;
  replaceCallbackUrl: boolean;
  keepSyncData: boolean;
  yes: boolean;
}

/** A mistake in how the command was called: told with the usage, exit status 2, nothing sent. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run setup -- <command> [options]

Commands:
  check       what is missing or wrong in the setup (reads only)
  apply       fixes what it can of what the check found; every change is backed up first
  undo        puts back what the last apply changed
  uninstall   removes what the integration added (asks for --yes)

Options:
  --json                   print the answer as JSON on stdout (for pipelines)
  --domain <domain>        the Functions' domain, e.g. opencx-1234-dev.twil.io (default: DOMAIN_NAME)
  --workflow <WW…>         the workflow that routes Flex's messaging tasks (check, apply)
  --human-queue <WQ…>      the human agents' queue, for a missing handedOff filter (apply)
  --replace-callback-url   let apply replace a webhook URL that points elsewhere
  --keep-sync-data         uninstall keeps the settings and conversation state in Sync
  --yes                    confirms uninstall
  --help                   this text

Credentials, from the environment or a .env file in the current directory:
  TWILIO_ACCOUNT_SID with TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_AUTH_TOKEN),
  SYNC_SERVICE_SID, and DOMAIN_NAME unless --domain is given.

Exit status: 0 all OK, 1 a problem found or a step failed, 2 bad usage or an error,
  3 try again in a moment (another setup change holds the lock, Twilio failed or was unreachable).`;

const VALUE_OPTIONS = { '--domain': 'domain', '--workflow': 'workflowSid', '--human-queue': 'humanQueueSid' } as const;
const FLAG_OPTIONS = {
  '--json': 'json',
  '--replace-callback-url': 'replaceCallbackUrl',
  '--keep-sync-data': 'keepSyncData',
  '--yes': 'yes',
} as const;

/** The parsed arguments, or 'help'; throws UsageError. */
export function parseArguments(args: readonly string[]): CliOptions | 'help' {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const options: Omit<CliOptions, 'command'> = {
    json: false,
    replaceCallbackUrl: false,
    keepSyncData: false,
    yes: false,
  };
  const commands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] =
      args[i].startsWith('--') && args[i].includes('=')
        ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)]
        : [args[i], undefined];
    if (name in VALUE_OPTIONS) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
      options[VALUE_OPTIONS[name as keyof typeof VALUE_OPTIONS]] = value;
    } else if (name in FLAG_OPTIONS && inline === undefined) {
      options[FLAG_OPTIONS[name as keyof typeof FLAG_OPTIONS]] = true;
    } else if (name.startsWith('-')) {
      throw new UsageError(`Unknown option ${name}`);
    } else {
      commands.push(name);
    }
  }
  if (commands.length !== 1)
    throw new UsageError(commands.length === 0 ? 'Name a command' : `One command at a time, not ${commands.join(' ')}`);
  const [command] = commands;
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`Unknown command ${command}`);
  return { command: command as Command, ...options };
}

/** The environment the Functions would run with here, and who signs in to Twilio. */
export interface CliSettings {
  env: AdminEnv & { DOMAIN_NAME: string };
  /** Absent: the account's auth token signs the requests. */
  apiKey?: TwilioApiKey;
}

type Variables = Record<string, string | undefined>;

/** What the command line may read from .env that no Function needs; `twilio serverless:deploy` would upload them. */
export const SETUP_CLI_CREDENTIALS: readonly string[] = ['TWILIO_API_SECRET', 'TWILIO_AUTH_TOKEN'];

/** The command line's credentials set in .env, for a warning: the next deploy would give them to the Functions. */
export function credentialsInDotenv(dotenv: Variables): string[] {
  return SETUP_CLI_CREDENTIALS.filter((name) => !!dotenv[name]?.trim());
}

/**
 * The Functions' environment for the CLI: the `.env` file's variables under the process environment,
 * the account from `TWILIO_ACCOUNT_SID` (or the Functions' `ACCOUNT_SID`), signed in with the API key,
 * else the auth token. Throws UsageError naming what is missing; never a secret's value.
 */
export function cliSettings(
  options: Pick<CliOptions, 'domain'>,
  dotenv: Variables,
  processEnv: Variables,
): CliSettings {
  const variables: Variables = { ...dotenv, ...processEnv };
  const value = (...names: string[]): string | undefined =>
    names.map((name) => variables[name]?.trim()).find((v) => !!v);
  const accountSid = value('TWILIO_ACCOUNT_SID', 'ACCOUNT_SID');
  const keySid = value('TWILIO_API_KEY');
  const keySecret = value('TWILIO_API_SECRET');
  const authToken = value('TWILIO_AUTH_TOKEN', 'AUTH_TOKEN');
  if (!accountSid) throw new UsageError('Set TWILIO_ACCOUNT_SID (AC…) in the environment or in .env');
  if (keySid && !keySecret) throw new UsageError('TWILIO_API_KEY is set without TWILIO_API_SECRET');
  if (!keySid && !authToken)
    throw new UsageError("Set TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_AUTH_TOKEN) in the shell's environment");
  const domain = domainName(options.domain ?? value('DOMAIN_NAME'));
  if (!domain) throw new UsageError('Name the Functions’ domain: --domain opencx-1234-dev.twil.io (or DOMAIN_NAME)');
  const env = { ...variables, ACCOUNT_SID: accountSid, AUTH_TOKEN: keySid ? '' : authToken!, DOMAIN_NAME: domain };
  return keySid ? { env, apiKey: { sid: keySid, secret: keySecret! } } : { env };
}

/** `https://opencx-1234-dev.twil.io/` as pasted from the Console is the domain `opencx-1234-dev.twil.io`. */
function domainName(domain: string | undefined): string | undefined {
  return (
    domain
      ?.trim()
      .replace(/^https?:\/\//i, '')
      .replace(/\/+$/, '') || undefined
  );
}
