import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root, found from this file (test/helpers/), never from the cwd. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'cp-plan.cjs');

export interface CliResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

export interface RunOptions {
  /** Added to the minimal env; a value of '' removes the variable (e.g. { NO_COLOR: '' }). */
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Runs the built CLI (bin/cp-plan.cjs -> dist/) in a child process with a minimal
 * environment: PATH, NO_COLOR=1 and whatever opts.env adds. Assumes dist/ is built.
 */
export function runCli(args: string[], opts: RunOptions = {}): CliResult {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...opts.env };
  for (const [key, value] of Object.entries(env)) if (value === '') delete env[key];
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** Parses stdout as exactly one JSON document (JSON.parse rejects trailing text). */
export function parseJson(stdout: string): any {
  return JSON.parse(stdout);
}

/** The stderr lines, without the final newline. */
export function stderrLines(r: CliResult): string[] {
  return r.stderr.replace(/\n$/, '').split('\n');
}

/**
 * A usage/input error as the CLI promises it: the exit code, nothing on stdout,
 * exactly one newline-terminated stderr line `cp-plan: ...`, no stack trace.
 * Returns that line.
 */
export function assertOneLineError(r: CliResult, status = 2): string {
  assert.equal(r.status, status, `exit status (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', 'stdout must be empty');
  assert.ok(r.stderr.endsWith('\n'), `stderr must end with a newline: ${JSON.stringify(r.stderr)}`);
  const lines = stderrLines(r);
  assert.equal(lines.length, 1, `stderr must be one line, got:\n${r.stderr}`);
  const line = lines[0]!;
  assert.match(line, /^cp-plan: \S/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack frames');
  return line;
}
