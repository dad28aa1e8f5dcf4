import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const passing = write(
  'pass.yaml',
  `scenarios:
  - name: 1M on 16 nodes
    layout: { nodes: 16 }
    workload: { ctx: 1M }
    slo: { maxTtft: 90s, minMaxContext: 1M }
  - name: chat 5% miss
    layout: { nodes: 4 }
    workload: { ctx: 128K, missRate: 5% }
    slo: { maxTtft: 2s, maxTtit: 120ms }
`,
);

describe('cp-plan check', () => {
  test('all scenarios pass: exit 0, a table with margins', () => {
    const r = runCli(['check', passing]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      r.stderr
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('cp-plan: warning: ')),
      r.stderr,
    );
    assert.match(r.stdout, /2 of 2 scenarios pass/);
    assert.match(r.stdout, /\+\d+\.\d%/);
  });

  test('the shipped passing example: every scenario passes, exit 0', () => {
    const r = runCli(['check', 'examples/sizing.yaml']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      r.stderr
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('cp-plan: warning: ')),
      r.stderr,
    );
    assert.match(r.stdout, /3 of 3 scenarios pass/);
  });

  test('the shipped failing example (fails on purpose, and says so): one scenario misses its SLO, exit 1, named on stderr; markdown golden', () => {
    const example = 'examples/sizing-fails.yaml'; // relative to the repo root, where runCli runs
    assert.match(readFileSync(join(REPO_ROOT, example), 'utf8'), /^# FAILS ON PURPOSE: /m);
    const r = runCli(['check', example, '--format', 'markdown']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^(cp-plan: warning: .*\n)*cp-plan: check failed: '1M in under a minute on 8 nodes' misses an SLO\n$/);
    assert.match(r.stdout, /^### cp-plan check: SLOs missed/);
    assert.match(r.stdout, /❌ FAIL/);
    assertGolden('check-sizing.md', r.stdout);
  });

  test('--json: one document with per-check margins; a planned scenario reports the layout it chose', () => {
    const r = runCli(['check', join(REPO_ROOT, 'examples', 'sizing-fails.yaml'), '--json']);
    assert.equal(r.status, 1);
    const doc = parseJson(r.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.pass, false);
    const planned = doc.scenarios.find((s: { name: string }) => s.name === 'smallest cluster for 70B at 512K');
    assert.ok(planned.pass && planned.layout.nodes >= 1);
    const failed = doc.scenarios.find((s: { pass: boolean }) => !s.pass);
    assert.equal(failed.layout, null);
    assert.match(failed.reason, /closest .* does not meet TTFT/);
    for (const s of doc.scenarios) for (const c of s.checks) assert.equal(typeof c.margin, 'number');
  });

  test('--json names units in its keys like every other document: limitMs/predictedMs, …Bytes, …Tokens', () => {
    const r = runCli(['check', passing, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const [first, second] = parseJson(r.stdout).scenarios;
    const by = (s: { checks: { check: string }[] }, check: string) => s.checks.find((c) => c.check === check) as Record<string, unknown>;
    assert.equal(by(first, 'maxTtft').limitMs, 90_000);
    assert.equal(typeof by(first, 'maxTtft').predictedMs, 'number');
    assert.equal(by(second, 'maxTtit').limitMs, 120);
    assert.equal(by(first, 'minMaxContext').limitTokens, 1_000_000);
    assert.equal(typeof by(first, 'mustFit').limitBytes, 'number');
    for (const s of [first, second]) for (const c of s.checks) assert.ok(!('limit' in c) && !('predicted' in c), JSON.stringify(c));
  });

  // Issue 16: a scenario past the model's maximum context, or with extrapolated CP decode, used to pass silently.
  test('warnings: on stderr once each (naming the scenarios), marked in the table and markdown, per scenario in JSON', () => {
    const file = write(
      'warn.yaml',
      `scenarios:
  - name: past the context
    layout: { nodes: 16 }
    workload: { ctx: 1M }
    slo: { maxTtft: 90s }
  - name: also past it
    layout: { nodes: 16 }
    workload: { ctx: 1M }
    slo: { maxTtit: 1s }
`,
    );
    const table = runCli(['check', file]);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stderr.trimEnd().split('\n');
    const context = lines.filter((l) => /exceeds llama3-405b's configured maximum of 131072/.test(l));
    assert.deepEqual(context.length, 1, table.stderr);
    assert.match(context[0]!, /^cp-plan: warning: 'past the context', 'also past it': context of 1000000 tokens exceeds/);
    assert.equal(lines.filter((l) => /decode under CP16 is extrapolated/.test(l)).length, 1, table.stderr);
    assert.equal(new Set(lines).size, lines.length, 'identical warnings once');
    assert.match(table.stdout, /pass \[\d+(,\d+)*\]/);
    assert.match(table.stdout, /^Warnings:\n {2}\[1\] /m);
    assert.match(table.stdout, /\[\d\] decode under CP16 is extrapolated: CP decode was measured only up to CP2/);
    assert.match(table.stdout, /\[\d\] context of 1000000 tokens exceeds/);
    const markdown = runCli(['check', file, '--format', 'markdown']);
    assert.match(markdown.stdout, /✅ pass \[\d+(,\d+)*\] \|/);
    assert.match(markdown.stdout, /^- \[\d\] context of 1000000 tokens exceeds/m);
    const doc = parseJson(runCli(['check', file, '--json']).stdout);
    for (const s of doc.scenarios) {
      assert.ok(
        s.warnings.some((w: string) => /exceeds llama3-405b's configured maximum/.test(w)),
        JSON.stringify(s.warnings),
      );
      assert.ok(
        s.warnings.some((w: string) => /decode under CP16 is extrapolated/.test(w)),
        JSON.stringify(s.warnings),
      );
    }
  });

  test('invalid files: exit 2 with file:line, nothing on stdout', () => {
    const cases: [string, string, RegExp][] = [
      [
        'unit.yaml',
        'scenarios:\n  - name: x\n    layout: { nodes: 1 }\n    workload: { ctx: 1Mb }\n    slo: {}\n',
        /unit\.yaml:4:\d+: scenarios\.0\.workload\.ctx: '1Mb' is not a token count/,
      ],
      [
        'duration.yaml',
        'scenarios:\n  - name: x\n    layout: { nodes: 1 }\n    workload: { ctx: 8K }\n    slo: { maxTtft: 9 parsecs }\n',
        /duration\.yaml:5:\d+: scenarios\.0\.slo\.maxTtft: '9 parsecs' is not a duration/,
      ],
      [
        'bare.yaml',
        'scenarios:\n  - name: x\n    layout: { nodes: 1 }\n    workload: { ctx: 8K }\n    slo: { maxTtit: 40 }\n',
        /bare\.yaml:5:\d+: scenarios\.0\.slo\.maxTtit: 40 has no unit; write 40ms or 40s$/m,
      ],
      ['neither.yaml', 'scenarios:\n  - name: x\n    workload: { ctx: 8K }\n    slo: {}\n', /neither\.yaml:2:\d+: scenarios\.0: give either layout or plan/],
      [
        'typo.yaml',
        'scenarios:\n  - name: x\n    layout: { nodes: 1 }\n    workload: { ctx: 8K }\n    slo: { maxTTFT: 1s }\n',
        /typo\.yaml:5:\d+: scenarios\.0\.slo: unknown key 'maxTTFT'/,
      ],
      ['empty-list.yaml', 'scenarios: []\n', /empty-list\.yaml:1:\d+: scenarios: /],
      ['syntax.yaml', 'scenarios:\n  - name: [x\n', /syntax\.yaml:\d+:\d+: invalid YAML/],
    ];
    for (const [name, text, message] of cases) {
      const r = runCli(['check', write(name, text)]);
      assertOneLineError(r);
      assert.match(r.stderr, message, name);
    }
    assertOneLineError(runCli(['check', join(dir, 'missing.yaml')]));
    const badLayout = runCli([
      'check',
      write('layout.yaml', 'scenarios:\n  - name: x\n    layout: { nodes: 1, tp: 3 }\n    workload: { ctx: 8K }\n    slo: {}\n'),
    ]);
    assertOneLineError(badLayout);
    assert.match(badLayout.stderr, /--tp 3/);
  });

  test('cp-plan schema check prints the JSON Schema shipped as schema/check.json', () => {
    const r = runCli(['schema', 'check']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, readFileSync(join(REPO_ROOT, 'schema', 'check.json'), 'utf8'));
    assert.match(JSON.parse(r.stdout).$schema, /json-schema\.org/);
    assertOneLineError(runCli(['schema', 'plan']));
  });
});
