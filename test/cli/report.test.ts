// --report FILE.html: the contract of the file (written whole, named .html, said on stderr), what it holds,
// and that it changes nothing else a command prints. The browser test is test/cli/report-browser.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { assertOneLineError, REPO_ROOT, runCli, stderrLines } from '../helpers/run-cli.js';
import { REPORT_RUNS } from '../helpers/report-runs.js';

describe('--report', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-report-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const run of REPORT_RUNS) {
    test(`${run.kind}: writes the page, says so on stderr, and leaves stdout and the exit code as they were`, () => {
      const file = join(dir, `${run.kind}.html`);
      const plain = runCli(run.args);
      const r = runCli([...run.args, '--report', file]);
      assert.equal(r.status, run.status, r.stderr);
      assert.equal(plain.status, run.status);
      assert.equal(r.stdout, plain.stdout, 'stdout carries only the result');
      assert.ok(stderrLines(r).includes(`cp-plan: wrote ${file}`), r.stderr);
      const html = readFileSync(file, 'utf8');
      assertSelfContained(html);
      assertAccessible(html);
      assert.match(html, /class="verdict (pass|fail)"/);
      assert.equal(runCli([...run.args, '--report', file]).status, run.status);
      assert.equal(readFileSync(file, 'utf8'), html, 'two runs write the same bytes');
    });
  }

  test('composes with --json: the JSON document on stdout, the page in its file', () => {
    const file = join(dir, 'e.htm');
    const args = ['estimate', '--ctx', '128K', '--nodes', '2', '--json'];
    const r = runCli([...args, '--report', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(runCli(args).stdout));
    assert.ok(readFileSync(file, 'utf8').startsWith('<!doctype html>'));
  });

  test('a name that is not .html or .htm is refused before any work, and nothing is written', () => {
    for (const args of REPORT_RUNS.map((x) => x.args)) {
      const file = join(dir, 'report.svg');
      const line = assertOneLineError(runCli([...args, '--report', file]));
      assert.match(line, /--report .*report\.svg: .*\.html or \.htm/);
      assert.ok(!existsSync(file));
    }
    // The scenarios file itself is never a report target.
    const yaml = join(dir, 's.yaml');
    writeFileSync(yaml, readFileSync(join(REPO_ROOT, 'examples', 'sizing.yaml')));
    assertOneLineError(runCli(['check', yaml, '--report', yaml]));
    assert.equal(readFileSync(yaml, 'utf8'), readFileSync(join(REPO_ROOT, 'examples', 'sizing.yaml'), 'utf8'));
  });

  test('bad input writes no report', () => {
    const file = join(dir, 'never.html');
    assertOneLineError(runCli(['estimate', '--ctx', '1M', '--nodes', '16', '--model', 'no-such-model', '--report', file]));
    assertOneLineError(runCli(['estimate', '--ctx', '1M', '--nodes', '16', '--report', join(dir, 'no', 'such', 'dir', 'x.html')]));
    assert.ok(!existsSync(file));
  });

  test("user text is escaped: a scenario's name with markup and control characters", () => {
    const yaml = join(dir, 'evil.yaml');
    const src = readFileSync(join(REPO_ROOT, 'examples', 'sizing-fails.yaml'), 'utf8').replace(
      'name: 1M prefill on 16 nodes',
      'name: "<script>alert(1)</script> \\e[31m red"',
    );
    writeFileSync(yaml, src);
    const file = join(dir, 'evil.html');
    const r = runCli(['check', yaml, '--report', file]);
    assert.equal(r.status, 1, r.stderr);
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes('<script>alert'), 'markup is escaped');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!html.includes('\x1b'), 'no raw control character');
    assert.ok(html.includes('\\x1b[31m red'));
  });

  test("check: every scenario's warnings beside its rows, and a missing layout's closest candidate", () => {
    const file = join(dir, 'check-warnings.html');
    const r = runCli(['check', join(REPO_ROOT, 'examples', 'sizing-fails.yaml'), '--json', '--report', file]);
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { scenarios: { name: string; warnings: string[] }[] };
    const html = readFileSync(file, 'utf8');
    const listed = [...html.matchAll(/<li id="check-warning-(\d+)"><strong>warning:<\/strong> ([^<]*)<\/li>/g)].map((m) => m[2] ?? '');
    const fromHtml = (s: string) => s.replaceAll('&#39;', "'").replaceAll('&gt;', '>').replaceAll('&lt;', '<').replaceAll('&amp;', '&');
    const all = [...new Set(doc.scenarios.flatMap((s) => s.warnings))];
    assert.ok(all.length > 0, 'the example has warnings');
    assert.deepEqual(listed.map(fromHtml), all, 'each distinct warning listed once, in order of first use');
    for (const s of doc.scenarios) {
      const rows = [...html.matchAll(/<tr[^>]*><td>([^<]*)<\/td>.*?<\/tr>/g)].filter((m) => fromHtml(m[1] ?? '') === s.name);
      assert.ok(rows.length > 0, s.name);
      for (const row of rows) {
        const marker = /<a href="#check-warnings">\[([\d,]+)\]<\/a>/.exec(row[0]);
        const linked = marker ? (marker[1] ?? '').split(',').map((n) => all[Number(n) - 1]) : [];
        assert.deepEqual(new Set(linked), new Set(s.warnings), `${s.name}: its row links its warnings`);
      }
    }
    assert.match(html, /closest 8 nodes TP8 x CP8 pass-KV does not meet TTFT: 142 s &gt; 60\.0 s/, 'why no layout was found');
  });

  test("plan and sweep: each row's warnings beside it, numbered under its table", () => {
    const fromHtml = (s: string) => s.replaceAll('&#39;', "'").replaceAll('&gt;', '>').replaceAll('&lt;', '<').replaceAll('&amp;', '&');
    const cases = [
      {
        prefix: 'best',
        args: ['plan', '--ctx', '1M', '--max-ttft', '60s', '--max-ttit', '100ms'],
        rows: (d: { candidates: { warnings: string[] }[] }) => d.candidates.map((c) => c.warnings),
      },
      {
        prefix: 'points',
        args: ['sweep', '--nodes', '1..4', '--ctx', '128K,1M'],
        rows: (d: { warnings: string[]; rows: { warnings: number[] }[] }) => d.rows.map((r) => r.warnings.map((k) => d.warnings[k] ?? '')),
      },
    ];
    for (const c of cases) {
      const file = join(dir, `${c.prefix}-warnings.html`);
      const r = runCli([...c.args, '--json', '--report', file]);
      assert.equal(r.status, 0, r.stderr);
      const expected = (c.rows as (d: unknown) => string[][])(JSON.parse(r.stdout));
      assert.ok(
        expected.some((w) => w.length > 0),
        `${c.prefix}: some row has warnings`,
      );
      const html = readFileSync(file, 'utf8');
      const body = html.slice(html.indexOf(`<h2 id="${c.prefix}">`));
      const table = body.slice(body.indexOf('<tbody>'), body.indexOf('</tbody>'));
      const notes = [...body.matchAll(new RegExp(`<li id="${c.prefix}-warning-(\\d+)"><strong>warning:</strong> ([^<]*)</li>`, 'g'))].map((m) =>
        fromHtml(m[2] ?? ''),
      );
      const rows = [...table.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => {
        const marker = new RegExp(`<a href="#${c.prefix}-warnings">\\[([\\d,]+)\\]</a>`).exec(m[1] ?? '');
        return marker ? (marker[1] ?? '').split(',').map((n) => notes[Number(n) - 1]) : [];
      });
      assert.deepEqual(
        rows.map((w) => [...w].sort()),
        expected.map((w) => [...w].sort()),
        `${c.prefix}: every row links the warnings its JSON row carries`,
      );
    }
  });

  test('a sweep of 1,000 points makes a page under 1 MB', () => {
    const file = join(dir, 'big.html');
    const r = runCli(['sweep', '--nodes', '1..8', '--ctx', '128K', '--miss-rate', '0.8%..100%:0.8%', '--report', file]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(file, 'utf8');
    const points = html.slice(html.indexOf('id="points"'));
    assert.equal((points.match(/<tr/g) ?? []).length, 1 + 1000, 'every point in the table');
    assert.equal((html.match(/<circle class="point/g) ?? []).length, 3 * 1000, 'every point in each chart');
    assert.ok(statSync(file).size < 1e6, `${statSync(file).size} bytes`);
    assert.equal((html.match(/<svg/g) ?? []).length, 3);
  });
});

test("the README's report screenshot was taken of the page the CLI writes today", () => {
  // scripts/report-screenshot.mjs writes docs/report.html and its screenshot docs/report.png; UPDATE_GOLDEN=1 reruns it.
  const docs = join(REPO_ROOT, 'docs', 'report.html');
  if (process.env.UPDATE_GOLDEN === '1') {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'report-screenshot.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const dir = mkdtempSync(join(tmpdir(), 'cp-plan-readme-report-'));
  try {
    const r = runCli(['estimate', '--ctx', '1M', '--nodes', '16', '--report', 'report.html'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      readFileSync(docs, 'utf8'),
      readFileSync(join(dir, 'report.html'), 'utf8'),
      'docs/report.html is stale: run node scripts/report-screenshot.mjs (or UPDATE_GOLDEN=1 npm test)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(existsSync(join(REPO_ROOT, 'docs', 'report.png')), 'docs/report.png exists');
  assert.match(
    readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'),
    /!\[[^\]]*\]\(https:\/\/raw\.githubusercontent\.com\/[^)]*\/docs\/report\.png\)/,
    'the README shows the screenshot',
  );
});

/** One file: no scripts, styles, images or fonts fetched from anywhere. */
export function assertSelfContained(html: string): void {
  assert.ok(html.startsWith('<!doctype html>'));
  assert.doesNotMatch(html, /\s(src|href)\s*=\s*"(?!#)/i, 'nothing loaded from a URL (links within the page only)');
  assert.doesNotMatch(html, /<link\b|@import|url\(/i, 'no external stylesheet, import or url()');
  assert.match(html, /prefers-color-scheme:\s*dark/, 'a dark colour scheme');
  assert.match(html, /@media print/, 'print CSS');
}

/** Accessibility basics: a language, a title, every chart an image with a title, every header cell scoped. */
export function assertAccessible(html: string): void {
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<title>[^<]+<\/title>/);
  const svgs = [...html.matchAll(/<svg[^>]*>\n<title id="([^"]+)">([^<]+)<\/title>/g)];
  assert.equal(svgs.length, (html.match(/<svg/g) ?? []).length, 'every chart starts with its <title>');
  for (const m of svgs) assert.ok(html.includes(`role="img" aria-labelledby="${m[1]}"`), `chart ${m[1]} is an image labelled by its title`);
  assert.equal(new Set(svgs.map((m) => m[1])).size, svgs.length, 'chart ids are unique');
  const th = html.match(/<th\b[^>]*>/g) ?? [];
  assert.ok(th.length > 0);
  for (const t of th) assert.match(t, /scope="(col|row)"/);
}
