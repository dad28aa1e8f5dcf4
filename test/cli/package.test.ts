/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
 * temporary prefix, then the installed `cp-plan` run from a directory that is not the repo.
 *
 * Checks that the tarball holds what a run needs (bin, dist, presets, schema, validation,
 * LICENSE, README) and nothing of the development tree, and that the installed command finds
 * its own files from wherever it is installed while resolving the user's paths against the cwd.
 *
 * npm runs with a clean environment (no npm_config_* from `npm test`, HOME and the cache in
 * temp dirs) and --offline: the package has no dependencies. Assumes dist/ is built.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, parseJson, runCli } from '../helpers/run-cli.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** node's own directory first: the installed bin's `#!/usr/bin/env node` then finds the node running the tests. */
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

const TMP = mkdtempSync(join(tmpdir(), 'cp-plan-package-'));
const PREFIX = join(TMP, 'prefix');
/** Where the installed command runs: a fresh directory, not the repo. */
const CWD = join(TMP, 'elsewhere');
const INSTALLED_BIN = join(PREFIX, 'bin', 'cp-plan');

function check(what: string, r: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  assert.equal(r.status, 0, `${what} exited ${r.status} (signal ${r.signal})\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  return r;
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = {
    PATH,
    HOME: join(TMP, 'home'),
    npm_config_cache: join(TMP, 'npm-cache'),
    npm_config_update_notifier: 'false',
  };
  return check(`npm ${args.join(' ')}`, spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 60_000 }));
}

/** The installed cp-plan, run in CWD with the environment runCli gives the repo's bin. */
function installed(args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(INSTALLED_BIN, args, { cwd: CWD, env: { PATH, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

let tarball = '';
let entries: string[] = [];
/** What `npm install -g` of the tarball said on stderr (scripts run as a consumer's install would run them). */
let installStderr = '';

before(() => {
  for (const dir of ['home', 'npm-cache', 'pack', 'prefix', 'elsewhere']) mkdirSync(join(TMP, dir));
  const packed = npm(['pack', '--ignore-scripts', '--pack-destination', join(TMP, 'pack')], REPO_ROOT);
  const tgz = readdirSync(join(TMP, 'pack')).filter((f) => f.endsWith('.tgz'));
  assert.equal(tgz.length, 1, `one tarball from npm pack (stdout: ${packed.stdout})`);
  tarball = join(TMP, 'pack', tgz[0]!);
  entries = check('tar -tzf', spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8', timeout: 60_000 }))
    .stdout.split('\n')
    .filter(Boolean);
  installStderr = npm(['install', '-g', '--prefix', PREFIX, tarball, '--no-audit', '--no-fund', '--offline'], TMP).stderr;
});

after(() => rmSync(TMP, { recursive: true, force: true }));

describe('npm pack: the tarball', () => {
  test('holds the bin, the build, the presets, the schemas, LICENSE and README', () => {
    for (const file of [
      'package/package.json',
      'package/bin/cp-plan.cjs',
      'package/dist/cli.cjs',
      'package/dist/program.cjs',
      'package/dist/presets/index.json',
      'package/dist/presets/models/llama3-405b.json',
      'package/presets/models/llama3-405b.yaml',
      'package/validation/paper-measurements.yaml',
      'package/LICENSE',
      'package/README.md',
      'package/schema/model.json',
    ]) {
      assert.ok(entries.includes(file), `${file} is in the tarball (it holds: ${entries.join(', ')})`);
    }
  });

  test('holds nothing of the development tree', () => {
    assert.ok(entries.length > 0);
    for (const entry of entries) {
      assert.ok(entry.startsWith('package/'), entry);
      assert.doesNotMatch(entry, /^package\/(test|src|scripts|\.ci)\//, `${entry} must not ship`);
      assert.doesNotMatch(entry, /(^|\/)node_modules(\/|$)/, `${entry} must not ship`);
      assert.doesNotMatch(entry, /(^|\/)tsconfig(\.[^/]*)?\.json$/, `${entry} must not ship`);
      assert.doesNotMatch(entry, /\.[cm]?ts$/, `${entry}: no TypeScript in the package`);
    }
  });
});

describe('the packed manifest', () => {
  const packed = () => JSON.parse(check('tar -xOzf', spawnSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })).stdout);

  test('names the repository, where to report bugs and the homepage (the URLs cp-plan prints)', async () => {
    const { REPOSITORY_URL, ISSUES_URL, DOCS_URL } = await import('../../src/links.js');
    const manifest = packed();
    assert.equal(manifest.repository.url, `git+${REPOSITORY_URL}.git`);
    assert.equal(manifest.bugs.url, ISSUES_URL);
    assert.equal(manifest.homepage, DOCS_URL);
  });

  test('runs nothing when a consumer installs it: no install or prepare scripts (they would need devDependencies)', () => {
    const scripts = Object.keys(packed().scripts ?? {});
    for (const hook of ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare', 'prepublish']) {
      assert.ok(!scripts.includes(hook), `the packed package.json has a ${hook} script`);
    }
    assert.doesNotMatch(installStderr, /install-scripts|prepare/, installStderr);
  });
});

describe('npm install -g from the tarball, run from another directory', () => {
  test("the installed command exists and is the tarball's bin", () => {
    assert.ok(existsSync(INSTALLED_BIN), `${INSTALLED_BIN} exists`);
    assert.ok(existsSync(join(PREFIX, 'lib', 'node_modules', 'cp-plan', 'dist', 'cli.cjs')));
  });

  test("estimate --ctx 1M --nodes 16 --json: exit 0, the same stdout as the repo's bin", () => {
    const args = ['estimate', '--ctx', '1M', '--nodes', '16', '--json'];
    const r = installed(args);
    assert.equal(r.status, 0, r.stderr);
    const repo = runCli(args);
    assert.equal(repo.status, 0, repo.stderr);
    parseJson(r.stdout);
    assert.equal(r.stdout, repo.stdout);
    // The same warnings (CP16 decode extrapolated, 1M beyond the model's maximum), nothing more.
    assert.equal(r.stderr, repo.stderr);
  });

  test('--version prints the package.json version', () => {
    for (const flag of ['--version', '-V']) {
      const r = installed([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${VERSION}\n`);
      assert.equal(r.stderr, '');
    }
  });

  test("--help (pre-rendered) and estimate --help (the program) are the repo's", () => {
    for (const args of [['--help'], ['estimate', '--help']]) {
      const r = installed(args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, runCli(args).stdout, args.join(' '));
    }
  });

  test("presets list --json: every built-in preset, as the repo's bin lists them", () => {
    const r = installed(['presets', 'list', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const json = JSON.stringify(parseJson(r.stdout));
    for (const name of ['llama3-405b', 'llama3-70b', 'gtt', 'h100-ib']) assert.ok(json.includes(`"${name}"`), `lists ${name}`);
    assert.equal(r.stdout, runCli(['presets', 'list', '--json']).stdout);
  });

  test('estimate --model ./m.yaml: a relative path is read from the cwd', () => {
    copyFileSync(join(REPO_ROOT, 'presets', 'models', 'llama3-70b.yaml'), join(CWD, 'm.yaml'));
    const tail = ['--cluster', 'h100-ib', '--ctx', '128K', '--json'];
    const r = installed(['estimate', '--model', './m.yaml', ...tail]);
    assert.equal(r.status, 0, r.stderr);
    // Only the provenance warning: the file was found and read.
    assert.match(r.stderr, /^cp-plan: warning: transferred, not measured on this GPU and engine: [^\n]*\n$/);
    const fromFile = parseJson(r.stdout);
    assert.equal(fromFile.model.name, 'llama3-70b');
    assert.equal(fromFile.model.file, 'm.yaml', 'the model file, named relative to the cwd');
    // The same model as the built-in preset: the same estimate, but for the file's name.
    const preset = parseJson(runCli(['estimate', '--model', 'llama3-70b', ...tail]).stdout);
    assert.deepEqual({ ...fromFile, model: { ...fromFile.model, file: undefined } }, { ...preset, model: { ...preset.model, file: undefined } });
  });

  test('validate --json finds the shipped validation data', () => {
    const r = installed(['validate', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const json = parseJson(r.stdout);
    assert.ok(Array.isArray(json.cases) && json.cases.length > 0, 'validation cases');
    assert.equal(r.stdout, runCli(['validate', '--json']).stdout);
  });
});
