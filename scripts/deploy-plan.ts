// What `twilio serverless:deploy` would upload, worked out by the serverless toolkit's own code with
// no Twilio account: twilio-run's deploy configuration (.twilioserverlessrc, .env, package.json)
// and the file listing @twilio-labs/serverless-api's deployLocalProject uploads. The release
// pipeline prints it before deploying; a test checks it against functions/ and assets/.
//
//   npm run deploy:plan [-- --env FILE] [--json]     (run `npm run build` first)
import path from 'node:path';
import { fsHelpers } from '@twilio-labs/serverless-api';
import { getConfigFromFlags, type DeployCliFlags } from 'twilio-run/dist/config/deploy';
import { SETUP_CLI_CREDENTIALS } from './setup-cli/options';

export type Access = 'public' | 'protected' | 'private';

export interface PlannedResource {
  /** The URL path on the Functions domain, e.g. `/admin/settings-load`. */
  path: string;
  access: Access;
}

export interface DeployPlan {
  serviceName: string;
  functionsFolder: string;
  assetsFolder: string;
  functions: PlannedResource[];
  assets: PlannedResource[];
  /** The variables the deploy would set on the environment (names only: values can be secret). */
  environmentVariables: string[];
  /** Of those, the setup command line's Twilio credentials: the Functions must not hold them. */
  credentials: string[];
}

const ROOT = path.resolve(__dirname, '..');

const byPath = (a: PlannedResource, b: PlannedResource): number => a.path.localeCompare(b.path);

/** The plan for deploying `cwd` with the variables of `envFile` (default `.env`, as the CLI does). */
export async function deployPlan(cwd: string = ROOT, envFile?: string): Promise<DeployPlan> {
  // The flags the CLI passes by default; `env` only when a file other than .env is meant.
  const flags = {
    cwd,
    functions: true,
    assets: true,
    loadSystemEnv: false,
    ...(envFile ? { env: envFile } : {}),
  } as unknown as DeployCliFlags;
  const config = await getConfigFromFlags(flags);
  const functionsFolder = config.functionsFolderName ?? 'functions';
  const assetsFolder = config.assetsFolderName ?? 'assets';
  // Exactly the search deployLocalProject makes.
  const listing = await fsHelpers.getListOfFunctionsAndAssets(config.cwd, {
    functionsFolderNames: [functionsFolder],
    assetsFolderNames: [assetsFolder],
  });
  const resources = (list: { path: string; access: Access }[]): PlannedResource[] =>
    list.map(({ path, access }) => ({ path, access })).sort(byPath);
  return {
    serviceName: config.serviceName ?? '',
    functionsFolder,
    assetsFolder,
    functions: resources(listing.functions),
    assets: resources(listing.assets),
    environmentVariables: Object.keys(config.env ?? {}).sort(),
    credentials: Object.keys(config.env ?? {})
      .filter((name) => SETUP_CLI_CREDENTIALS.includes(name))
      .sort(),
  };
}

function printPlan(plan: DeployPlan): void {
  console.log(`twilio serverless:deploy would upload service "${plan.serviceName}":`);
  console.log(`Functions (from ${plan.functionsFolder}/):`);
  for (const fn of plan.functions) console.log(`  ${fn.access.padEnd(9)} ${fn.path}`);
  console.log(`Assets (from ${plan.assetsFolder}/):`);
  for (const asset of plan.assets) console.log(`  ${asset.access.padEnd(9)} ${asset.path}`);
  console.log(`Environment variables: ${plan.environmentVariables.join(', ') || '(none)'}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const envAt = args.indexOf('--env');
  deployPlan(ROOT, envAt >= 0 ? args[envAt + 1] : undefined)
    .then((plan) => {
      if (plan.functions.length === 0)
        throw new Error(`no Functions in ${plan.functionsFolder}/: run npm run build first`);
      if (args.includes('--json')) console.log(JSON.stringify(plan, null, 2));
      else printPlan(plan);
      if (plan.credentials.length > 0)
        throw new Error(
          `.env holds ${plan.credentials.join(', ')}, which the deploy would upload to the Functions: ` +
            "move them to the shell's environment for npm run setup, and out of .env",
        );
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
