// Issue 17: outputs never harm what was read, devices, or the directory they are written in; a run
// that is interrupted while writing leaves no temporary file; text reports show control characters.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

const base = mkdtempSync(join(tmpdir(), 'cp-plan-file-safety-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const dir = () => {
  const d = join(base, `t${n++}`);
  mkdirSync(d);
  return d;
};
const MODEL = readFileSync(join(REPO_ROOT, 'presets', 'models', 'llama3-70b.yaml'), 'utf8');
const CLUSTER = readFileSync(join(REPO_ROOT, 'presets', 'clusters', 'h100-ib.yaml'), 'utf8');
const RUNS = (head = 'model: llama3-70b\ncluster: h100-ib\n') =>
  `${head}measurements:\n  - { nodes: 1, contextTokens: 128000, ttftMs: 40000 }\n  - { nodes: 2, contextTokens: 128000, ttftMs: 21000 }\n`;
const CALIBRATE = ['calibrate', 'r.yaml', '--params', 'gemm,serial'];
/** Temporary files a write leaves beside its target. */
const leftovers = (d: string) => readdirSync(d).filter((f) => /\.tmp/.test(f));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('outputs never overwrite what this run read', () => {
  const cases: { name: string; files: Record<string, string>; args: string[]; link?: [string, string]; target: string }[] = [
    {
      name: 'calibrate -o the cluster file it read',
      files: { 'r.yaml': RUNS(), 'c.yaml': CLUSTER },
      args: [...CALIBRATE, '--cluster', './c.yaml', '-o', 'c.yaml'],
      target: 'c.yaml',
    },
    {
      name: 'calibrate -o the model file the measurements name',
      files: { 'r.yaml': RUNS('model: ./m.yaml\ncluster: h100-ib\n'), 'm.yaml': MODEL },
      args: [...CALIBRATE, '-o', 'm.yaml'],
      target: 'm.yaml',
    },
    {
      name: 'calibrate -o the measurements through a symlink',
      files: { 'r.yaml': RUNS() },
      link: ['link.yaml', 'r.yaml'],
      args: [...CALIBRATE, '-o', 'link.yaml'],
      target: 'r.yaml',
    },
    // A chart file must end in .svg: a model file named so.
    {
      name: 'sweep --chart-file onto the model file it read',
      files: { 'm.svg': MODEL },
      args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--model', './m.svg', '--chart-file', 'm.svg'],
      target: 'm.svg',
    },
  ];
  for (const c of cases) {
    test(`${c.name}: refused, and the input is unchanged`, () => {
      const d = dir();
      for (const [name, text] of Object.entries(c.files)) writeFileSync(join(d, name), text);
      if (c.link) symlinkSync(c.link[1], join(d, c.link[0]));
      const before = readFileSync(join(d, c.target), 'utf8');
      const line = assertOneLineError(runCli(c.args, { cwd: d }));
      assert.match(line, /is one of the input files; choose another file name$/);
      assert.equal(readFileSync(join(d, c.target), 'utf8'), before);
      assert.deepEqual(leftovers(d), []);
    });
  }

  test('a shipped preset, through a symlinked folder: refused and unchanged', () => {
    const d = dir();
    writeFileSync(join(d, 'r.yaml'), RUNS());
    symlinkSync(join(REPO_ROOT, 'presets', 'clusters'), join(d, 'p'));
    const shipped = join(REPO_ROOT, 'presets', 'clusters', 'gtt.yaml');
    const before = readFileSync(shipped, 'utf8');
    assertOneLineError(runCli([...CALIBRATE, '-o', 'p/gtt.yaml'], { cwd: d }));
    assert.equal(readFileSync(shipped, 'utf8'), before);
    assert.deepEqual(
      readdirSync(join(REPO_ROOT, 'presets', 'clusters')).filter((f) => !f.endsWith('.yaml')),
      [],
    );
  });
});

describe('targets that are not regular files, and odd paths', () => {
  test('-o /dev/null is refused and /dev/null stays a device', {
    skip: isRoot ? false : 'only root could replace /dev/null; run the suite as root to test it',
  }, () => {
    const d = dir();
    writeFileSync(join(d, 'r.yaml'), RUNS());
    const line = assertOneLineError(runCli([...CALIBRATE, '-o', '/dev/null'], { cwd: d }));
    assert.match(line, /-o \/dev\/null: is a character device, not a regular file/);
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a character device');
    // A chart file must end in .svg: /dev/null through a symlink so named.
    symlinkSync('/dev/null', join(d, 'null.svg'));
    const sweep = assertOneLineError(runCli(['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', 'null.svg'], { cwd: d }));
    assert.match(sweep, /--chart-file null\.svg: is a character device/);
    assert.ok(statSync('/dev/null').isCharacterDevice());
  });

  test('a 255-byte file name is written (the temporary name is short), and nothing is left beside it', () => {
    const d = dir();
    const name = `${'x'.repeat(251)}.svg`;
    const r = runCli(['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', name], { cwd: d });
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(d, name), 'utf8'), /<\/svg>\n$/);
    assert.deepEqual(leftovers(d), []);
  });

  test('a parent that is a file (ENOTDIR): one line, exit 2, nothing created', () => {
    const d = dir();
    writeFileSync(join(d, 'afile'), 'x');
    writeFileSync(join(d, 'r.yaml'), RUNS());
    assert.match(assertOneLineError(runCli([...CALIBRATE, '-o', 'afile/out.yaml'], { cwd: d })), /cannot write \(ENOTDIR\)/);
    assert.deepEqual(readdirSync(d).sort(), ['afile', 'r.yaml']);
  });

  test('an unreadable file (EACCES) is one line, exit 2', (t) => {
    const d = dir();
    const file = join(d, 'secret.yaml');
    writeFileSync(file, MODEL);
    chmodSync(file, 0o000);
    chmodSync(d, 0o755);
    chmodSync(base, 0o755);
    let args = [BIN, 'estimate', '--ctx', '8K', '--model', file];
    let command = process.execPath;
    if (isRoot) {
      // Root reads any file: run cp-plan as nobody, if this system can.
      if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('root reads every file and setpriv is missing to drop to nobody');
      args = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args];
      command = 'setpriv';
    }
    const r = spawnSync(command, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, cwd: d });
    assert.match(
      assertOneLineError({ stdout: r.stdout, stderr: r.stderr, status: r.status }),
      /secret\.yaml: cannot read file \(EACCES: permission denied\); check its permissions$/,
    );
  });
});

