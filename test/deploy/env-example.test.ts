// `.env.example` is the admin's list of the Functions' environment: it must name every variable
// the code reads, each with its one-line explanation, nothing the code does not read, and no value.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { environmentVariablesRead, REPO_ROOT } from './env-reads';

interface Listed {
  name: string;
  value: string;
  /** `# NAME=`: documented, not to be set (the runtime sets it). */
  commentedOut: boolean;
  /** The comment line just above it. */
  explanation: string;
}

const VARIABLE_LINE = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/;
/** What the Twilio runtime puts on every Function's context (serverless-runtime-types' Context). */
const SET_BY_RUNTIME = new Set(['DOMAIN_NAME', 'PATH', 'SERVICE_SID', 'ENVIRONMENT_SID']);

function listed(text: string): Listed[] {
  const lines = text.split('\n');
  return lines.flatMap((line, index) => {
    const match = VARIABLE_LINE.exec(line.trim());
    if (!match) return [];
    const above = lines[index - 1]?.trim() ?? '';
    return [
      {
        name: match[2],
        value: match[3],
        commentedOut: match[1] !== undefined,
        explanation: above.startsWith('#') && !VARIABLE_LINE.test(above) ? above : '',
      },
    ];
  });
}

describe('.env.example', () => {
  const entries = listed(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8'));
  const read = environmentVariablesRead();

  it('finds the reads it is meant to find (the scan is not blind)', () => {
    expect([...read.keys()]).toEqual(
      expect.arrayContaining(['SYNC_SERVICE_SID', 'ACCOUNT_SID', 'DOMAIN_NAME', 'OPENCX_API_URL']),
    );
  });

  it('lists every variable the Functions read, and nothing more', () => {
    const names = entries.map((entry) => entry.name);
    const missing = [...read.keys()]
      .filter((name) => !names.includes(name))
      .map((name) => `${name} (read in ${[...new Set(read.get(name))].join(', ')})`);
    const unread = names.filter((name) => !read.has(name));
    expect({ missing, unread }).toEqual({ missing: [], unread: [] });
    expect(new Set(names).size).toBe(names.length);
  });

  it('explains each one in a line saying whether it is required', () => {
    const unexplained = entries
      .filter((entry) => !/\b(Required|Optional|Set by the runtime)\b/.test(entry.explanation))
      .map((entry) => entry.name);
    expect(unexplained).toEqual([]);
  });

  it('holds no value, so no secret is committed and a copy deploys nothing by accident', () => {
    expect(entries.filter((entry) => entry.value.trim() !== '').map((entry) => entry.name)).toEqual([]);
  });

  it('comments out exactly the variables the runtime sets', () => {
    const commentedOut = entries.filter((entry) => entry.commentedOut).map((entry) => entry.name);
    expect(commentedOut.every((name) => SET_BY_RUNTIME.has(name))).toBe(true);
    expect(entries.filter((entry) => !entry.commentedOut && SET_BY_RUNTIME.has(entry.name))).toEqual([]);
  });
});
