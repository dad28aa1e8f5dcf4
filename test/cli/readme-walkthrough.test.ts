/**
 * The README as a new user reads it: every command block marked `<!-- runnable -->` (and the
 * commands of a marked table) runs in document order, with the built cp-plan on PATH (a shim in a
 * temporary bin directory), in a scratch directory that holds the files the README shows
 * (`<!-- runnable-file: NAME -->` before a code block) and links to the clone's examples/ and
 * validation/. A command must exit 0 unless its comment says `exits N`. Lines starting with npm or
 * npx (installs, the network) are not run here; the quick start and the PATH instructions have tests
 * of their own below. Assumes dist/ is built.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, REPO_ROOT } from '../helpers/run-cli.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

type Step = { kind: 'file'; name: string; text: string } | { kind: 'run'; command: string; status: number; line: number };

/** The runnable steps of a README, in order. A marker not followed by a code block or a table is an error. */
export function walkthrough(readme: string): Step[] {
  const lines = readme.split('\n');
  const steps: Step[] = [];
  const fenced = (from: number, what: string): { body: string[]; end: number } => {
    assert.match(lines[from] ?? '', /^```\w*$/, `README line ${from}: ${what} must be followed by a code block`);
    const end = lines.indexOf('```', from + 1);
    assert.ok(end > from, `README line ${from + 1}: unclosed code block`);
    return { body: lines.slice(from + 1, end), end };
  };
  for (let i = 0; i < lines.length; i++) {
    const file = /^<!-- runnable-file: (\S+) -->$/.exec(lines[i]!);
    if (file) {
      const { body, end } = fenced(i + 1, lines[i]!);
      steps.push({ kind: 'file', name: file[1]!, text: body.join('\n') + '\n' });
      i = end;
      continue;
    }
    if (lines[i] !== '<!-- runnable -->') continue;
    if (lines[i + 1]?.startsWith('|')) {
      // A table: the rows' last cells that are one `cp-plan ...` code span.
      for (let j = i + 3; lines[j]?.startsWith('|'); j++) {
        const cells = lines[j]!.split(' | ');
        const last = cells.at(-1)!.replace(/ \|$/, '');
        const code = /^`(cp-plan [^`]+)`$/.exec(last);
        if (code) steps.push({ kind: 'run', command: code[1]!, status: 0, line: j + 1 });
      }
      continue;
    }
    const { body, end } = fenced(i + 1, lines[i]!);
    assert.match(lines[i + 1]!, /^```sh$/, `README line ${i + 2}: a runnable block is a sh block`);
    body.forEach((command, k) => {
      if (command.trim() === '' || command.trimStart().startsWith('#')) return;
      const status = /#.*\bexits (\d)\b/.exec(command);
      steps.push({ kind: 'run', command, status: status ? Number(status[1]) : 0, line: i + 3 + k });
    });
    i = end;
  }
  return steps;
}

