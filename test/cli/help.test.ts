import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, runCli } from '../helpers/run-cli.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

for (const [args, golden] of [
  [['--help'], 'help.txt'],
  [['estimate', '--help'], 'help-estimate.txt'],
  [['presets', '--help'], 'help-presets.txt'],
] as const) {
  test(`${args.join(' ')}: exit 0, help on stdout, golden ${golden}`, () => {
    const r = runCli([...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: cp-plan/);
    assertGolden(golden, r.stdout);
  });
}

test('-h is --help', () => {
  assert.equal(runCli(['-h']).stdout, runCli(['--help']).stdout);
});

test('--version prints the package.json version', () => {
  for (const flag of ['--version', '-V']) {
    const r = runCli([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    assert.equal(r.stderr, '');
  }
});

test('no arguments: exit 2 with one line naming the commands', () => {
  const r = runCli([]);
  assert.match(assertOneLineError(r), /missing command: one of estimate, serve, plan/);
});

test('unknown command: exit 2, one line', () => {
  assert.match(assertOneLineError(runCli(['frobnicate'])), /frobnicate/);
});

/** Each command's --help, from the built binary. */
const COMMAND_HELP = ['estimate', 'serve', 'plan', 'sweep', 'check', 'collective', 'validate', 'calibrate', 'schema', 'completion'];
const helpOf = (command: string) => {
  const r = runCli([command, '--help']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
/** The "Exit codes:" section at the end of a help text, as code -> meaning (continuation lines joined). */
function exitCodes(help: string): Map<string, string> {
  const start = help.indexOf('\nExit codes:\n');
  assert.ok(start >= 0, `an Exit codes section in:\n${help}`);
  const codes = new Map<string, string>();
  let last = '';
  for (const line of help.slice(start + '\nExit codes:\n'.length).split('\n')) {
    const m = /^ {2}(\d) {2}(.*)$/.exec(line);
    if (m) codes.set((last = m[1]!), m[2]!);
    else if (/^ {5}\S/.test(line) && last) codes.set(last, `${codes.get(last)} ${line.trim()}`);
    else break;
  }
  return codes;
}

test('each command states its own exit codes: no footer copied from estimate', () => {
  const failing: Record<string, RegExp> = {
    estimate: /does not fit in GPU memory/,
    serve: /misses an SLO|saturates/,
    plan: /no layout meets the SLOs/,
    check: /a scenario misses an SLO/,
    validate: /--max-mape or --max-error gate failed/,
  };
  for (const command of COMMAND_HELP) {
    const codes = exitCodes(helpOf(command));
    assert.deepEqual([...codes.keys()], failing[command] ? ['0', '1', '2', '3'] : ['0', '2', '3'], `${command}: exit codes listed`);
    if (failing[command]) assert.match(codes.get('1')!, failing[command]!, `${command}: what exit 1 means`);
    for (const meaning of codes.values()) assert.doesNotMatch(meaning, /for estimate/, `${command}: ${meaning}`);
    if (command !== 'estimate') assert.doesNotMatch(codes.get('0')! + (codes.get('1') ?? ''), /GPU memory/, `${command}: estimate's wording`);
  }
});

test('exit 3 in every help names where to report it (the repository in package.json)', () => {
  const bugs = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bugs: { url: string } }).bugs.url;
  for (const command of [...COMMAND_HELP, '']) {
    const codes = exitCodes(command ? helpOf(command) : runCli(['--help']).stdout);
    assert.ok(codes.get('3')!.includes(bugs), `${command || 'cp-plan'}: ${codes.get('3')}`);
  }
});

test('no option states its default twice (commander prints "(default: ...)")', () => {
  for (const command of [...COMMAND_HELP, 'presets list', 'presets show']) {
    const help = runCli([...command.split(' '), '--help']).stdout;
    // One entry per option: its first line starts with "  -", continuation lines are indented further.
    const entries = help.slice(help.indexOf('Options:'), help.search(/\n\n(Examples|Exit codes)/)).split(/\n(?= {2}-)/);
    for (const entry of entries) {
      const flat = entry.replace(/\s+/g, ' ');
      assert.ok((flat.match(/\bdefault\b/g) ?? []).length <= 1, `${command}: ${flat}`);
    }
  }
});

test('required options are marked (required)', () => {
  for (const [command, flag] of [
    ['estimate', '--ctx'],
    ['sweep', '--ctx'],
    ['collective', '--bytes'],
  ] as const) {
    const help = helpOf(command).replace(/\s+/g, ' ');
    const entry = help.slice(help.indexOf(` ${flag} <`), help.indexOf(' --', help.indexOf(` ${flag} <`) + 3));
    assert.match(entry, /\(required\)/, `${command} ${flag}: ${entry}`);
  }
  // plan's --ctx is not required (--isl, --osl and --rate replace it).
  assert.doesNotMatch(helpOf('plan').replace(/\s+/g, ' '), /\(required\)/);
});

test('the top-level help has examples, the exit codes and the documentation link', () => {
  const help = runCli(['--help']).stdout;
  assert.match(help, /\nExamples:\n {2}cp-plan estimate --ctx 1M --nodes 16/);
  assert.match(help, /\n {2}cp-plan help estimate /);
  assert.match(help, /\nDocumentation: https:\/\/github\.com\/cp-plan\/cp-plan#readme\n$/);
  for (const line of help.split('\n')) assert.ok(line.length <= 80, `wider than 80 columns: ${line}`);
});

test('an internal error names where to report it', async () => {
  const { main } = await import('../../src/program.js');
  let stderr = '';
  let calls = 0;
  const code = await main(['node', 'cp-plan', 'presets', 'list'], {
    stdout: () => {
      if (calls++ === 0) throw new Error('simulated failure');
    },
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: { NO_COLOR: '1' },
  });
  assert.equal(code, 3);
  assert.match(
    stderr,
    /^cp-plan: internal error: simulated failure; please report it at https:\/\/github\.com\/cp-plan\/cp-plan\/issues with the command you ran/,
  );
});
