import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { assertOneLineError, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** A directory to complete file names in: YAML files, another file, a subdirectory. */
const files = join(dir, 'files');
mkdirSync(join(files, 'sub'), { recursive: true });
for (const f of ['a.yaml', 'b.yml', 'c.txt']) writeFileSync(join(files, f), '');

const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

describe('cp-plan completion bash', () => {
  const script = runCli(['completion', 'bash']);
  const file = join(dir, 'cp-plan.bash');
  writeFileSync(file, script.stdout);

  test('prints a script that bash accepts, matching the golden file', () => {
    assert.equal(script.status, 0, script.stderr);
    assert.equal(script.stderr, '');
    assert.equal(spawnSync('bash', ['-n', file], { encoding: 'utf8' }).status, 0);
    assertGolden('completion.bash', script.stdout);
  });

  /** What bash would offer with the cursor at the end of the last word. */
  const complete = (...words: string[]): string[] => completeIn(dir, ...words);
  const completeIn = (cwd: string, ...words: string[]): string[] => {
    const line = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync(
      'bash',
      ['-c', `source '${file}'; COMP_WORDS=(cp-plan ${line}); COMP_CWORD=${words.length}; _cp_plan; printf '%s\\n' "\${COMPREPLY[@]}"`],
      {
        encoding: 'utf8',
        cwd,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };

  const cases: [string[], string[]][] = [
    [['es'], ['estimate']],
    [['pre'], ['presets']],
    [['estimate', '--mo'], ['--model']],
    [['estimate', '--model', 'llama3-4'], ['llama3-405b']],
    [['plan', '--ctx', '1M', '--cluster', 'h1'], ['h100-ib']],
    [
      ['plan', '--ctx', '1M', '--cluster', 'h2'],
      ['h20-ib', 'h200-ib'],
    ],
    [['estimate', '--engine', 's'], ['sglang']],
    [
      ['estimate', '--variant', 'pass-'],
      ['pass-kv', 'pass-q'],
    ],
    [
      ['sweep', '--format', ''],
      ['table', 'csv', 'json', 'markdown'],
    ],
    [
      ['check', '--format', ''],
      ['table', 'markdown', 'json'],
    ],
    [
      ['presets', ''],
      ['list', 'show'],
    ],
    [
      ['presets', 'show', 'gt'],
      ['gti', 'gtt'],
    ],
    [
      ['schema', ''],
      [
        'model',
        'cluster',
        'gpu',
        'engine',
        'kernels',
        'collectives',
        'measurements',
        'collective-measurements',
        'external-measurements',
        'serving-measurements',
        'workload',
        'check',
      ],
    ],
    [['collective', '--algorithm', 'nv'], []],
    [['collective', 'all-reduce', '--cl'], ['--cluster']],
    [
      ['completion', ''],
      ['bash', 'zsh', 'fish'],
    ],
    // commander's help command, and the command it shows help for.
    [['h'], ['help']],
    [
      ['help', ''],
      ['estimate', 'serve', 'plan', 'collective', 'validate', 'calibrate', 'sweep', 'check', 'schema', 'completion', 'presets'],
    ],
    [['help', 'es'], ['estimate']],
    [['estimate', '--ctx', '1M', '--nodes', '16', '--ex'], ['--explain']],
    // After a positional argument the command is still known.
    [['check', 'sizing.yaml', '--for'], ['--format']],
    [['calibrate', 'runs.yaml', '--cluster', 'h1'], ['h100-ib']],
    [['presets', 'show', 'gtt', '--j'], ['--json']],
    // bash splits --flag=value into three words.
    [['estimate', '--ctx', '=', '1M', '--no-'], ['--no-color']],
    [['estimate', '--model', '=', 'llama3-7'], ['llama3-70b']],
    [['sweep', '--format', '=', 'c'], ['csv']],
  ];
  for (const [words, expected] of cases) {
    test(`cp-plan ${words.join(' ')}<TAB> offers ${expected.join(' ')}`, () => {
      assert.deepEqual(complete(...words), expected);
    });
  }

  const sorted = (xs: string[]) => [...xs].sort();
  for (const words of [
    ['check', ''],
    ['calibrate', ''],
    ['validate', '--data', ''],
    ['calibrate', 'runs.yaml', '-o', ''],
    ['serve', '--workload', ''],
    ['presets', 'show', 'sub'],
  ]) {
    test(`cp-plan ${words.join(' ')}<TAB> offers directories and YAML files only`, () => {
      const offered = completeIn(files, ...words);
      assert.deepEqual(sorted(offered), sorted(words.at(-1) === 'sub' ? ['sub'] : ['a.yaml', 'b.yml', 'sub']));
    });
  }

  test('a preset flag offers the built-in names, directories and YAML files, not other files', () => {
    const offered = completeIn(files, 'estimate', '--model', '');
    assert.ok(offered.includes('llama3-405b') && offered.includes('a.yaml') && offered.includes('b.yml') && offered.includes('sub'), offered.join(' '));
    assert.ok(!offered.includes('c.txt'), offered.join(' '));
  });

  test('a flag that writes any file (--chart-file) or reads nccl-tests text offers every file', () => {
    for (const words of [
      ['sweep', '--chart-file', ''],
      ['calibrate', '--nccl-tests', ''],
    ]) {
      assert.deepEqual(sorted(completeIn(files, ...words)), ['a.yaml', 'b.yml', 'c.txt', 'sub']);
    }
  });

  test('a flag that takes a free value (--ctx) offers nothing rather than flags', () => {
    assert.deepEqual(complete('estimate', '--ctx', ''), []);
  });

  test('every flag of estimate --help is offered', () => {
    const help = runCli(['estimate', '--help']).stdout;
    const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
    assert.ok(flags.length > 10);
    const offered = complete('estimate', '-');
    for (const flag of flags) assert.ok(offered.includes(flag), `${flag} missing from ${offered.join(' ')}`);
  });
});

describe('cp-plan completion zsh', () => {
  const script = runCli(['completion', 'zsh']);

  test('prints a #compdef script matching the golden file', () => {
    assert.equal(script.status, 0, script.stderr);
    assert.match(script.stdout, /^#compdef cp-plan\n/);
    assert.match(script.stdout, /_cp_plan_estimate\(\) \{/);
    assertGolden('completion.zsh', script.stdout);
  });

  test('zsh parses it and compinit registers it for cp-plan', { skip: hasShell('zsh') ? false : 'zsh is not installed' }, () => {
    const file = join(dir, '_cp-plan');
    writeFileSync(file, script.stdout);
    assert.equal(spawnSync('zsh', ['-n', file]).status, 0);
    const r = spawnSync(
      'zsh',
      ['-f', '-c', `autoload -U compinit; compinit -u -D; source '${file}'; print -r -- \${_comps[cp-plan]}; whence -w _cp_plan_presets_show`],
      {
        encoding: 'utf8',
        cwd: dir,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '_cp_plan\n_cp_plan_presets_show: function\n');
  });

  test('preset and data files complete to YAML files and directories; help to the commands', () => {
    const yaml = `_files -g "*.(yaml|yml)"`;
    const line = (flag: string) => script.stdout.split('\n').find((l) => l.includes(`'${flag}[`))!;
    assert.ok(line('--model').includes(yaml), line('--model'));
    assert.ok(line('--data').includes(yaml), line('--data'));
    assert.ok(!line('--chart-file').includes(yaml), line('--chart-file'));
    assert.match(script.stdout, /_cp_plan_check\(\) \{\n(?:.*\n)*? {4}'1:argument:_files -g "\*\.\(yaml\|yml\)"'\n\}/);
    assert.match(script.stdout, /commands=\([^\n]*'help:show help for a command'/);
    assert.match(script.stdout, /_cp_plan_help\(\) \{\n {2}_arguments \\\n {4}'1:argument:\(estimate serve plan [^)]*presets\)'\n\}/);
  });
});

describe('cp-plan completion fish', () => {
  const script = runCli(['completion', 'fish']);
  const file = join(dir, 'cp-plan.fish');
  writeFileSync(file, script.stdout);
  const hasFish = hasShell('fish');

  test('prints complete commands for cp-plan, matching the golden file', () => {
    assert.equal(script.status, 0, script.stderr);
    assert.equal(script.stderr, '');
    assert.match(script.stdout, /^# fish completion for cp-plan/);
    assertGolden('completion.fish', script.stdout);
  });

  /** What fish offers for a command line (complete -C), in `cwd`. */
  const complete = (line: string, cwd = files): string[] => {
    const r = spawnSync('fish', ['-N', '-c', `source '${file}'; function cp-plan; end; complete -C '${line}'`], { encoding: 'utf8', cwd });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!)
      .sort();
  };

  const cases: [string, string[]][] = [
    ['cp-plan es', ['estimate']],
    ['cp-plan h', ['help']],
    ['cp-plan help es', ['estimate']],
    ['cp-plan presets ', ['list', 'show']],
    ['cp-plan presets show gt', ['gti', 'gtt']],
    ['cp-plan estimate --mo', ['--model']],
    ['cp-plan estimate --model llama3-4', ['llama3-405b']],
    ['cp-plan estimate --variant ', ['auto', 'pass-kv', 'pass-q']],
    ['cp-plan estimate --ctx ', []],
    ['cp-plan completion ', ['bash', 'fish', 'zsh']],
    ['cp-plan check ', ['a.yaml', 'b.yml', 'sub/']],
    ['cp-plan validate --data ', ['a.yaml', 'b.yml', 'sub/']],
    ['cp-plan calibrate -o ', ['a.yaml', 'b.yml', 'sub/']],
    ['cp-plan sweep --chart-file ', ['a.yaml', 'b.yml', 'c.txt', 'sub/']],
  ];
  for (const [line, expected] of cases) {
    test(`fish: ${line}<TAB> offers ${expected.join(' ') || 'nothing'}`, { skip: hasFish ? false : 'fish is not installed' }, () => {
      assert.deepEqual(complete(line), expected);
    });
  }

  test('fish: a preset flag offers the built-in names, YAML files and directories, not other files', {
    skip: hasFish ? false : 'fish is not installed',
  }, () => {
    const offered = complete('cp-plan estimate --cluster ');
    for (const name of ['gtt', 'h100-ib', 'a.yaml', 'b.yml', 'sub/']) assert.ok(offered.includes(name), `${name} in ${offered.join(' ')}`);
    assert.ok(!offered.includes('c.txt'));
  });
});

describe('cp-plan completion: bad input', () => {
  test('an unknown shell is a one-line error, exit 2', () => {
    const line = assertOneLineError(runCli(['completion', 'tcsh']));
    assert.match(line, /unknown shell 'tcsh'; choose bash, zsh or fish/);
  });

  test('a missing shell is a one-line error, exit 2', () => {
    const line = assertOneLineError(runCli(['completion']));
    assert.match(line, /shell/);
  });
});