const TMP = mkdtempSync(join(tmpdir(), 'cp-plan-readme-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const BIN_DIR = join(TMP, 'bin');
const WORK = join(TMP, 'work');
for (const dir of [BIN_DIR, WORK, join(TMP, 'home')]) mkdirSync(dir);
// cp-plan on PATH: the built binary, through a shim as `npm link` or an alias would give it.
writeFileSync(join(BIN_DIR, 'cp-plan'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
chmodSync(join(BIN_DIR, 'cp-plan'), 0o755);
for (const dir of ['examples', 'validation']) symlinkSync(join(REPO_ROOT, dir), join(WORK, dir));
const ENV = {
  PATH: `${BIN_DIR}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  HOME: join(TMP, 'home'),
  NO_COLOR: '1',
  GITHUB_STEP_SUMMARY: join(TMP, 'step-summary.md'),
};
const hasJq = spawnSync('jq', ['--version']).status === 0;

const shell = (script: string, cwd = WORK, env: Record<string, string> = ENV) =>
  spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', timeout: 120_000 });

describe('README walkthrough: the runnable blocks, in order', () => {
  const steps = walkthrough(README);

  test('marks the blocks a new user runs: the common questions, usage, presets, check and calibrate', () => {
    const commands = steps.flatMap((s) => (s.kind === 'run' ? [s.command] : []));
    assert.ok(commands.length >= 40, `${commands.length} runnable commands`);
    for (const expected of [
      /^cp-plan estimate --ctx 1M --nodes 16$/,
      /^cp-plan plan --ctx 1M --max-ttft 90s$/,
      /^cp-plan calibrate my-runs\.yaml .*--params /,
      /^cp-plan check examples\/sizing\.yaml /,
      /^cp-plan presets show h100-ib > /,
    ]) {
      assert.ok(
        commands.some((c) => expected.test(c)),
        `a runnable ${expected}`,
      );
    }
    assert.deepEqual(steps.flatMap((s) => (s.kind === 'file' ? [s.name] : [])).sort(), ['my-runs.yaml', 'sizing.yaml']);
    assert.ok(
      commands.every((c) => !/^(npm|npx)\b/.test(c)),
      'npm and npx lines stay out of runnable blocks',
    );
  });

  for (const step of steps) {
    if (step.kind === 'file') {
      test(`write ${step.name}`, () => writeFileSync(join(WORK, step.name), step.text));
      continue;
    }
    const skip = !hasJq && /\|\s*jq\b/.test(step.command) ? 'jq is not installed' : false;
    test(`README:${step.line}: ${step.command}`, { skip }, () => {
      const r = shell(step.command);
      assert.equal(r.status, step.status, `exit ${r.status}, expected ${step.status}\nstderr:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /internal error|not built/);
      if (step.status === 0 && !/>/.test(step.command.replace(/#.*/, ''))) assert.notEqual(r.stdout.trim(), '', 'prints something');
    });
  }
});

describe('README: getting started from a clone', () => {
  const block = (heading: string) => {
    const start = README.indexOf('```sh\n', README.indexOf(heading));
    return README.slice(start + 6, README.indexOf('\n```', start)).split('\n');
  };

  test('the quick start is two lines; its CLI line runs with npx in the clone (offline)', () => {
    const lines = block('## Quick start');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^npm ci && npm run build && npx cp-plan estimate --ctx 1M --nodes 16 /);
    assert.match(lines[1]!, /^npm ci && npm test /);
    const npx = lines[0]!
      .replace(/^npm ci && npm run build && /, '')
      .replace(/\s+#.*$/, '')
      .replace(/^npx /, 'npx --no-install ');
    const env = {
      ...ENV,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_cache: join(TMP, 'npm-cache'),
    };
    const r = shell(npx, REPO_ROOT, env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Llama 3\.1 405B on gtt/);
  });

  test('both ways to put cp-plan on PATH work: npm link (into a scratch prefix) and the alias', () => {
    const [link, alias] = block('`npx cp-plan` runs the clone');
    assert.match(link!, /^npm link\s/);
    const prefix = join(TMP, 'link-prefix');
    const env = {
      ...ENV,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      npm_config_prefix: prefix,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_cache: join(TMP, 'npm-cache'),
    };
    const linked = shell(`npm link --no-audit --no-fund && cd '${WORK}' && cp-plan --version`, REPO_ROOT, {
      ...env,
      PATH: `${join(prefix, 'bin')}:${env.PATH}`,
    });
    assert.equal(linked.status, 0, linked.stderr);
    assert.match(linked.stdout, /\d+\.\d+\.\d+\n$/);
    assert.match(alias!, /^alias cp-plan="node \$PWD\/bin\/cp-plan\.cjs"/);
    const aliased = shell(`shopt -s expand_aliases\n${alias}\ncd '${WORK}' && cp-plan --version`, REPO_ROOT, {
      ...ENV,
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    });
    assert.equal(aliased.status, 0, aliased.stderr);
    assert.match(aliased.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('a clone that was not built: cp-plan says so in one line', () => {
    const clone = join(TMP, 'unbuilt');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    copyFileSync(BIN, join(clone, 'bin', 'cp-plan.cjs'));
    const r = spawnSync(process.execPath, [join(clone, 'bin', 'cp-plan.cjs'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'cp-plan: not built: dist/cli.cjs is missing; run `npm run build` in the repository first\n');
  });

  test('links work on the npm page too: absolute URLs or anchors, none relative to the repository', () => {
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 10);
    for (const link of links) assert.match(link, /^(https:\/\/|#)/, link);
    const repo = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { homepage: string }).homepage.replace(/#readme$/, '');
    for (const link of links.filter((l) => l.includes('cp-plan/cp-plan/'))) {
      const path = /\/(?:blob|raw\.githubusercontent\.com\/cp-plan\/cp-plan)\/main\/(.+)$|\/main\/(.+)$/.exec(link);
      const file = path?.[1] ?? path?.[2];
      if (file) assert.ok(readFileSync(join(REPO_ROOT, file)).length > 0, `${link}: ${file} is in the repository`);
    }
    assert.ok(
      links.some((l) => l.startsWith(repo)),
      'the links name the repository of package.json',
    );
  });
});
