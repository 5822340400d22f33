import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const lineWidth = require('./check-line-width.cjs') as typeof import('./check-line-width.cjs');

const SCRIPT = path.join(__dirname, 'check-line-width.cjs');

describe('the line width check', () => {
  it('finds a line one character over the limit, and only that one', () => {
    const text = ['short', 'x'.repeat(120), 'y'.repeat(121), ''].join('\n');
    expect(lineWidth.longLines(text, 120)).toEqual([{ line: 3, length: 121 }]);
  });

  it('counts characters, not bytes', () => {
    expect(lineWidth.longLines('→'.repeat(120), 120)).toEqual([]);
    expect(lineWidth.longLines('→'.repeat(121), 120)).toEqual([{ line: 1, length: 121 }]);
  });

  it('checks the four code folders, the plugin’s src too, and skips the vendored OpenAPI specs and the rest', () => {
    expect(lineWidth.LIMIT).toBe(120);
    expect(lineWidth.isChecked('functions/bridge/decide.ts')).toBe(true);
    expect(lineWidth.isChecked('scripts/bench.ts')).toBe(true);
    expect(lineWidth.isChecked('test/harness/world.ts')).toBe(true);
    expect(lineWidth.isChecked('plugin-opencx/src/index.ts')).toBe(true);
    expect(lineWidth.isChecked('test/simulators/twilio/twilio-openapi/twilio_taskrouter_v1.json')).toBe(false);
    expect(lineWidth.isChecked('plugin-opencx/gallery/index.tsx')).toBe(false);
    expect(lineWidth.isChecked('plugin-opencx/package.json')).toBe(false);
    expect(lineWidth.isChecked('README.md')).toBe(false);
  });

  describe('run on a git checkout', () => {
    let root: string;
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    const run = () => spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });

    beforeEach(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'line-width-'));
      git('init', '-q');
      write('functions/ok.ts', `export const ok = '${'o'.repeat(80)}';\n`);
      write('plugin-opencx/src/fits.tsx', `${'p'.repeat(120)}\n`);
      write('plugin-opencx/gallery/long.tsx', `${'g'.repeat(300)}\n`);
      write('test/simulators/twilio/twilio-openapi/spec.json', `{"a":"${'s'.repeat(1000)}"}\n`);
      write('docs/notes.md', `${'d'.repeat(500)}\n`);
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('passes when every tracked line is within its limit', () => {
      git('add', '.');
      const result = run();
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it('fails listing each tracked line over the limit as file:line: N characters', () => {
      write('functions/bridge/message.ts', `// fine\nexport const message = '${'m'.repeat(130)}';\n`);
      write('scripts/untracked.ts', `${'u'.repeat(200)}\n`);
      write('plugin-opencx/src/longer.tsx', `${'q'.repeat(121)}\n`);
      git('add', 'functions', 'plugin-opencx', 'test', 'docs');
      const result = run();
      expect(result.status).toBe(1);
      const [first, second, summary, ...rest] = result.stderr.trim().split('\n');
      expect([first, second, rest]).toEqual([
        'functions/bridge/message.ts:2: 156 characters',
        'plugin-opencx/src/longer.tsx:1: 121 characters',
        [],
      ]);
      expect(summary).toBe(
        '2 lines over 120 characters in functions/, plugin-opencx/src/, scripts/, test/: ' +
          'split the string or wrap the comment',
      );
    });
  });
});
