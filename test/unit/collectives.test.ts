import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allToAllSec, ringAllReduceSec, sendRecvSec } from '../../src/model/collectives.js';
import type { LinkSpec } from '../../src/model/types.js';

const link: LinkSpec = { name: 'l', kind: 'k', bytesPerSec: 100e9, peerBytesPerSec: 50e9, latencySec: 10e-6, hopLatencySec: 1e-6, efficiency: 0.5, allToAllEfficiency: 0.25 };

test('ring AllReduce: one start latency, 2(n-1) hop latencies, 2(n-1)/n of the payload at achieved bandwidth', () => {
  // n = 8, 1 GB: 10 us + 14 * 1 us + 1.75 * 1e9 / 50e9 = 24 us + 35 ms
  assert.ok(Math.abs(ringAllReduceSec(1e9, 8, link) - (24e-6 + 0.035)) < 1e-12);
  assert.equal(ringAllReduceSec(1e9, 1, link), 0);
});

test('SendRecv uses the per-peer bandwidth; All2All the aggregate, with one latency per peer', () => {
  assert.ok(Math.abs(sendRecvSec(25e9 * 0.5, link) - (10e-6 + 0.5)) < 1e-12);
  // All2All: one message latency per peer, bytes at its own efficiency (0.25 of 100 GB/s).
  assert.ok(Math.abs(allToAllSec(25e9, 4, link) - (3 * 10e-6 + 1)) < 1e-12);
  assert.equal(allToAllSec(1e9, 1, link), 0);
});

test('collective time grows with payload and never goes negative', () => {
  let prev = 0;
  for (const bytes of [0, 1, 1e3, 1e6, 1e9]) {
    const t = ringAllReduceSec(bytes, 8, link);
    assert.ok(t >= prev && t >= 0);
    prev = t;
  }
});
