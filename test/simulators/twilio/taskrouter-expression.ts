/**
 * Evaluator for Twilio TaskRouter expressions: workflow filter expressions, workflow target
 * expressions and TaskQueue target-workers expressions.
 * Syntax reference: https://www.twilio.com/docs/taskrouter/expression-syntax
 *
 * Pure module: parse once with `parseExpression`, then `evaluate` against attributes as often as needed.
 */

export type Attributes = Record<string, unknown>;

export interface CompiledExpression {
  evaluate(task: Attributes, worker?: Attributes): boolean;
  source: string;
}

/** Which attribute set an unprefixed key such as `skills` reads. */
export type Scope = 'task' | 'worker';

export interface ParseOptions {
  /** 'task' (default) for workflow filters; 'worker' for TaskQueue target-workers expressions. */
  defaultScope?: Scope;
}

export class ExpressionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    /** 0-based offset into `expression` where the problem was found. */
    readonly position: number,
    readonly expression: string,
  ) {
    super(`${reason} at position ${position} in TaskRouter expression ${JSON.stringify(expression)}`);
    this.name = 'ExpressionSyntaxError';
  }
}

/** Parse once; throws ExpressionSyntaxError on bad syntax. */
export function parseExpression(source: string, options: ParseOptions = {}): CompiledExpression {
  const tree = new Parser(source, tokenize(source), options.defaultScope ?? 'task').parse();
  return {
    source,
    evaluate: (task, worker) => evaluateNode(tree, { task, worker }),
  };
}

/** Convenience: parse + evaluate. */
export function evaluateExpression(source: string, task: Attributes, worker?: Attributes): boolean {
  return parseExpression(source).evaluate(task, worker);
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

type Scalar = string | number | boolean | null;
type PathSegment = string | number;
type ComparisonOperator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'IN' | 'NOT IN' | 'HAS' | 'CONTAINS';

type Operand =
  | { kind: 'literal'; value: Scalar }
  | { kind: 'list'; items: Scalar[] }
  // 'taskrouter' keys (dayOfWeek, currentTime, ...) are not simulated and always resolve to undefined.
  | { kind: 'attribute'; scope: Scope | 'taskrouter'; path: PathSegment[] };

type ExpressionNode =
  | { kind: 'AND' | 'OR'; left: ExpressionNode; right: ExpressionNode }
  | { kind: 'comparison'; operator: ComparisonOperator; left: Operand; right: Operand };

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { kind: '(' | ')' | '[' | ']' | ',' | 'AND' | 'OR' | 'NOT' | 'end'; pos: number; text: string }
  | { kind: 'operator'; operator: ComparisonOperator; pos: number; text: string }
  | { kind: 'literal'; value: Scalar; pos: number; text: string }
  | { kind: 'key'; path: PathSegment[]; pos: number; text: string };

const PUNCTUATION = new Set(['(', ')', '[', ']', ',']);
const SYMBOL_OPERATORS: ReadonlyArray<[string, ComparisonOperator]> = [
  // Longest first, so `>=` is not read as `>` followed by `=`.
  ['==', '=='],
  ['!=', '!='],
  ['>=', '>='],
  ['<=', '<='],
  ['=', '=='],
  ['>', '>'],
  ['<', '<'],
];
const KEY_SEGMENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const ARRAY_INDEX = /\[(\d+)\]/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const char = source[pos];
    if (/\s/.test(char)) {
      pos += 1;
      continue;
    }
    const token = readToken(source, pos);
    tokens.push(token);
    pos += token.text.length;
  }
  tokens.push({ kind: 'end', pos: source.length, text: '' });
  return tokens;
}

function readToken(source: string, pos: number): Token {
  const char = source[pos];
  if (PUNCTUATION.has(char)) return { kind: char as '(' | ')' | '[' | ']' | ',', pos, text: char };
  if (char === '"' || char === "'") return readString(source, pos);
  if (char === '-' || /\d/.test(char)) return readNumber(source, pos);
  if (/[A-Za-z_]/.test(char)) return readWord(source, pos);
  for (const [symbol, operator] of SYMBOL_OPERATORS) {
    if (source.startsWith(symbol, pos)) return { kind: 'operator', operator, pos, text: symbol };
  }
  throw new ExpressionSyntaxError(`Unexpected character ${JSON.stringify(char)}`, pos, source);
}

/** No escape sequences: a string runs to the next matching quote, so use the other quote kind inside. */
function readString(source: string, pos: number): Token {
  const quote = source[pos];
  const close = source.indexOf(quote, pos + 1);
  if (close === -1) throw new ExpressionSyntaxError(`Unterminated string (missing closing ${quote})`, pos, source);
  return { kind: 'literal', value: source.slice(pos + 1, close), pos, text: source.slice(pos, close + 1) };
}

