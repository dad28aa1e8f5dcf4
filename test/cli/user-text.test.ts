// A model file's displayName with a line break reaches no text output raw: terminal charts, serve's and the
// fleet plan's headers escape it (\r\n) as estimate, plan and check do, so a model file cannot forge a line in a CI log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

describe('user text in charts and headers', () => {
  let dir: string;
  let model: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-user-text-'));
    const shown = runCli(['presets', 'show', 'model/llama3-8b']);
    assert.equal(shown.status, 0, shown.stderr);
    model = join(dir, 'evil.yaml');
    writeFileSync(model, shown.stdout.replace(/^name:.*$/m, 'name: evil').replace(/^displayName:.*$/m, 'displayName: "Llama \\r\\nINJECTED | x"'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runs: [string, string[]][] = [
    ['sweep --chart', ['sweep', '--cluster', 'h100-ib', '--ctx', '128K', '--nodes', '1..3', '--chart']],
    ['sweep --chart-metric memory', ['sweep', '--cluster', 'h100-ib', '--ctx', '128K', '--nodes', '1..3', '--chart', '--chart-metric', 'memory']],
    ['serve', ['serve', '--cluster', 'h100-ib', '--isl', '1K', '--osl', '100', '--rate', '1/s', '--requests', '50']],
    ['plan --isl', ['plan', '--cluster', 'h100-ib', '--isl', '8K', '--osl', '1K', '--rate', '1/s', '--max-ttft', '10s']],
    ['plan --disaggregated', ['plan', '--cluster', 'h100-ib', '--isl', '8K', '--osl', '1K', '--rate', '1/s', '--max-ttft', '10s', '--disaggregated']],
  ];
  for (const [name, args] of runs) {
    test(`${name}: the name is escaped, never a line of its own`, () => {
      const r = runCli([...args, '--model', model]);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /^INJECTED/m);
      assert.match(r.stdout, /Llama \\r\\nINJECTED/);
    });
  }
});
