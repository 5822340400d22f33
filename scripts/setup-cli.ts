// The setup doctor, Apply, Undo and Uninstall from a terminal or a CI pipeline, with the same
// operations the admin Functions run, signed in with an API key instead of a Flex token.
// `npm run setup -- <command> [options]`; `--help` lists them.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Context } from '@twilio-labs/serverless-runtime-types/types';
import { AdminError } from '../functions/admin-lib/admin-error';
import type { AdminEnv, PluginCall, PluginEvent } from '../functions/admin-lib/plugin-endpoint';
import { applySetup, checkSetup, undoSetup, uninstallSetup } from '../functions/admin-lib/setup/operations';
import { Deadline } from '../functions/common/retry';
import {
  createTwilioApis,
  DeadlineExceededError,
  mayHaveBeenProcessed,
  twilioErrorCode,
  twilioStatus,
} from '../functions/common/twilio';
import { isNetworkError } from '../functions/common/twilio/base';
import { createTwilioClient } from '../functions/common/twilio/client';
import {
  type CliOptions,
  cliSettings,
  credentialsInDotenv,
  type CliSettings,
  type Command,
  parseArguments,
  UsageError,
  USAGE,
} from './setup-cli/options';
import { EXIT_ERROR, EXIT_TRY_AGAIN, exitStatus, formatReport, type SetupAnswer } from './setup-cli/report';

type Operation = (call: PluginCall<AdminEnv>) => Promise<Record<string, unknown>>;

/** The admin Functions' own operations (functions/admin/setup-*.ts wrap the same ones). */
const OPERATIONS: Record<Command, Operation> = {
  check: checkSetup,
  apply: applySetup,
  undo: undoSetup,
  uninstall: uninstallSetup,
};

/** An operation may wait on Twilio's retries and OpenCX; a terminal has no 10 s limit. */
const CLI_BUDGET_MS = 120_000;

/** The form fields the Functions would get from the settings view. */
function formOf(options: CliOptions): PluginEvent {
  const fields: Record<string, string | undefined> = {
    workflowSid: options.workflowSid,
    humanQueueSid: options.humanQueueSid,
    replaceCallbackUrl: options.replaceCallbackUrl ? 'true' : undefined,
    keepSyncData: options.keepSyncData ? 'true' : undefined,
    confirm: options.command === 'uninstall' && options.yes ? 'uninstall' : undefined,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** What a Function gets from the runtime and the plugin endpoint wrapper, built from the CLI's settings. */
function pluginCall(options: CliOptions, settings: CliSettings): PluginCall<AdminEnv> {
  const deadline = new Deadline(CLI_BUDGET_MS);
  const client = createTwilioClient(settings.env, deadline, settings.apiKey);
  // The runtime's Context type mixes a method into the string-valued environment: only a cast builds one.
  const context = {
    ...settings.env,
    PATH: `/admin/setup-${options.command}`,
    SERVICE_SID: undefined,
    ENVIRONMENT_SID: undefined,
    getTwilioClient: () => client,
  } as unknown as Context<AdminEnv>;
  const caller = { identity: `cli:${settings.apiKey?.sid ?? settings.env.ACCOUNT_SID}`, roles: ['admin'] };
  return {
    context,
    event: formOf(options),
    caller,
    twilio: createTwilioApis(settings.env, deadline, client),
    deadline,
    twilioWithin: (budgetMs) => {
      const own = new Deadline(budgetMs);
      return createTwilioApis(settings.env, own, createTwilioClient(settings.env, own, settings.apiKey));
    },
    trace: {},
  };
}

/** The option the admin typed for a form field an operation refused. */
const OPTION_OF_FIELD: Record<string, string> = {
  workflowSid: '--workflow',
  humanQueueSid: '--human-queue',
  confirm: '--yes',
  keepSyncData: '--keep-sync-data',
};

/** Why an operation could not run, in one sentence, with the Functions' error code or the CLI's own; never a secret. */
function failureOf(error: unknown, settings: CliSettings): { code: string; message: string; field?: string } {
  if (error instanceof AdminError) {
    const { code, field } = error;
    if (field && OPTION_OF_FIELD[field])
      return { code, field, message: `${error.message} (${OPTION_OF_FIELD[field]})` };
    // A Function keeps a server-side failure's detail for its log (never a secret); here the admin is the log's reader.
    return {
      code,
      ...(field ? { field } : {}),
      message: error.status >= 500 && error.detail ? `${error.message}: ${error.detail}` : error.message,
    };
  }
  const status = twilioStatus(error);
  const code = `code ${twilioErrorCode(error) ?? 'none'}`;
  if (status === 401 || status === 403) {
    const who = settings.apiKey ? `the API key ${settings.apiKey.sid}` : 'the auth token';
    return {
      code: 'twilio_credentials_refused',
      message:
        `Twilio refused ${who} for account ${settings.env.ACCOUNT_SID} (${status}, ${code}): ` +
        'check TWILIO_ACCOUNT_SID and the credentials',
    };
  }
  if (status !== undefined)
    return { code: 'twilio_error', message: `Twilio answered ${status} (${code}): ${(error as Error).message}` };
  if (isNetworkError(error))
    return { code: 'unreachable', message: `Could not reach Twilio: ${(error as Error).message}` };
  return { code: 'failed', message: `Unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}

function readDotenv(): Record<string, string | undefined> {
  return existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
}

async function main(args: readonly string[]): Promise<number> {
  let options: CliOptions | 'help';
  let settings: CliSettings;
  try {
    options = parseArguments(args);
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (options.command === 'uninstall' && !options.yes) {
      throw new UsageError(
        'uninstall removes what the integration added to this account (its workflow filters, ' +
          'webhook registrations, timer workspace and AI workers, and its Sync data unless --keep-sync-data). ' +
          'Run it again with --yes to confirm.',
      );
    }
    const dotenv = readDotenv();
    settings = cliSettings(options, dotenv, process.env);
    const uploadable = credentialsInDotenv(dotenv);
    if (uploadable.length > 0)
      process.stderr.write(
        `Warning: .env holds ${uploadable.join(', ')}, which twilio serverless:deploy would upload to the ` +
          "Functions: keep them in the shell's environment instead.\n",
      );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun with --help for the commands and options.\n`);
    return EXIT_ERROR;
  }
  try {
    const answer = await OPERATIONS[options.command](pluginCall(options, settings));
    process.stdout.write(
      options.json ? `${JSON.stringify(answer, null, 2)}\n` : formatReport(options.command, answer as SetupAnswer),
    );
    return exitStatus(options.command, answer as SetupAnswer);
  } catch (error) {
    const failure = failureOf(error, settings);
    if (options.json) process.stdout.write(`${JSON.stringify({ error: failure }, null, 2)}\n`);
    process.stderr.write(`${options.command} failed: ${failure.message}\n`);
    return tryAgainLater(error) ? EXIT_TRY_AGAIN : EXIT_ERROR;
  }
}

/** Worth running again in a moment: another setup change holds the lock, or Twilio failed for a while. */
function tryAgainLater(error: unknown): boolean {
  if (error instanceof AdminError) return error.code === 'setup_busy';
  return error instanceof DeadlineExceededError || twilioStatus(error) === 429 || mayHaveBeenProcessed(error);
}

void main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_ERROR;
  },
);