function readNumber(source: string, pos: number): Token {
  const text = matchAt(NUMBER, source, pos);
  if (text === undefined)
    throw new ExpressionSyntaxError('Unexpected "-" (only allowed as a number sign)', pos, source);
  const next = source[pos + text.length] ?? '';
  if (IDENTIFIER_CHAR.test(next) || next === '.') {
    throw new ExpressionSyntaxError(`Invalid number "${text}${next}"`, pos, source);
  }
  return { kind: 'literal', value: Number(text), pos, text };
}

/** Reads a keyword, boolean/null literal, or an attribute key such as `customer.tier` or `list[0].name`. */
function readWord(source: string, pos: number): Token {
  const path: PathSegment[] = [];
  let end = pos;
  for (;;) {
    const segment = matchAt(KEY_SEGMENT, source, end);
    if (segment === undefined) throw new ExpressionSyntaxError('Expected an attribute name after "."', end, source);
    path.push(segment);
    end += segment.length;
    for (
      let index = matchAt(ARRAY_INDEX, source, end);
      index !== undefined;
      index = matchAt(ARRAY_INDEX, source, end)
    ) {
      path.push(Number(index.slice(1, -1)));
      end += index.length;
    }
    if (source[end] !== '.') break;
    end += 1;
  }
  if (source[end] === '-') {
    throw new ExpressionSyntaxError('Hyphens are not supported in TaskRouter attribute names', end, source);
  }
  const text = source.slice(pos, end);
  return (path.length === 1 && keywordToken(text, pos)) || { kind: 'key', path, pos, text };
}

function keywordToken(text: string, pos: number): Token | undefined {
  switch (text.toUpperCase()) {
    case 'AND':
    case 'OR':
    case 'NOT':
      return { kind: text.toUpperCase() as 'AND' | 'OR' | 'NOT', pos, text };
    case 'IN':
    case 'HAS':
    case 'CONTAINS':
      return { kind: 'operator', operator: text.toUpperCase() as ComparisonOperator, pos, text };
    case 'TRUE':
      return { kind: 'literal', value: true, pos, text };
    case 'FALSE':
      return { kind: 'literal', value: false, pos, text };
    case 'NULL':
      return { kind: 'literal', value: null, pos, text };
    default:
      return undefined;
  }
}

function matchAt(pattern: RegExp, source: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(source)?.[0];
}

// ---------------------------------------------------------------------------------------------
// Parser. Grammar (AND binds tighter than OR):
//   or         := and ("OR" and)*
//   and        := primary ("AND" primary)*
//   primary    := "(" or ")" | comparison
//   comparison := operand operator operand
//   operand    := literal | "[" literal ("," literal)* "]" | "[" "]" | key

