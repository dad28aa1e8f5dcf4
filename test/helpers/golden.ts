import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const GOLDEN_DIR = join(REPO_ROOT, 'test', 'golden');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The version string, but not as part of a longer number such as 10.1.0 or 0.1.05. */
const VERSION_RE = new RegExp(`(?<![\\d.])${escapeRe(VERSION)}(?![\\d.])`, 'g');

/** Replaces the volatile parts of CLI output: the package version becomes `[version]`. */
export function normalise(text: string): string {
  return text.replace(VERSION_RE, '[version]');
}

/**
 * Compares `actual` (normalised) with test/golden/<name>. With UPDATE_GOLDEN=1
 * the file is (re)written instead. Output that names this machine's checkout
 * is refused either way: golden files must not hold absolute paths.
 */
export function assertGolden(name: string, actual: string): void {
  const text = normalise(actual);
  assert.ok(!text.includes(REPO_ROOT), `golden ${name}: output contains the absolute repo path ${REPO_ROOT}`);
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `golden file test/golden/${name} is missing; run the tests with UPDATE_GOLDEN=1 to create it`);
  const expected = readFileSync(file, 'utf8');
  assert.equal(text, expected, `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it if the change is intended)`);
}
