// Regenerates the README's report screenshot: docs/report.html (the page, from the built CLI) and
// docs/report.png (its top, as headless Chromium draws it). Run after `npm run build`:
//   node scripts/report-screenshot.mjs
// test/cli/report.test.ts checks that docs/report.html is what the CLI writes today
// (UPDATE_GOLDEN=1 reruns this script).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
/** The command the README shows; run in a scratch folder so that the page names report.html, not a temp path. */
const SCREENSHOT_ARGS = ['estimate', '--ctx', '1M', '--nodes', '16', '--report', 'report.html'];

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-screenshot-'));
try {
  const run = spawnSync(process.execPath, [join(root, 'bin', 'cp-plan.cjs'), ...SCREENSHOT_ARGS], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
  });
  if (run.status !== 0) throw new Error(`cp-plan failed: ${run.stderr}`);
  copyFileSync(join(dir, 'report.html'), join(root, 'docs', 'report.html'));
  const chromium = process.env.CHROMIUM ?? 'chromium';
  const shot = spawnSync(
    chromium,
    [
      '--headless=new',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'profile')}`,
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--window-size=1000,1500',
      `--screenshot=${join(root, 'docs', 'report.png')}`,
      pathToFileURL(join(dir, 'report.html')).href,
    ],
    { encoding: 'utf8' },
  );
  if (shot.status !== 0) throw new Error(`${chromium} could not take the screenshot (status ${shot.status}): ${shot.stderr.split('\n').slice(-3).join(' ')}`);
  console.log('wrote docs/report.html and docs/report.png');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
