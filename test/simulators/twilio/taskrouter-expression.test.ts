import { evaluateExpression, ExpressionSyntaxError, parseExpression, type Attributes } from './taskrouter-expression';

/** Shorthand: evaluate against task attributes only. */
const matches = (expression: string, task: Attributes = {}): boolean => evaluateExpression(expression, task);

function syntaxErrorOf(expression: string): ExpressionSyntaxError {
  try {
    parseExpression(expression);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
}

describe('boolean attributes', () => {
  it('matches handedOff == true only when handedOff is true', () => {
    expect(matches('handedOff == true', { handedOff: true })).toBe(true);
    expect(matches('handedOff == true', { handedOff: false })).toBe(false);
  });

  it('is false for a missing attribute, for == and for !=', () => {
    expect(matches('handedOff == true', {})).toBe(false);
    expect(matches('handedOff != true', {})).toBe(false);
    expect(matches('handedOff == false', {})).toBe(false);
  });

  it('matches == false and != true for a false attribute', () => {
    expect(matches('handedOff == false', { handedOff: false })).toBe(true);
    expect(matches('handedOff != true', { handedOff: false })).toBe(true);
  });

  it('reads true/false literals case-insensitively', () => {
    expect(matches('handedOff == TRUE', { handedOff: true })).toBe(true);
    expect(matches('handedOff == False', { handedOff: false })).toBe(true);
  });

  it('compares booleans with the strings "true"/"false"', () => {
    expect(matches("handedOff == 'true'", { handedOff: true })).toBe(true);
    expect(matches('handedOff == true', { handedOff: 'true' })).toBe(true);
    expect(matches('handedOff == true', { handedOff: 'false' })).toBe(false);
    expect(matches("handedOff == 'yes'", { handedOff: true })).toBe(false);
  });

  it('does not treat 1/0 as booleans', () => {
    expect(matches('handedOff == true', { handedOff: 1 })).toBe(false);
  });
});

describe('string equality', () => {
  it('supports ==, = and !=', () => {
    const task = { type: 'ticket' };
    expect(matches("type == 'ticket'", task)).toBe(true);
    expect(matches("type = 'ticket'", task)).toBe(true);
    expect(matches("type != 'ticket'", task)).toBe(false);
    expect(matches("type != 'chat'", task)).toBe(true);
  });

  it('is case-sensitive', () => {
    expect(matches("tier == 'gold'", { tier: 'Gold' })).toBe(false);
    expect(matches("tier != 'gold'", { tier: 'Gold' })).toBe(true);
  });

  it('compares numeric strings exactly when both sides are strings', () => {
    expect(matches("code == '05'", { code: '5' })).toBe(false);
  });
});

describe('attribute paths', () => {
  const task = {
    customer: { tier: 'gold', address: { country: 'NL' } },
    object: { array: ['a', 'b', 'c'] },
    name: 'plain string',
  };

  it('reads nested attributes with dots', () => {
    expect(matches("customer.tier == 'gold'", task)).toBe(true);
    expect(matches("customer.address.country == 'NL'", task)).toBe(true);
    expect(matches("customer.address.country == 'BE'", task)).toBe(false);
  });

  it('accepts an optional task. prefix', () => {
    expect(matches("task.customer.tier == 'gold'", task)).toBe(true);
    expect(matches("task.name == 'plain string'", task)).toBe(true);
  });

  it('reads array elements by index', () => {
    expect(matches("object.array[2] == 'c'", task)).toBe(true);
    expect(matches("object.array[0] == 'c'", task)).toBe(false);
    expect(matches("object.array[9] != 'c'", task)).toBe(false);
  });

  it('treats a path through a missing or non-object value as missing', () => {
    expect(matches("customer.missing.country != 'NL'", task)).toBe(false);
    expect(matches("name.length != 'x'", task)).toBe(false);
    expect(matches("nobody.tier != 'gold'", task)).toBe(false);
  });

  it('ignores inherited object properties', () => {
    expect(matches("constructor != 'x'", {})).toBe(false);
    expect(matches("customer.toString != 'x'", task)).toBe(false);
  });

  it('allows keywords inside dotted paths', () => {
    expect(matches("routing.in == 'queue'", { routing: { in: 'queue' } })).toBe(true);
  });
});

describe('numbers', () => {
  const task = { priority: 5, score: 5.1, delta: -3 };

  it('supports ordering operators at their boundaries', () => {
    expect(matches('priority > 4', task)).toBe(true);
    expect(matches('priority > 5', task)).toBe(false);
    expect(matches('priority >= 5', task)).toBe(true);
    expect(matches('priority < 5', task)).toBe(false);
    expect(matches('priority <= 5', task)).toBe(true);
    expect(matches('priority < 6', task)).toBe(true);
  });

  it('supports decimals and negative numbers', () => {
    expect(matches('score >= 5.1', task)).toBe(true);
    expect(matches('score > 5.1', task)).toBe(false);
    expect(matches('delta < -2', task)).toBe(true);
    expect(matches('delta == -3', task)).toBe(true);
    expect(matches('delta==-3', task)).toBe(true);
  });

  it('treats 1 and 1.0 as equal, and leading zeros as decimal', () => {
    expect(matches('priority == 5.0', task)).toBe(true);
    expect(matches('priority < 0800', task)).toBe(true);
  });

  it('compares a number with a numeric string numerically', () => {
    expect(matches("priority == '5'", task)).toBe(true);
    expect(matches('level == 5', { level: '5' })).toBe(true);
    expect(matches('level == 5', { level: '5.0' })).toBe(true);
    // Text order would put "10" before "9".
    expect(matches('level > 9', { level: '10' })).toBe(true);
  });

  it('does not coerce non-numeric or empty strings to numbers', () => {
    expect(matches('level == 0', { level: '' })).toBe(false);
    expect(matches('level > 1', { level: 'high' })).toBe(false);
    expect(matches('level < 1', { level: 'high' })).toBe(false);
  });

  it('orders two non-numeric strings as text', () => {
    expect(matches("name < 'banana'", { name: 'apple' })).toBe(true);
    expect(matches("name > 'banana'", { name: 'apple' })).toBe(false);
  });

  it('is false when ordering a missing attribute', () => {
    expect(matches('priority > 0', {})).toBe(false);
    expect(matches('priority <= 0', {})).toBe(false);
  });
});

describe('literals', () => {
  it('accepts constant-only expressions such as 1==1', () => {
    expect(matches('1==1')).toBe(true);
    expect(matches('1 == 1')).toBe(true);
    expect(matches('0 != 1')).toBe(true);
    expect(matches('1 == 2')).toBe(false);
    expect(matches('"apple" != "orange"')).toBe(true);
  });

  it('allows the other quote character inside a quoted string', () => {
    expect(matches(`name == "O'Brien"`, { name: "O'Brien" })).toBe(true);
    expect(matches(`quote == 'say "hi"'`, { quote: 'say "hi"' })).toBe(true);
    expect(matches(`quote == 'say "hi"'`, { quote: 'say hi' })).toBe(false);
  });

  it('keeps keywords and operators inside strings as text', () => {
    expect(matches("note == 'a AND b == (c)'", { note: 'a AND b == (c)' })).toBe(true);
  });

  it('matches null only against an explicit null attribute', () => {
    expect(matches('agent == null', { agent: null })).toBe(true);
    expect(matches('agent == NULL', { agent: null })).toBe(true);
    expect(matches('agent == null', {})).toBe(false);
    expect(matches("agent == 'null'", { agent: null })).toBe(false);
    expect(matches('agent != null', { agent: 'WK123' })).toBe(true);
  });
});

describe('IN and NOT IN', () => {
  it('matches a value in a single- or double-quoted list literal', () => {
    expect(matches("language IN ['en', 'es']", { language: 'es' })).toBe(true);
    expect(matches('language IN ["en","es"]', { language: 'es' })).toBe(true);
    expect(matches("language IN ['en', 'es']", { language: 'fr' })).toBe(false);
  });

  it('matches numbers, including numeric strings', () => {
    expect(matches('level IN [1, 2]', { level: 2 })).toBe(true);
    expect(matches('level IN [1, 2]', { level: '2' })).toBe(true);
    expect(matches('level IN [1, 2]', { level: 3 })).toBe(false);
  });

  it('supports NOT IN', () => {
    expect(matches("language NOT IN ['en', 'es']", { language: 'fr' })).toBe(true);
    expect(matches("language NOT IN ['en', 'es']", { language: 'en' })).toBe(false);
  });

  it('is false for a missing attribute, for IN and for NOT IN', () => {
    expect(matches("language IN ['en']", {})).toBe(false);
    expect(matches("language NOT IN ['en']", {})).toBe(false);
  });

  it('reads keywords case-insensitively', () => {
    expect(matches("language in ['en']", { language: 'en' })).toBe(true);
    expect(matches("language not in ['en']", { language: 'fr' })).toBe(true);
    expect(matches("language Not In ['en']", { language: 'en' })).toBe(false);
  });

  it('accepts an array attribute on the right', () => {
    expect(matches('language IN supported', { language: 'en', supported: ['en', 'nl'] })).toBe(true);
    expect(matches('language IN supported', { language: 'fr', supported: ['en', 'nl'] })).toBe(false);
    expect(matches('language NOT IN supported', { language: 'fr', supported: ['en', 'nl'] })).toBe(true);
  });

  it('is false when the right side is not an array', () => {
    expect(matches('language IN supported', { language: 'en', supported: 'en' })).toBe(false);
    expect(matches('language NOT IN supported', { language: 'en' })).toBe(false);
  });

  it('never matches an empty list', () => {
    expect(matches('language IN []', { language: 'en' })).toBe(false);
    expect(matches('language NOT IN []', { language: 'en' })).toBe(true);
  });
});

describe('HAS', () => {
  const task = { skills: ['billing', 'support'], levels: [1, 2] };

  it('is true when the array attribute holds the value', () => {
    expect(matches("skills HAS 'support'", task)).toBe(true);
    expect(matches("skills HAS 'sales'", task)).toBe(false);
    expect(matches("skills has 'billing'", task)).toBe(true);
  });

  it('compares array items with the same coercions as ==', () => {
    expect(matches("levels HAS '2'", task)).toBe(true);
    expect(matches('levels HAS 3', task)).toBe(false);
  });

  it('is false when the left side is missing or not an array', () => {
    expect(matches("missing HAS 'support'", task)).toBe(false);
    expect(matches("skill HAS 'support'", { skill: 'support' })).toBe(false);
  });
});

describe('CONTAINS', () => {
  it('matches a substring of a string attribute, case-sensitively', () => {
    expect(matches("subject CONTAINS 'refund'", { subject: 'Asking for a refund' })).toBe(true);
    expect(matches("subject CONTAINS 'Refund'", { subject: 'Asking for a refund' })).toBe(false);
    expect(matches("subject contains 'invoice'", { subject: 'Asking for a refund' })).toBe(false);
  });

  it('matches an element of an array attribute', () => {
    expect(matches("tags CONTAINS 'vip'", { tags: ['new', 'vip'] })).toBe(true);
    expect(matches("tags CONTAINS 'vi'", { tags: ['new', 'vip'] })).toBe(false);
  });

  it('is false for a missing attribute', () => {
    expect(matches("subject CONTAINS 'refund'", {})).toBe(false);
  });
});

describe('AND / OR', () => {
  it('binds AND tighter than OR', () => {
    // a OR (b AND c): true when a alone holds.
    expect(matches('a == 1 OR b == 1 AND c == 1', { a: 1, b: 0, c: 0 })).toBe(true);
    expect(matches('a == 1 OR b == 1 AND c == 1', { a: 0, b: 1, c: 0 })).toBe(false);
    // (a AND b) OR c: true when c alone holds.
    expect(matches('a == 1 AND b == 1 OR c == 1', { a: 0, b: 0, c: 1 })).toBe(true);
  });

  it('lets parentheses override precedence', () => {
    expect(matches('(a == 1 OR b == 1) AND c == 1', { a: 1, b: 0, c: 0 })).toBe(false);
    expect(matches('(a == 1 OR b == 1) AND c == 1', { a: 1, b: 0, c: 1 })).toBe(true);
    expect(matches('a == 1 AND (b == 1 OR (c == 1 AND ((d == 1))))', { a: 1, b: 0, c: 1, d: 1 })).toBe(true);
    expect(matches('a == 1 AND (b == 1 OR (c == 1 AND ((d == 1))))', { a: 1, b: 0, c: 1, d: 0 })).toBe(false);
  });

  it('reads AND/OR case-insensitively', () => {
    expect(matches('a == 1 and b == 1', { a: 1, b: 1 })).toBe(true);
    expect(matches('a == 1 and b == 1', { a: 1, b: 0 })).toBe(false);
    expect(matches('a == 1 or b == 1', { a: 0, b: 1 })).toBe(true);
  });

  it('evaluates the documented example', () => {
    const expression = '(language == "en" OR language == "fr") AND skill_rating >= 5.1';
    expect(matches(expression, { language: 'fr', skill_rating: 6 })).toBe(true);
    expect(matches(expression, { language: 'fr', skill_rating: 5 })).toBe(false);
    expect(matches(expression, { language: 'de', skill_rating: 9 })).toBe(false);
  });
});

describe('worker-side target expressions', () => {
  const task = { skill: 'billing', language: 'nl', minLevel: 3 };
  const worker = { routing: { skills: ['billing', 'support'] }, languages: ['en', 'nl'], level: 4 };

  it('compares a worker array attribute with a task attribute', () => {
    expect(evaluateExpression('worker.routing.skills HAS task.skill', task, worker)).toBe(true);
    expect(evaluateExpression('worker.routing.skills HAS task.skill', { skill: 'sales' }, worker)).toBe(false);
  });

  it('supports a task attribute IN a worker array attribute', () => {
    expect(evaluateExpression('task.language IN worker.languages', task, worker)).toBe(true);
    expect(evaluateExpression('task.language IN worker.languages', { language: 'de' }, worker)).toBe(false);
  });

  it('orders one attribute against another', () => {
    expect(evaluateExpression('worker.level >= task.minLevel', task, worker)).toBe(true);
    expect(evaluateExpression('worker.level >= task.minLevel', { minLevel: 5 }, worker)).toBe(false);
  });

  it('treats worker attributes as missing when no worker is given', () => {
    expect(evaluateExpression('worker.level >= task.minLevel', task)).toBe(false);
    expect(evaluateExpression('worker.level != 1', task)).toBe(false);
  });

  it('does not read worker.x from the task attributes', () => {
    expect(evaluateExpression("worker.skill == 'billing'", task, {})).toBe(false);
  });

  it('reads unprefixed keys from the worker with defaultScope "worker"', () => {
    const queueExpression = parseExpression("routing.skills HAS 'support'", { defaultScope: 'worker' });
    expect(queueExpression.evaluate({}, worker)).toBe(true);
    expect(queueExpression.evaluate({ routing: { skills: ['support'] } }, { routing: { skills: [] } })).toBe(false);
  });

  it('treats taskrouter.* values as missing', () => {
    expect(matches("taskrouter.dayOfWeek IN ['Mon', 'Tue']", { taskrouter: { dayOfWeek: 'Mon' } })).toBe(false);
    expect(matches('taskrouter.currentTime != 0')).toBe(false);
  });
});

describe('parseExpression', () => {
  it('returns a reusable compiled expression that keeps its source', () => {
    const compiled = parseExpression("priority > 3 AND type == 'chat'");
    expect(compiled.source).toBe("priority > 3 AND type == 'chat'");
    expect(compiled.evaluate({ priority: 4, type: 'chat' })).toBe(true);
    expect(compiled.evaluate({ priority: 2, type: 'chat' })).toBe(false);
    expect(compiled.evaluate({ priority: 4, type: 'voice' })).toBe(false);
  });

  it('tolerates surrounding whitespace and newlines', () => {
    expect(matches("\n  type == 'chat'\n\tAND priority > 1  ", { type: 'chat', priority: 2 })).toBe(true);
  });
});

describe('syntax errors', () => {
  it.each([
    ['unbalanced opening parenthesis', "(a == 1 AND b == 'x'"],
    ['unbalanced closing parenthesis', 'a == 1)'],
    ['trailing logical operator', 'a == 1 AND'],
    ['trailing comparison operator', 'a =='],
    ['hyphen in an identifier', 'customer-tier == 1'],
    ['hyphen in a nested identifier', "customer.first-name == 'x'"],
    ['empty expression', '   '],
    ['unterminated string', "a == 'open"],
    ['missing logical operator', 'a == 1 b == 2'],
    ['missing comparison operator', "a 'x'"],
    ['bare attribute without comparison', 'handedOff'],
    ['NOT without IN', 'NOT a == 1'],
    ['NOT followed by something other than IN', "a NOT HAS 'x'"],
    ['chained comparison', 'a == b == c'],
    ['unknown operator', 'a <> 1'],
    ['lone exclamation mark', 'a ! 1'],
    ['trailing comma in a list', 'a IN [1, 2,]'],
    ['unclosed list', 'a IN [1, 2'],
    ['attribute inside a list', 'a IN [b]'],
    ['trailing dot in a path', 'a. == 1'],
    ['malformed number', 'a == 1.2.3'],
    ['number glued to a name', 'a == 12abc'],
  ])('rejects %s: %s', (_description, expression) => {
    expect(() => parseExpression(expression)).toThrow(ExpressionSyntaxError);
  });

  it('reports the position of an unbalanced parenthesis', () => {
    const error = syntaxErrorOf('(a == 1');
    expect(error.position).toBe(7);
    expect(error.message).toContain('Unbalanced parentheses');
    expect(error.message).toContain('position 7');
    expect(error.message).toContain('"(a == 1"');
  });

  it('reports the position of a stray closing parenthesis', () => {
    const error = syntaxErrorOf('a == 1)');
    expect(error.position).toBe(6);
    expect(error.message).toContain('unexpected ")"');
  });

  it('reports a trailing operator as an unexpected end', () => {
    const error = syntaxErrorOf('a == 1 AND');
    expect(error.position).toBe(10);
    expect(error.message).toContain('end of expression');
  });

  it('explains that hyphens are not supported, at the hyphen', () => {
    const error = syntaxErrorOf('customer-tier == 1');
    expect(error.position).toBe(8);
    expect(error.message).toMatch(/hyphens are not supported/i);
  });

  it('is an Error named ExpressionSyntaxError', () => {
    const error = syntaxErrorOf('a ==');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ExpressionSyntaxError');
  });

  it('is thrown by evaluateExpression too', () => {
    expect(() => evaluateExpression('(a == 1', { a: 1 })).toThrow(ExpressionSyntaxError);
  });
});
