// Validates each simulator request against Twilio's own OpenAPI specs: path, method,
// path-parameter patterns, query/body parameter names, types, enum values and numeric bounds (PageSize).
import fs from 'node:fs';
import path from 'node:path';

export type Params = Record<string, string | string[]>;

interface Schema {
  type?: string;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  $ref?: string;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, Schema>; required?: string[] } }> };
}
interface SpecFile {
  servers: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface SpecRoute {
  product: string;
  template: string;
  pathParams: Record<string, string>;
}

export interface ValidationResult {
  route?: SpecRoute;
  problems: string[];
  /** HTTP status the real API would answer for the first problem. */
  status: number;
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  item: Record<string, unknown>;
}

/** Twilio's own specs (twilio/twilio-oai), vendored; TWILIO_OPENAPI_DIR points at another copy. */
const SPEC_DIR_CANDIDATES = [process.env.TWILIO_OPENAPI_DIR, path.resolve(__dirname, 'twilio-openapi')].filter(
  (dir): dir is string => Boolean(dir),
);

export const SPEC_FILES: Record<string, string> = {
  taskrouter: 'twilio_taskrouter_v1.json',
  conversations: 'twilio_conversations_v1.json',
  sync: 'twilio_sync_v1.json',
  'flex-api': 'twilio_flex_v1.json',
  studio: 'twilio_studio_v2.json',
};

function findSpecDir(): string {
  for (const dir of SPEC_DIR_CANDIDATES) {
    if (fs.existsSync(path.join(dir, SPEC_FILES.taskrouter))) return dir;
  }
  throw new Error(
    `Twilio OpenAPI specs not found; set TWILIO_OPENAPI_DIR (looked in ${SPEC_DIR_CANDIDATES.join(', ')})`,
  );
}

function compilePath(template: string, item: Record<string, unknown>): CompiledPath {
  const names: string[] = [];
  const segments = template.split('/');
  const pattern = segments
    .map((segment) => {
      const match = /^\{(.+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(match[1]);
      return '([^/]+)';
    })
    .join('/');
  return {
    template,
    regex: new RegExp(`^${pattern}$`),
    names,
    literalSegments: segments.length - names.length,
    item,
  };
}

class ProductSpec {
  private readonly paths: CompiledPath[];
  constructor(private readonly spec: SpecFile) {
    this.paths = Object.entries(spec.paths)
      .map(([template, item]) => compilePath(template, item))
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  match(urlPath: string): { compiled: CompiledPath; pathParams: Record<string, string> } | undefined {
    for (const compiled of this.paths) {
      const found = compiled.regex.exec(urlPath);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      for (const [i, name] of compiled.names.entries()) pathParams[name] = decodeURIComponent(found[i + 1]);
      return { compiled, pathParams };
    }
    return undefined;
  }

  resolve(schema: Schema | undefined): Schema | undefined {
    if (!schema?.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    return this.spec.components?.schemas?.[name];
  }
}

function checkValue(name: string, value: string, schema: Schema | undefined, where: string): string | undefined {
  if (!schema) return undefined;
  if (schema.enum && !schema.enum.includes(value)) {
    return `${where} parameter ${name}=${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`;
  }
  if (schema.type === 'integer' && !/^-?\d+$/.test(value))
    return `${where} parameter ${name} must be an integer, got ${JSON.stringify(value)}`;
  if (schema.type === 'number' && Number.isNaN(Number(value))) return `${where} parameter ${name} must be a number`;
  const number = Number(value);
  if (schema.minimum !== undefined && number < schema.minimum)
    return `${where} parameter ${name}=${value} is below its minimum ${schema.minimum}`;
  if (schema.maximum !== undefined && number > schema.maximum)
    return `${where} parameter ${name}=${value} is above its maximum ${schema.maximum}`;
  if (schema.type === 'boolean' && !/^(true|false)$/i.test(value))
    return `${where} parameter ${name} must be true or false, got ${JSON.stringify(value)}`;
  if (schema.pattern && !new RegExp(schema.pattern).test(value))
    return `${where} parameter ${name}=${JSON.stringify(value)} does not match ${schema.pattern}`;
  return undefined;
}

export class TwilioOpenApi {
  private readonly products = new Map<string, ProductSpec>();

  constructor(specDir: string = findSpecDir()) {
    for (const [product, file] of Object.entries(SPEC_FILES)) {
      const spec = JSON.parse(fs.readFileSync(path.join(specDir, file), 'utf8')) as SpecFile;
      this.products.set(product, new ProductSpec(spec));
    }
  }

  hasProduct(product: string): boolean {
    return this.products.has(product);
  }

  validate(
    product: string,
    method: string,
    urlPath: string,
    query: Params,
    body: Params,
    headers: Record<string, string | string[] | undefined> = {},
  ): ValidationResult {
    const spec = this.products.get(product);
    if (!spec) return { problems: [`unknown Twilio product host "${product}"`], status: 404 };
    const found = spec.match(urlPath);
    if (!found) return { problems: [`no ${product} API path matches ${urlPath}`], status: 404 };
    const route: SpecRoute = { product, template: found.compiled.template, pathParams: found.pathParams };
    const operation = found.compiled.item[method.toLowerCase()] as Operation | undefined;
    if (!operation) return { route, problems: [`${method} is not allowed on ${found.compiled.template}`], status: 405 };

    const problems: string[] = [];
    const parameters = operation.parameters ?? [];
    for (const parameter of parameters.filter((p) => p.in === 'path')) {
      const problem = checkValue(
        parameter.name,
        found.pathParams[parameter.name],
        spec.resolve(parameter.schema),
        'path',
      );
      if (problem) return { route, problems: [problem], status: 404 };
    }
    const queryParams = new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p] as const));
    for (const [name, value] of Object.entries(query)) {
      const parameter = queryParams.get(name);
      if (!parameter) {
        problems.push(`unknown query parameter ${name} for ${method} ${found.compiled.template}`);
        continue;
      }
      problems.push(...checkAll(name, value, spec.resolve(parameter.schema), spec, 'query'));
    }
    for (const parameter of queryParams.values()) {
      if (parameter.required && query[parameter.name] === undefined)
        problems.push(`missing required query parameter ${parameter.name}`);
    }

    // The operation's own headers (X-Twilio-Webhook-Enabled, If-Match), when sent: Node lower-cases names.
    for (const parameter of parameters.filter((p) => p.in === 'header')) {
      const value = headers[parameter.name.toLowerCase()];
      if (typeof value === 'string')
        problems.push(...checkAll(parameter.name, value, spec.resolve(parameter.schema), spec, 'header'));
    }

    const form = operation.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
    const properties = form?.properties ?? {};
    for (const [name, value] of Object.entries(body)) {
      if (!(name in properties)) {
        problems.push(`unknown parameter ${name} for ${method} ${found.compiled.template}`);
        continue;
      }
      problems.push(...checkAll(name, value, spec.resolve(properties[name]), spec, 'body'));
    }
    for (const name of form?.required ?? []) {
      if (body[name] === undefined)
        problems.push(`missing required parameter ${name} for ${method} ${found.compiled.template}`);
    }
    return { route, problems, status: 400 };
  }
}

function checkAll(
  name: string,
  value: string | string[],
  schema: Schema | undefined,
  spec: ProductSpec,
  where: string,
): string[] {
  if (!schema) return [];
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 1 && schema.type !== 'array')
    return [`${where} parameter ${name} was sent ${values.length} times but is not a list`];
  const itemSchema = schema.type === 'array' ? spec.resolve(schema.items) : schema;
  return values.map((v) => checkValue(name, v, itemSchema, where)).filter((p): p is string => Boolean(p));
}
