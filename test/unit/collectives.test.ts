import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allToAllSec, ringAllReduceSec, sendRecvSec } from '../../src/model/collectives.js';
import type { LinkSpec } from '../../src/model/types.js';

const link: LinkSpec = { name: 'l', kind: 'k', bytesPerSec: 100e9, peerBytesPerSec: 50e9, latencySec: 10e-6, efficiency: 0.5 };

test('ring AllReduce: 2(n-1) latency hops plus 2(n-1)/n of the payload at achieved bandwidth', () => {
  // n = 8, 1 GB: 14 * 10 us + 1.75 * 1e9 / 50e9 = 0.14 ms + 35 ms
  assert.ok(Math.abs(ringAllReduceSec(1e9, 8, link) - (14e-6 * 10 + 0.035)) < 1e-12);
  assert.equal(ringAllReduceSec(1e9, 1, link), 0);
});

test('SendRecv uses the per-peer bandwidth; All2All the aggregate, with one latency per peer', () => {
  assert.ok(Math.abs(sendRecvSec(25e9 * 0.5, link) - (10e-6 + 0.5)) < 1e-12);
  assert.ok(Math.abs(allToAllSec(50e9, 4, link) - (3 * 10e-6 + 1)) < 1e-12);
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
