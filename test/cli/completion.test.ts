import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { assertOneLineError, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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
  const complete = (...words: string[]): string[] => {
    const line = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-c', `source '${file}'; COMP_WORDS=(cp-plan ${line}); COMP_CWORD=${words.length}; _cp_plan; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      encoding: 'utf8',
      cwd: dir,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };

  const cases: [string[], string[]][] = [
    [['es'], ['estimate']],
    [['pre'], ['presets']],
    [['estimate', '--mo'], ['--model']],
    [['estimate', '--model', 'llama3-4'], ['llama3-405b']],
    [['plan', '--ctx', '1M', '--cluster', 'h1'], ['h100-ib']],
    [['plan', '--ctx', '1M', '--cluster', 'h2'], ['h20-ib', 'h200-ib']],
    [['estimate', '--engine', 's'], ['sglang']],
    [['estimate', '--variant', 'pass-'], ['pass-kv', 'pass-q']],
    [['sweep', '--format', ''], ['table', 'csv', 'json', 'markdown']],
    [['check', '--format', ''], ['table', 'markdown', 'json']],
    [['presets', ''], ['list', 'show']],
    [['presets', 'show', 'gt'], ['gti', 'gtt']],
    [['schema', ''], ['model', 'cluster', 'gpu', 'engine', 'kernels', 'collectives', 'measurements', 'collective-measurements', 'external-measurements', 'serving-measurements', 'workload', 'check']],
    [['collective', '--algorithm', 'nv'], []],
    [['collective', 'all-reduce', '--cl'], ['--cluster']],
    [['completion', ''], ['bash', 'zsh']],
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
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source '${file}'; print -r -- \${_comps[cp-plan]}; whence -w _cp_plan_presets_show`], {
      encoding: 'utf8',
      cwd: dir,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '_cp_plan\n_cp_plan_presets_show: function\n');
  });
});

describe('cp-plan completion: bad input', () => {
  test('an unknown shell is a one-line error, exit 2', () => {
    const line = assertOneLineError(runCli(['completion', 'fish']));
    assert.match(line, /unknown shell 'fish'; choose bash or zsh/);
  });

  test('a missing shell is a one-line error, exit 2', () => {
    const line = assertOneLineError(runCli(['completion']));
    assert.match(line, /shell/);
  });
});
