// Workflow configuration: validation (as Twilio answers a bad Configuration: HTTP 400) and the pure
// routing questions: which filter a task matches, which target is due, which queue a target means.
import { invalidParameter } from './errors';
import { type CompiledExpression, ExpressionSyntaxError, parseExpression, type Scope } from './taskrouter-expression';
import type { Attributes, WorkflowConfiguration, WorkflowFilter, WorkflowTarget } from './taskrouter-state';

/** Name reported in WorkflowFilterName when a task lands in the default_filter. */
export const DEFAULT_FILTER_NAME = 'Default Filter';
export const DEFAULT_FILTER_INDEX = -1;

const compiled = new Map<string, CompiledExpression>();

/**
 * Filter expressions read the task (`type == "x"`); target, queue and worker-list expressions read the
 * worker unless prefixed (`worker.skills HAS task.skill`).
 */
export function compileExpression(source: string, scope: Scope): CompiledExpression {
  const key = `${scope}\u0000${source}`;
  let expression = compiled.get(key);
  if (!expression) {
    expression = parseExpression(source, { defaultScope: scope });
    compiled.set(key, expression);
  }
  return expression;
}

/** Compiles or answers 400 with the parser's reason. */
export function checkExpression(source: string, scope: Scope, what: string): CompiledExpression {
  try {
    return compileExpression(source, scope);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) throw invalidParameter(`Invalid ${what} expression: ${error.message}`);
    throw error;
  }
}

export function parseJsonObject(raw: string, what: string): Attributes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw invalidParameter(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw invalidParameter(`${what} must be a JSON object`);
  return parsed;
}

/** Parses and validates a Configuration (JSON string or object); every queue must exist. */
export function parseWorkflowConfiguration(
  raw: string | object,
  queueExists: (sid: string) => boolean,
): WorkflowConfiguration {
  const document = typeof raw === 'string' ? parseJsonObject(raw, 'Configuration') : raw;
  const routing = (document as Attributes).task_routing;
  if (!isObject(routing)) throw invalidParameter('Configuration must contain a "task_routing" object');
  const filters = routing.filters ?? [];
  if (!Array.isArray(filters)) throw invalidParameter('task_routing.filters must be an array');
  const configuration: WorkflowConfiguration = {
    task_routing: { filters: filters.map((filter, i) => parseFilter(filter, i, queueExists)) },
  };
  if (routing.default_filter !== undefined) {
    const fallback = routing.default_filter;
    if (!isObject(fallback) || typeof fallback.queue !== 'string')
      throw invalidParameter('task_routing.default_filter must have a "queue"');
    requireQueue(fallback.queue, queueExists, 'default_filter');
    configuration.task_routing.default_filter = { queue: fallback.queue };
  }
  return configuration;
}

function parseFilter(raw: unknown, index: number, queueExists: (sid: string) => boolean): WorkflowFilter {
  const where = `filters[${index}]`;
  if (!isObject(raw)) throw invalidParameter(`${where} must be an object`);
  if (typeof raw.expression !== 'string' || raw.expression.trim() === '')
    throw invalidParameter(`${where} needs an "expression"`);
  checkExpression(raw.expression, 'task', `${where} filter`);
  if (!Array.isArray(raw.targets) || raw.targets.length === 0)
    throw invalidParameter(`${where} needs at least one target`);
  const filter: WorkflowFilter = {
    expression: raw.expression,
    targets: raw.targets.map((t, i) => parseTarget(t, `${where}.targets[${i}]`, queueExists)),
  };
  if (filter.targets[0].queue === undefined) throw invalidParameter(`${where}.targets[0] needs a "queue"`);
  if (raw.filter_friendly_name !== undefined) filter.filter_friendly_name = String(raw.filter_friendly_name);
  return filter;
}

