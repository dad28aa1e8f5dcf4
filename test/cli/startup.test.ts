/**
 * What keeps start-up fast, as checks that can fail (no timings): scripts/build.ts and
 * src/cli.ts make promises that nothing else would notice breaking, because a broken
 * promise only makes a run slower (or, for the pre-rendered text, quietly stale).
 *
 * - `--help` (on a pipe) and `--version` are answered from text rendered at build time:
 *   it must be byte-identical to what the program prints.
 * - The V8 code cache written beside each bundle must be accepted by a plain node.
 * - `estimate --json` must not read the bundles it does not need (zod, yaml, the user
 *   preset reader, the table renderer, the spinner), nor load node's net module.
 * - Output through a pipe whose reader has gone (`| head -n 1`) ends quietly.
 *
 * Assumes dist/ is built (npm test builds it first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { main, type Io } from '../../src/program.js';
import { BIN, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const DIST = realpathSync(join(REPO_ROOT, 'dist'));
const TMP = mkdtempSync(join(tmpdir(), 'cp-plan-startup-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** Only PATH (node's own directory first, so that `node` is the node running the tests). */
const cleanEnv = (extra: Record<string, string> = {}) => ({ PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...extra });

/** The program's own answer, in-process from src/ (with stdout not a terminal and no colour, as the build renders it). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, env: { NO_COLOR: '1' } };
  // Commander sizes and colours help from the real process.stdout and process.env, not from io:
  // make them what the build saw (a pipe, NO_COLOR=1) even when this file is run from a terminal.
  const saved = { isTTY: process.stdout.isTTY, NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  process.stdout.isTTY = false;
  process.env.NO_COLOR = '1';
  delete process.env.FORCE_COLOR;
  try {
    const code = await main(['node', 'cp-plan', ...args], io);
    return { code, stdout, stderr };
  } finally {
    process.stdout.isTTY = saved.isTTY;
    for (const key of ['NO_COLOR', 'FORCE_COLOR'] as const) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

describe('pre-rendered --help and --version', () => {
  const cliSource = readFileSync(join(DIST, 'cli.cjs'), 'utf8');

  test('the build embedded them in dist/cli.cjs (else the checks below would compare the program with itself)', () => {
    // The help text's first line, as a JSON string literal inside the minified bundle.
    assert.ok(cliSource.includes('Usage: cp-plan [options] [command]'), 'dist/cli.cjs holds the pre-rendered help');
  });

  for (const flag of ['--help', '-h', '--version', '-V']) {
    test(`${flag}: the spawned bin (pre-rendered) prints exactly what the program prints in-process`, async () => {
      const spawned = runCli([flag]);
      assert.equal(spawned.status, 0, spawned.stderr);
      assert.equal(spawned.stderr, '');
      const program = await inProcess([flag]);
      assert.equal(program.code, 0, program.stderr);
      assert.equal(program.stderr, '');
      assert.ok(program.stdout.length > 0);
      assert.equal(spawned.stdout, program.stdout, `pre-rendered ${flag} differs from the program's (rebuild, or the build renders it differently)`);
    });

    test(`${flag}: spawned alone (pre-rendered) equals spawned with --debug (the program)`, () => {
      const canned = runCli([flag]);
      const live = runCli([flag, '--debug']);
      assert.equal(canned.status, 0, canned.stderr);
      assert.equal(live.status, 0, live.stderr);
      assert.equal(live.stderr, '');
      assert.equal(canned.stdout, live.stdout);
    });
  }
});

describe('V8 code cache', () => {
  test('program and command-estimate (and every bundle they load) have a cache that V8 accepts', () => {
    const script = `
      const { bundleLoader } = require(${JSON.stringify(join(DIST, 'bundle-loader.cjs'))});
      const loader = bundleLoader(${JSON.stringify(DIST)});
      loader.load('program');
      loader.load('command-estimate');
      const rejected = {};
      for (const [name, s] of loader.scripts) rejected[name] = s.cachedDataRejected ?? null;
      process.stdout.write(JSON.stringify(rejected));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: TMP, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const rejected = JSON.parse(r.stdout) as Record<string, boolean | null>;
    assert.ok('program' in rejected && 'command-estimate' in rejected, r.stdout);
    for (const [name, value] of Object.entries(rejected)) {
      assert.ok(existsSync(join(DIST, `${name}.cjs.cache`)), `dist/${name}.cjs.cache is missing`);
      // null: no cachedData was given to V8 at all; true: V8 threw it away.
      assert.equal(value, false, `code cache of ${name}: cachedDataRejected is ${value}`);
    }
  });
});

describe('what a run loads', () => {
  let runs = 0;
  /**
   * Runs the bin under a preload that records every file under dist/ read through
   * fs.readFileSync (node's CommonJS loader and the bundle loader both read that way)
   * and, at exit, process.moduleLoadList.
   */
  function traced(args: string[]): { status: number | null; stdout: string; stderr: string; reads: string[]; modules: string[] } {
    const n = ++runs;
    const out = join(TMP, `trace-${n}.json`);
    const preload = join(TMP, `trace-${n}.cjs`);
    writeFileSync(
      preload,
      `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = ${JSON.stringify(DIST)};
const out = ${JSON.stringify(out)};
const reads = [];
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  const name = typeof file === 'string' ? file : file instanceof URL ? require('node:url').fileURLToPath(file) : Buffer.isBuffer(file) ? file.toString() : undefined;
  if (name !== undefined) {
    const full = path.resolve(name);
    if (full.startsWith(dist + path.sep)) reads.push(path.relative(dist, full));
  }
  return readFileSync.call(this, file, ...rest);
};
process.on('exit', () => fs.writeFileSync(out, JSON.stringify({ reads, modules: process.moduleLoadList })));
`,
    );
    const r = spawnSync(process.execPath, ['-r', preload, BIN, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv({ NO_COLOR: '1' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    assert.ok(existsSync(out), `the preload wrote no trace (stderr: ${r.stderr})`);
    const trace = JSON.parse(readFileSync(out, 'utf8')) as { reads: string[]; modules: string[] };
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ...trace };
  }

  const NOT_FOR_ESTIMATE_JSON = ['zod.cjs', 'yaml.cjs', 'user-preset.cjs', 'estimate-text.cjs', 'spinner.cjs'];

  test('estimate --json (built-in presets): reads program and command-estimate, none of zod, yaml, user-preset, estimate-text, spinner; no net', () => {
    const r = traced(['estimate', '--ctx', '1M', '--nodes', '16', '--json']);
    assert.equal(r.status, 0, r.stderr);
    JSON.parse(r.stdout);
    for (const file of ['cli.cjs', 'program.cjs', 'command-estimate.cjs']) assert.ok(r.reads.includes(file), `${file} is read (reads: ${r.reads.join(', ')})`);
    for (const file of NOT_FOR_ESTIMATE_JSON) assert.ok(!r.reads.includes(file), `${file} must not be read (reads: ${r.reads.join(', ')})`);
    assert.ok(r.modules.length > 0, 'moduleLoadList was recorded');
    assert.ok(!r.modules.includes('NativeModule net'), "node's net module is loaded (process.stdout or process.stderr created?)");
  });

  test('estimate --json with a model YAML file: reads user-preset, zod and yaml', () => {
    const model = join(REPO_ROOT, 'presets', 'models', 'llama3-70b.yaml');
    const r = traced(['estimate', '--model', model, '--cluster', 'h100-ib', '--ctx', '8K', '--json']);
    assert.equal(r.status, 0, r.stderr);
    JSON.parse(r.stdout);
    for (const file of ['user-preset.cjs', 'zod.cjs', 'yaml.cjs', 'command-estimate.cjs']) {
      assert.ok(r.reads.includes(file), `${file} is read (reads: ${r.reads.join(', ')})`);
    }
  });

  test('estimate as a table: reads estimate-text (and still not zod, yaml or the spinner)', () => {
    const r = traced(['estimate', '--ctx', '1M', '--nodes', '16']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 0);
    assert.ok(r.reads.includes('estimate-text.cjs'), `estimate-text.cjs is read (reads: ${r.reads.join(', ')})`);
    for (const file of ['zod.cjs', 'yaml.cjs', 'spinner.cjs']) assert.ok(!r.reads.includes(file), `${file} must not be read (reads: ${r.reads.join(', ')})`);
  });
});

describe('a reader that closes early', () => {
  // --norc, and stdin not a socket: bash reads ~/.bashrc when it thinks sshd started it.
  const bash = (script: string) =>
    spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
      cwd: TMP,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv({ NO_COLOR: '1' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
  const pipeToHead = (command: string) => bash(`set +o pipefail; ${command} | head -n 1; exit "\${PIPESTATUS[0]}"`);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const sweep = (args: string) => `${q(process.execPath)} ${q(BIN)} sweep ${args} --format csv`;
  // 13 kB: usually written whole before head exits. 32,000 rows (2.9 MB) cannot be: EPIPE for certain.
  const SMALL = '--nodes 1..64 --ctx 8K,128K,1M';
  const LARGE = '--nodes 1..32 --ctx 1K..1M:1K';

  test('control: a naive writer of more than a pipe holds does fail with EPIPE here (so the next checks mean something)', () => {
    const r = pipeToHead(`${q(process.execPath)} -e ${q("for (let i = 0; i < 200; i++) require('fs').writeSync(1, 'x\\n'.repeat(1e4))")}`);
    assert.match(r.stderr, /EPIPE/);
  });

  for (const [what, args] of [
    ['the sweep of the brief (13 kB)', SMALL],
    ['a 2.9 MB sweep', LARGE],
  ] as const) {
    test(`sweep --format csv | head -n 1, ${what}: one line out, exit 0, nothing on stderr`, () => {
      const r = pipeToHead(sweep(args));
      assert.equal(
        r.stdout,
        'model,cluster,engine,weights,kvDtype,attentionDtype,nodes,gpus,tp,cp,dcp,ep,pp,cpStyle,contextTokens,cachedTokens,batch,missRate,prefillChunkTokens,layout,variant,ttftMs,passKvTtftMs,passQTtftMs,ttitMs,tokensPerSecond,memoryPerGpuBytes,fits\n',
      );
      assert.doesNotMatch(r.stderr, /Error|EPIPE|^\s+at /m, `stderr: ${r.stderr}`);
      // The warning about skipped points (nodes > 32 on gtt) is allowed; nothing else.
      for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^cp-plan: warning: /, `stderr: ${r.stderr}`);
      assert.equal(r.status, 0, `cp-plan's exit status (stderr: ${r.stderr})`);
    });
  }

  test('a closed pipe keeps the exit code and stderr: a workload that does not fit still exits 1 and says so', () => {
    const cli = `${q(process.execPath)} ${q(BIN)} estimate --ctx 1M --nodes 1`;
    // The reader closes its end at once, so every write to stdout fails with EPIPE.
    const r = bash(`${cli} | (exec 0<&-; sleep 0.5); exit "\${PIPESTATUS[0]}"`);
    assert.equal(r.status, 1, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /^cp-plan: does not fit: /m);
    assert.doesNotMatch(r.stderr, /EPIPE|^\s+at /m);
  });

  test('an output that cannot be written (/dev/full) is one line on stderr and exit 2, not an internal error', {
    skip: existsSync('/dev/full') ? false : 'no /dev/full',
  }, () => {
    const r = bash(`${q(process.execPath)} ${q(BIN)} estimate --ctx 8K --json > /dev/full`);
    assert.equal(r.status, 2, `stderr: ${r.stderr}`);
    assert.match(r.stderr, /^cp-plan: cannot write the output \(ENOSPC\); check where stdout goes\n$/);
  });
});
