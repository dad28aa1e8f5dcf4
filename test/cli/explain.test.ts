import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { parseJson, runCli } from '../helpers/run-cli.js';

const QUICK_START = ['estimate', '--ctx', '1M', '--nodes', '16'];

interface Term {
  phase: string;
  term: string;
  formula: string;
  value: number;
  unit: string;
}
const find = (terms: Term[], phase: string, name: string) => terms.find((t) => t.phase === phase && t.term === name);

describe('estimate --explain', () => {
  test('text: exit 0, the report, then the terms under a heading per phase, golden', () => {
    const r = runCli([...QUICK_START, '--explain']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    for (const heading of ['Layout', 'Inputs', 'Prefill', 'Decode', 'Memory', 'Choice']) {
      assert.ok(lines.includes(heading), `heading ${heading}`);
    }
    assert.ok(lines.indexOf('Prefill') < lines.indexOf('Decode'));
    assert.match(r.stdout, /^ {2}TTFT +\S+ s {2}= /m);
    assert.match(r.stdout, /^ {2}TTIT +\S+ ms {2}= /m);
    assert.ok(r.stdout.startsWith(runCli(QUICK_START).stdout), 'the report comes first, unchanged');
    assert.doesNotMatch(r.stdout, /\x1b\[|NaN|Infinity|undefined/);
    assertGolden('estimate-explain-1m.txt', r.stdout);
  });

  test('--json: an explain array of SI terms that agree with the document', () => {
    const r = runCli([...QUICK_START, '--json', '--explain']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.ok(Array.isArray(doc.explain) && doc.explain.length > 40);
    for (const t of doc.explain as Term[]) {
      assert.deepEqual(Object.keys(t).sort(), ['formula', 'phase', 'term', 'unit', 'value']);
      assert.ok(typeof t.value === 'number' && Number.isFinite(t.value), JSON.stringify(t));
      assert.ok(t.formula.length > 0 && t.unit.length > 0, JSON.stringify(t));
    }
    const ttft = find(doc.explain, 'prefill', 'TTFT')!;
    assert.equal(ttft.unit, 's');
    assert.ok(Math.abs(ttft.value * 1e3 - doc.prefill.ttftMs) <= 0.001, `${ttft.value} s vs ${doc.prefill.ttftMs} ms`);
    const ttit = find(doc.explain, 'decode', 'TTIT')!;
    assert.ok(Math.abs(ttit.value * 1e3 - doc.decode.ttitMs) <= 0.001);
    assert.equal(find(doc.explain, 'memory', 'capacity')!.value, doc.memory.perGpu.capacityBytes);
    assert.equal(find(doc.explain, 'choice', 'crossover miss rate')!.value.toFixed(6), doc.prefill.crossoverMissRate.toFixed(6));
  });

  test('--json without --explain has no explain key', () => {
    const doc = parseJson(runCli([...QUICK_START, '--json']).stdout);
    assert.equal('explain' in doc, false);
  });

  test('--json --explain on CP1: no ring or choice terms, and no null anywhere in the array', () => {
    const r = runCli(['estimate', '--ctx', '128K', '--nodes', '1', '--json', '--explain']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.prefill.crossoverMissRate, null);
    const terms = doc.explain as Term[];
    assert.doesNotMatch(JSON.stringify(terms), /null/);
    assert.equal(find(terms, 'prefill', 'All2All per layer'), undefined);
    assert.equal(find(terms, 'prefill', 'CP comm exposed')!.value, 0);
    assert.equal(terms.filter((t) => t.phase === 'choice').length, 0);
  });
});
