// Which environment variables the Functions read, found with the TypeScript checker rather than a
// text search: a read is a property access (`context.SYNC_SERVICE_SID`) or an element access with
// a literal key (`env[name]`, name: 'OPENCX_API_URL' | …) on an interface member named in capitals,
// which is how the environment is typed (the runtime's Context and our *Env interfaces). Constants
// (`CORS_HEADERS`), enum members and object literals are declared differently and do not count.
import path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const FUNCTIONS = path.join(REPO_ROOT, 'functions');
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

const isFunctionsSource = (file: string): boolean =>
  file.startsWith(FUNCTIONS + path.sep) && !/\.(test|testing|d)\.ts$/.test(file);

function isEnvMember(symbol: ts.Symbol | undefined): boolean {
  const declarations = symbol?.declarations ?? [];
  return declarations.length > 0 && declarations.every(ts.isPropertySignature);
}

/** The names of the environment variables read by the Functions' sources (tests and fixtures excluded). */
export function environmentVariablesRead(): Map<string, string[]> {
  const configFile = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, REPO_ROOT);
  const sources = parsed.fileNames.filter((file) => isFunctionsSource(path.resolve(file)));
  const program = ts.createProgram(sources, parsed.options);
  const checker = program.getTypeChecker();
  const reads = new Map<string, string[]>();
  const note = (name: string, node: ts.Node): void => {
    const where = path.relative(REPO_ROOT, node.getSourceFile().fileName);
    reads.set(name, [...(reads.get(name) ?? []), where]);
  };

  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAccessExpression(node) &&
      ENV_NAME.test(node.name.text) &&
      isEnvMember(checker.getSymbolAtLocation(node.name))
    ) {
      note(node.name.text, node);
    } else if (ts.isElementAccessExpression(node)) {
      const key = checker.getTypeAtLocation(node.argumentExpression);
      const names = (key.isUnion() ? key.types : [key])
        .filter((t) => t.isStringLiteral())
        .map((t) => (t as ts.StringLiteralType).value);
      const objectType = checker.getTypeAtLocation(node.expression);
      for (const name of names) {
        if (ENV_NAME.test(name) && isEnvMember(objectType.getProperty(name))) note(name, node);
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) {
    if (isFunctionsSource(path.resolve(file.fileName))) visit(file);
  }
  return reads;
}
