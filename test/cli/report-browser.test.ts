// Each kind of --report opened in a real headless Chromium (DevTools protocol over a pipe; no dependency):
// no console error, every chart with axes, labels and data points in the DOM, the sortable tables sort,
// nothing wider than a 400-pixel screen. Screenshots (light, dark, narrow) and a PDF go to test-artifacts/.
// Skipped, saying why, only where no Chromium is installed (.ci/run installs Debian's chromium).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Browser, findChromium } from '../helpers/chromium.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { REPORT_RUNS } from '../helpers/report-runs.js';

const chromium = findChromium();
const skip = chromium ? false : 'no Chromium on this machine: install it (Debian: apt-get install chromium, as .ci/run does) or set CHROMIUM=/path/to/chrome';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** What the page's DOM says about its charts, tables and width. */
interface Inspection {
  charts: { id: string; title: string; axes: number; ticks: number; labels: number; points: number; hovers: number }[];
  sortable: number;
  sorted: boolean;
  verdict: string;
  scrollWidth: number;
  innerWidth: number;
}

const INSPECT = `(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => ({
    id: svg.getAttribute('aria-labelledby') ?? '',
    title: document.getElementById(svg.getAttribute('aria-labelledby') ?? '')?.textContent ?? '',
    axes: svg.querySelectorAll('line.axis').length,
    ticks: svg.querySelectorAll('text.tick').length,
    labels: svg.querySelectorAll('text.label').length,
    points: svg.querySelectorAll('.point').length,
    hovers: svg.querySelectorAll('.point > title').length,
  }));
  const tables = document.querySelectorAll('table.sortable');
  let sorted = tables.length === 0;
  if (tables.length) {
    const th = tables[0].querySelector('thead th');
    th.click();
    sorted = th.getAttribute('aria-sort') === 'ascending';
    th.click();
    sorted = sorted && th.getAttribute('aria-sort') === 'descending';
  }
  return {
    charts, sortable: tables.length, sorted,
    verdict: document.querySelector('.verdict')?.textContent ?? '',
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    innerWidth: window.innerWidth,
  };
})()`;

describe('--report in a browser', { skip }, () => {
  let dir: string;
  let browser: Browser;
  const pages = new Map<string, string>();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-browser-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const runs = [
      ...REPORT_RUNS,
      { kind: 'sweep-1000', args: ['sweep', '--nodes', '1..8', '--ctx', '128K', '--miss-rate', '0.8%..100%:0.8%'], status: 0 },
      { kind: 'miss-rate', args: ['sweep', '--nodes', '4', '--ctx', '128K', '--miss-rate', '1%..30%'], status: 0 },
    ];
    // The check file copied under a long directory name: a path is one unbreakable word, and a report
    // must wrap it at 400 px wherever the checkout lives (CI's clone path is longer than a developer's).
    const deep = join(dir, 'aCheckoutDirectoryWithALongNameAsCiMachinesHave', 'examples');
    mkdirSync(deep, { recursive: true });
    const checkFile = join(deep, 'sizing-fails.yaml');
    copyFileSync(join(REPO_ROOT, 'examples', 'sizing-fails.yaml'), checkFile);
    for (const run of runs) {
      const file = join(dir, `${run.kind}.html`);
      const args = run.kind === 'check' ? ['check', checkFile] : run.args;
      const r = runCli([...args, '--report', file]);
      assert.equal(r.status, run.status, r.stderr);
      pages.set(run.kind, file);
    }
    browser = await Browser.launch(chromium as string);
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of [...REPORT_RUNS.map((r) => r.kind), 'sweep-1000', 'miss-rate']) {
    test(`${kind}: opens with no console error, charts with axes, labels and points, sortable tables`, async () => {
      const url = pathToFileURL(pages.get(kind)!).href;
      const tab = await browser.open(url, 1100, 900);
      const page = await tab.evaluate<Inspection>(INSPECT);
      writeFileSync(join(ARTIFACTS, `report-${kind}.png`), await tab.screenshot());
      if (kind === 'estimate') writeFileSync(join(ARTIFACTS, `report-${kind}.pdf`), await tab.pdf());
      assert.deepEqual(tab.errors, [], 'no console error or exception');
      await tab.close();
      assert.ok(page.verdict.length > 0, 'the answer comes first');
      assert.ok(page.charts.length >= 1, 'at least one chart');
      for (const c of page.charts) {
        assert.ok(c.title.length > 0, `chart ${c.id} has a title`);
        assert.equal(c.axes, 2, `chart ${c.id}: two axes`);
        assert.ok(c.ticks >= 2, `chart ${c.id}: tick labels`);
        assert.ok(c.labels >= 2, `chart ${c.id}: a heading and axis labels`);
        assert.ok(c.points >= 1, `chart ${c.id}: data points`);
        assert.equal(c.hovers, c.points, `chart ${c.id}: every point has a hover value`);
      }
      assert.ok(page.sortable >= 1 && page.sorted, 'a sortable table sorts both ways');
      if (kind === 'miss-rate')
        assert.ok(
          page.charts.some((c) => c.title.startsWith('TTFT')),
          'the pass-KV vs pass-Q chart',
        );
    });

    test(`${kind}: readable on a 400-pixel screen and in the dark`, async () => {
      const url = pathToFileURL(pages.get(kind)!).href;
      const narrow = await browser.open(url, 400, 800);
      const page = await narrow.evaluate<Inspection>(INSPECT);
      writeFileSync(join(ARTIFACTS, `report-${kind}-400px.png`), await narrow.screenshot());
      await narrow.close();
      assert.ok(page.scrollWidth <= page.innerWidth, `no horizontal overflow of the body at 400px: ${page.scrollWidth} > ${page.innerWidth}`);
      const dark = await browser.open(url, 1100, 900, true);
      const background = await dark.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      if (kind === 'estimate') writeFileSync(join(ARTIFACTS, `report-${kind}-dark.png`), await dark.screenshot());
      assert.deepEqual(dark.errors, []);
      await dark.close();
      assert.equal(background, 'rgb(13, 17, 23)', 'the dark colour scheme applies');
    });
  }
});