function parseTarget(raw: unknown, where: string, queueExists: (sid: string) => boolean): WorkflowTarget {
  if (!isObject(raw)) throw invalidParameter(`${where} must be an object`);
  const target: WorkflowTarget = {};
  if (raw.queue !== undefined) target.queue = requireQueue(raw.queue, queueExists, where);
  if (raw.expression !== undefined)
    target.expression = checkExpression(String(raw.expression), 'worker', `${where} target`).source;
  if (raw.skip_if !== undefined)
    target.skip_if = checkExpression(String(raw.skip_if), 'task', `${where} skip_if`).source;
  if (raw.priority !== undefined) target.priority = wholeNumber(raw.priority, `${where}.priority`, 0);
  if (raw.timeout !== undefined) target.timeout = wholeNumber(raw.timeout, `${where}.timeout`, 1);
  if (raw.order_by !== undefined) target.order_by = String(raw.order_by);
  if (raw.known_worker_sid !== undefined) target.known_worker_sid = String(raw.known_worker_sid);
  if (raw.known_worker_friendly_name !== undefined)
    target.known_worker_friendly_name = String(raw.known_worker_friendly_name);
  return target;
}

function requireQueue(value: unknown, queueExists: (sid: string) => boolean, where: string): string {
  if (typeof value !== 'string' || !queueExists(value))
    throw invalidParameter(`${where}: TaskQueue ${String(value)} does not exist in this workspace`);
  return value;
}

function wholeNumber(value: unknown, where: string, minimum: number): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < minimum)
    throw invalidParameter(`${where} must be an integer >= ${minimum}`);
  return number;
}

export interface FilterMatch {
  index: number;
  name: string;
  targets: WorkflowTarget[];
}

/** Filters top to bottom, first match wins; no match falls to the default_filter (if any). */
export function matchFilter(configuration: WorkflowConfiguration, attributes: Attributes): FilterMatch | undefined {
  const filters = configuration.task_routing.filters;
  const index = filters.findIndex((filter) => compileExpression(filter.expression, 'task').evaluate(attributes));
  if (index < 0) return defaultFilter(configuration);
  return filterAt(configuration, index);
}

export function filterAt(configuration: WorkflowConfiguration, index: number): FilterMatch | undefined {
  if (index === DEFAULT_FILTER_INDEX) return defaultFilter(configuration);
  const filter = configuration.task_routing.filters[index];
  if (!filter) return undefined;
  return { index, name: filter.filter_friendly_name ?? `Filter ${index + 1}`, targets: filter.targets };
}

export function defaultFilter(configuration: WorkflowConfiguration): FilterMatch | undefined {
  const fallback = configuration.task_routing.default_filter;
  return fallback
    ? { index: DEFAULT_FILTER_INDEX, name: DEFAULT_FILTER_NAME, targets: [{ queue: fallback.queue }] }
    : undefined;
}

/** A target without a queue keeps the queue of the target before it. */
export function targetQueue(targets: WorkflowTarget[], index: number): string {
  for (let i = index; i >= 0; i--) {
    const queue = targets[i].queue;
    if (queue) return queue;
  }
  throw new Error('workflow target without a queue (validation should have refused it)');
}

/** Seconds after entering the filter at which target `index` times out; undefined when it never does. */
export function targetDeadline(targets: WorkflowTarget[], index: number): number | undefined {
  let total = 0;
  for (let i = 0; i <= index; i++) {
    const timeout = targets[i].timeout;
    if (timeout === undefined) return undefined;
    total += timeout;
  }
  return total;
}

/**
 * The target a task belongs in after `elapsedMs` in its filter, never going back before `from`;
 * `targets.length` when every target has timed out (or was skipped).
 */
export function dueTargetIndex(
  targets: WorkflowTarget[],
  elapsedMs: number,
  from: number,
  skip: (index: number) => boolean,
): number {
  for (let i = Math.max(from, 0); i < targets.length; i++) {
    const deadline = targetDeadline(targets, i);
    const timedOut = deadline !== undefined && elapsedMs >= deadline * 1000;
    if (!timedOut && !skip(i)) return i;
  }
  return targets.length;
}

function isObject(value: unknown): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
