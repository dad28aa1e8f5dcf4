// Runs every test/**/*.test.ts with node's built-in runner (through tsx).
// Node 20's --test neither expands globs nor finds .ts files in a directory,
// so the file list is collected here; an empty list is an error, not a pass.
//
// Output: node's spec reporter (one line per test, a summary with "ℹ tests N")
// for people; TAP ("# tests N") when the CI environment variable is set, for CI
// logs and tools. A --test-reporter given on the command line wins. .ci/run
// reads either summary and fails when no test ran.
// CP_PLAN_TEST_DIR runs another directory's tests (the runner's own test uses it).
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const repo = join(import.meta.dirname, '..');
const root = resolve(repo, process.env.CP_PLAN_TEST_DIR ?? 'test');
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => relative(repo, join(root, f)));

if (files.length === 0) {
  console.error(`run-tests: no test files found under ${relative(repo, root) || '.'}/`);
  process.exit(1);
}

const args = process.argv.slice(2);
const reporter = args.some((a) => a.startsWith('--test-reporter')) ? [] : [`--test-reporter=${process.env.CI ? 'tap' : 'spec'}`];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporter, ...args, ...files], {
  stdio: 'inherit',
  cwd: repo,
});
process.exit(result.status ?? 1);