describe('an interrupted write leaves no temporary file', () => {
  // A sweep of 80,000 points writes an SVG of several MB. The test watches the folder and signals
  // cp-plan the moment its temporary file appears. It counts a run only if the temporary file was
  // still there just after the signal was sent, i.e. the signal came while cp-plan was writing (a
  // fast write can finish first); it tries again until one does.
  const attempt = async (signal: NodeJS.Signals) => {
    const d = dir();
    const child = spawn(
      'nice',
      [
        '-n',
        '19',
        process.execPath,
        BIN,
        'sweep',
        '--ctx',
        '1K..10000K:1K',
        '--nodes',
        '1..8',
        '--model',
        'llama3-8b',
        '--cluster',
        'h100-ib',
        '--format',
        'csv',
        '--chart-file',
        'chart.svg',
      ],
      {
        cwd: d,
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        stdio: 'ignore',
      },
    );
    let temporary: string | undefined;
    let duringWrite = false;
    const watcher = watch(d, (_event, file) => {
      if (temporary === undefined && file && /^\.cp-plan-.*\.tmp$/.test(String(file))) {
        temporary = String(file);
        child.kill(signal);
        duringWrite = existsSync(join(d, temporary));
      }
    });
    const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    watcher.close();
    assert.ok(temporary !== undefined, `the temporary file never appeared (exit ${code}, signal ${killedBy})`);
    return { d, duringWrite, code, killedBy };
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} while --chart-file is being written`, async (t) => {
      for (let tries = 1; tries <= 6; tries++) {
        const { d, duringWrite, code, killedBy } = await attempt(signal);
        assert.equal(killedBy, signal, `cp-plan ends by the signal (exit ${code})`);
        assert.deepEqual(leftovers(d), [], 'no temporary file is left');
        // The chart is there whole (the write finished before the signal was handled) or not at all.
        if (existsSync(join(d, 'chart.svg'))) assert.match(readFileSync(join(d, 'chart.svg'), 'utf8'), /<\/svg>\n$/);
        if (duringWrite) return t.diagnostic(`the signal came during the write on try ${tries}`);
      }
      t.skip('the write always finished before the signal arrived (a fast disk); nothing was tested');
    });
  }
});

describe('text reports show control characters, JSON keeps them exactly', () => {
  const NAME = 'a\x1b[31mred\rX\nY\x9b\x1b]0;t\x07';
  const file = (slo = '{ maxTtft: 1ms }') =>
    `scenarios:\n  - name: ${JSON.stringify(NAME)}\n    model: llama3-8b\n    cluster: h100-ib\n    layout: { nodes: 1 }\n    workload: { ctx: 8K }\n    slo: ${slo}\n`;
  const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

  for (const format of ['table', 'markdown'] as const) {
    test(`check --format ${format}: the scenario name is quoted, one row per check, no raw control character`, () => {
      const d = dir();
      writeFileSync(join(d, 's.yaml'), file());
      const r = runCli(['check', 's.yaml', '--format', format], { cwd: d });
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stdout, RAW);
      assert.doesNotMatch(r.stderr, RAW);
      assert.ok(r.stdout.includes('a\\x1b[31mred\\rX\\nY\\x9b\\x1b]0;t\\x07'), r.stdout);
      assert.equal(r.stdout.split('\n').filter((l) => l.includes('a\\x1b')).length, 2, 'one line per check (TTFT and memory)');
      // Besides the scenario's warnings (issue 16), which name it quoted too.
      assert.equal(r.stderr.split('\n').filter((l) => l && !l.startsWith('cp-plan: warning: ')).length, 1);
      assert.match(r.stderr, /^cp-plan: check failed: 'a\\x1b\[31mred\\rX\\nY\\x9b\\x1b\]0;t\\x07' misses an SLO\n$/m);
    });
  }

  test('check --json: the name is exact', () => {
    const d = dir();
    writeFileSync(join(d, 's.yaml'), file());
    const r = runCli(['check', 's.yaml', '--json'], { cwd: d });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(parseJson(r.stdout).scenarios[0].name, NAME);
    assert.doesNotMatch(r.stdout, RAW);
  });

  test('relative preset paths in a check file are relative to the file', () => {
    const d = dir();
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'm.yaml'), MODEL);
    writeFileSync(join(d, 'sub', 'c.yaml'), CLUSTER);
    writeFileSync(
      join(d, 'sub', 's.yaml'),
      'scenarios:\n  - name: s\n    model: ./m.yaml\n    cluster: ./c.yaml\n    layout: { nodes: 1 }\n    workload: { ctx: 8K }\n    slo: {}\n',
    );
    const r = runCli(['check', 'sub/s.yaml', '--json'], { cwd: d });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseJson(r.stdout).scenarios[0].pass, true);
  });
});
