import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { estimateToJson, SCHEMA_VERSION } from '../../src/render/estimate-json.js';
import { gtt, llama405b, paperPrecision } from './specs.js';

const result = estimate({
  model: llama405b(),
  cluster: gtt(),
  precision: paperPrecision,
  layout: { nodes: 4 },
  workload: { contextTokens: 128_000, cachedTokens: 0, batch: 1 },
  variant: 'auto',
});
const doc = estimateToJson(result, { version: '9.9.9', modelFile: 'm.yaml', clusterFile: 'c.yaml' });

test('the JSON document carries the contract keys in the promised units', () => {
  assert.equal(doc.schemaVersion, SCHEMA_VERSION);
  assert.equal(doc.schemaVersion, 2);
  assert.deepEqual(doc.generator, { name: 'cp-plan', version: '9.9.9' });
  assert.deepEqual([doc.layout.nodes, doc.layout.tp, doc.layout.cp, doc.layout.gpus], [4, 8, 4, 32]);
  assert.equal(doc.prefill.ttftMs, Math.round(result.prefill.ttftSec * 1e6) / 1e3);
  assert.equal(doc.memory.perGpu.capacityBytes, 96e9);
  assert.equal(doc.memory.fits, result.memory.fits);
  assert.deepEqual([doc.model.file, doc.cluster.file], ['m.yaml', 'c.yaml']);
});

test('byte fields are integers and the total is exactly the sum of the parts', () => {
  const p = doc.memory.perGpu;
  for (const v of Object.values(p)) assert.ok(Number.isSafeInteger(v));
  assert.equal(p.totalBytes, p.weightsBytes + p.kvCacheBytes + p.activationBytes + p.reserveBytes);
});

test('the document is a pure function of the result', () => {
  assert.equal(JSON.stringify(doc), JSON.stringify(estimateToJson(result, { version: '9.9.9', modelFile: 'm.yaml', clusterFile: 'c.yaml' })));
});