class Parser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly defaultScope: Scope,
  ) {}

  parse(): ExpressionNode {
    if (this.peek().kind === 'end') throw this.error('Empty expression', this.peek());
    const tree = this.parseOr();
    const next = this.peek();
    if (next.kind === ')') throw this.error('Unbalanced parentheses: unexpected ")"', next);
    if (next.kind !== 'end') throw this.error(`Expected AND, OR or end of expression but found "${next.text}"`, next);
    return tree;
  }

  private parseOr(): ExpressionNode {
    let left = this.parseAnd();
    while (this.peek().kind === 'OR') {
      this.advance();
      left = { kind: 'OR', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): ExpressionNode {
    let left = this.parsePrimary();
    while (this.peek().kind === 'AND') {
      this.advance();
      left = { kind: 'AND', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): ExpressionNode {
    const open = this.peek();
    if (open.kind !== '(') return this.parseComparison();
    this.advance();
    const inner = this.parseOr();
    const close = this.peek();
    if (close.kind !== ')') {
      throw this.error(
        `Unbalanced parentheses: expected ")" to close "(" at position ${open.pos} but found ${describe(close)}`,
        close,
      );
    }
    this.advance();
    return inner;
  }

  private parseComparison(): ExpressionNode {
    const left = this.parseOperand();
    const operator = this.parseOperator();
    const right = this.parseOperand();
    return { kind: 'comparison', operator, left, right };
  }

  private parseOperator(): ComparisonOperator {
    const token = this.advance();
    if (token.kind === 'operator') return token.operator;
    if (token.kind === 'NOT') {
      const next = this.advance();
      if (next.kind === 'operator' && next.operator === 'IN') return 'NOT IN';
      throw this.error(`NOT is only supported as "NOT IN", found ${describe(next)} after NOT`, next);
    }
    throw this.error(`Expected a comparison operator (==, !=, >, IN, HAS, ...) but found ${describe(token)}`, token);
  }

  private parseOperand(): Operand {
    const token = this.advance();
    switch (token.kind) {
      case 'literal':
        return { kind: 'literal', value: token.value };
      case '[':
        return { kind: 'list', items: this.parseListItems(token) };
      case 'key':
        return this.attributeOperand(token.path);
      default:
        throw this.error(`Expected a value or attribute name but found ${describe(token)}`, token);
    }
  }

  private parseListItems(open: Token): Scalar[] {
    const items: Scalar[] = [];
    if (this.peek().kind === ']') {
      this.advance();
      return items;
    }
    for (;;) {
      const item = this.advance();
      if (item.kind !== 'literal')
        throw this.error(`Expected a list item (string, number, boolean or null) but found ${describe(item)}`, item);
      items.push(item.value);
      const separator = this.advance();
      if (separator.kind === ']') return items;
      if (separator.kind !== ',') {
        throw this.error(
          `Expected "," or "]" to continue the list opened at position ${open.pos} but found ${describe(separator)}`,
          separator,
        );
      }
    }
  }

  private attributeOperand(path: PathSegment[]): Operand {
    const [head, ...rest] = path;
    if (rest.length > 0 && (head === 'task' || head === 'worker' || head === 'taskrouter')) {
      return { kind: 'attribute', scope: head, path: rest };
    }
    return { kind: 'attribute', scope: this.defaultScope, path };
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private advance(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private error(reason: string, token: Token): ExpressionSyntaxError {
    return new ExpressionSyntaxError(reason, token.pos, this.source);
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : `"${token.text}"`;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface EvaluationContext {
  task: Attributes;
  worker: Attributes | undefined;
}

function evaluateNode(node: ExpressionNode, context: EvaluationContext): boolean {
  switch (node.kind) {
    case 'AND':
      return evaluateNode(node.left, context) && evaluateNode(node.right, context);
    case 'OR':
      return evaluateNode(node.left, context) || evaluateNode(node.right, context);
    case 'comparison':
      return compare(node.operator, resolveOperand(node.left, context), resolveOperand(node.right, context));
  }
}

function resolveOperand(operand: Operand, context: EvaluationContext): unknown {
  switch (operand.kind) {
    case 'literal':
      return operand.value;
    case 'list':
      return operand.items;
    case 'attribute':
      if (operand.scope === 'taskrouter') return undefined;
      return resolvePath(context[operand.scope], operand.path);
  }
}

function resolvePath(root: unknown, path: PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      current = Array.isArray(current) ? current[segment] : undefined;
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A missing attribute (undefined) makes every comparison false, including != and NOT IN. */
function compare(operator: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) return false;
  switch (operator) {
    case '==':
      return looseEquals(left, right);
    case '!=':
      return isScalar(left) && isScalar(right) && !looseEquals(left, right);
    case '>':
      return (order(left, right) ?? NaN) > 0;
    case '>=':
      return (order(left, right) ?? NaN) >= 0;
    case '<':
      return (order(left, right) ?? NaN) < 0;
    case '<=':
      return (order(left, right) ?? NaN) <= 0;
    case 'IN':
      return Array.isArray(right) && right.some((item) => looseEquals(left, item));
    case 'NOT IN':
      return Array.isArray(right) && isScalar(left) && !right.some((item) => looseEquals(left, item));
    case 'HAS':
      return Array.isArray(left) && left.some((item) => looseEquals(item, right));
    case 'CONTAINS':
      return contains(left, right);
  }
}

/**
 * Scalar equality with TaskRouter's coercions: number vs numeric string compares numerically,
 * boolean vs "true"/"false" compares as text. Strings otherwise compare exactly.
 */
function looseEquals(left: unknown, right: unknown): boolean {
  if (!isScalar(left) || !isScalar(right)) return false;
  if (left === null || right === null) return left === right;
  if (typeof left === typeof right) return left === right;
  if (typeof left === 'boolean' || typeof right === 'boolean') return String(left) === String(right);
  const a = asNumber(left);
  const b = asNumber(right);
  return a !== undefined && a === b;
}

/** Sign of left - right; numeric when both sides are numbers or numeric strings, else text order for two strings. */
function order(left: unknown, right: unknown): number | undefined {
  const a = asNumber(left);
  const b = asNumber(right);
  if (a !== undefined && b !== undefined) return Math.sign(a - b);
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return undefined;
}

function contains(left: unknown, right: unknown): boolean {
  if (typeof left === 'string') return typeof right === 'string' && left.includes(right);
  if (Array.isArray(left)) return left.some((item) => looseEquals(item, right));
  return false;
}

const NUMERIC_STRING = /^-?(?:\d+\.?\d*|\.\d+)$/;

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC_STRING.test(value)) return Number(value);
  return undefined;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
