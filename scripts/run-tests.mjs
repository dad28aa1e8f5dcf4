// Runs every test/**/*.test.ts with node's built-in runner (through tsx).
// Node 20's --test neither expands globs nor finds .ts files in a directory,
// so the file list is collected here; an empty list is an error, not a pass.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..', 'test');
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => join('test', f));

if (files.length === 0) {
  console.error('run-tests: no test files found under test/');
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  cwd: join(import.meta.dirname, '..'),
});
process.exit(result.status ?? 1);
