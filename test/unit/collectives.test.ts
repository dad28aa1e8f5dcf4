// Independent checks of the NCCL collective model (src/model/hardware/collectives.ts, topology.ts).
// Expected values are derived by hand from NCCL v2.30.7 src/graph/tuning.cc (ncclTopoTuneModel,
// ncclTopoGetAlgoTime) and src/enqueue.cc (P2P LL threshold), on a synthetic cluster with round numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COLLECTIVE_OPS,
  allToAll,
  busBandwidthFactor,
  collective,
  sendRecv,
  type Algorithm,
  type CollectiveCost,
  type CollectiveOp,
} from '../../src/model/hardware/collectives.js';
import { contiguousGroups, groupGeometry, nicBytesPerSecPerGpu, singleDomainGroup, stridedGroups, type CommGroup } from '../../src/model/hardware/topology.js';
import type { ClusterSpec } from '../../src/model/types.js';
import { shipped } from './specs.js';
import { builtinNames } from '../../src/presets/catalog.js';
import { seriesGroup } from '../../src/validation/collectives.js';
import { rng } from '../../src/serving/traffic.js';

/** The group nccl-tests forms on `gpus` GPUs packed node by node. */
const groupOfGpus = (gpus: number, c: ClusterSpec): CommGroup => seriesGroup({ gpus }, c);

const US = 1e-6;
const GiB = 2 ** 30;

function close(actual: number, expected: number, what = '', rel = 1e-9): void {
  const tol = rel * Math.max(Math.abs(expected), 1e-15);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

function must(c: CollectiveCost | null): CollectiveCost {
  assert.ok(c, 'expected a cost, got null');
  return c;
}

const h100 = (): ClusterSpec => structuredClone(shipped('h100-ib'));

/**
 * Round numbers on H100's NCCL constants (Hopper, Intel host): NVLink 100 GB/s per direction, 50 GB/s
 * to one peer; 8 NICs of 10 GB/s per 8-GPU node (10 GB/s per GPU); every efficiency 1; no measured
 * extra latency, no pipeline fill, no NVLS, no SHARP.
 */
function synthetic(): ClusterSpec {
  const base = h100();
  return {
    ...base,
    gpusPerNode: 8,
    nvlinkDomainGpus: 8,
    nicsPerNode: 8,
    hostCpu: 'intel',
    gpu: { ...base.gpu, generation: 'hopper' },
    scaleUp: {
      ...base.scaleUp,
      bytesPerSec: 100e9,
      peerBytesPerSec: 50e9,
      busEfficiency: 1,
      sendRecvEfficiency: 1,
      allToAllEfficiency: 1,
      extraLatencySec: 0,
      pipelineFillSec: 0,
      pipelineFillHalfBytes: 0,
      linkClass: 'nvlink',
      nvlsBusBytesPerSec: null,
      inNetworkReduction: false,
    },
    scaleOut: {
      ...base.scaleOut,
      bytesPerSec: 10e9,
      peerBytesPerSec: 10e9,
      busEfficiency: 1,
      sendRecvEfficiency: 1,
      allToAllEfficiency: 1,
      extraLatencySec: 0,
      pipelineFillSec: 0,
      pipelineFillHalfBytes: 0,
      linkClass: 'net',
      nvlsBusBytesPerSec: null,
      inNetworkReduction: false,
    },
  };
}

const g = (size: number, perDomain: number, domains: number): CommGroup => ({ size, perDomain, domains });

// ---------------------------------------------------------------------------------------------
// 0. The constants are NCCL's (tuning.cc ncclTunerConstantsDefaults at v2.30.7, in µs).
// ---------------------------------------------------------------------------------------------
describe('NCCL constants as loaded', () => {
  test('base and hop latencies, LL ceilings, protocol factors match tuning.cc', () => {
    const lib = h100().collectives;
    const triple = (t: readonly number[], us: number[], what: string) => us.forEach((v, i) => close(t[i]!, v * US, `${what}[${i}]`));
    triple(lib.baseLatencySec.tree, [6.8, 14.0, 8.4], 'base tree');
    triple(lib.baseLatencySec.ring, [6.6, 14.0, 8.4], 'base ring');
    triple(lib.hopLatencySec.nvlink.tree, [0.6, 1.25, 4.0], 'nvlink tree');
    triple(lib.hopLatencySec.nvlink.ring, [0.6, 1.9, 3.4], 'nvlink ring');
    triple(lib.hopLatencySec.nvlink.nvls, [0, 0, 25], 'nvlink nvls');
    triple(lib.hopLatencySec.nvlink.nvlsTree, [0, 0, 25], 'nvlink nvlsTree');
    triple(lib.hopLatencySec.pci.ring, [1.0, 2.5, 5.7], 'pci ring');
    triple(lib.hopLatencySec.net.tree, [5.0, 8.5, 14], 'net tree');
    triple(lib.hopLatencySec.net.ring, [2.7, 4.0, 14.0], 'net ring');
    triple(lib.hopLatencySec.net.nvlsTree, [0, 0, 20.9], 'net nvlsTree');
    triple(lib.hopLatencySec.net.collnetDirect, [0, 0, 31], 'net collnetDirect');
    close(lib.llMaxBusBytesPerSec.singleNode.hopper, 141e9, 'LL max hopper N1');
    close(lib.llMaxBusBytesPerSec.singleNode.blackwell, 282e9, 'LL max blackwell N1');
    close(lib.llMaxBusBytesPerSec.twoNodes.intel, 39e9, 'LL max intel N2');
    close(lib.llMaxBusBytesPerSec.moreNodes.intel, 20.4e9, 'LL max intel N4');
    close(lib.llMaxBusBytesPerSec.twoNodes.amd, 22.5e9, 'LL max amd N2');
    close(lib.llMaxBusBytesPerSec.moreNodes.amd, 19.0e9, 'LL max amd N4');
    const f = lib.protocolBandwidthFactor;
    assert.equal(f.ringLl, 0.5);
    assert.equal(f.ringLl128, 0.92);
    assert.equal(f.treeAllReduce, 0.92);
    close(f.treeLl, 1 / 3.8, 'tree LL', 1e-5);
    close(f.treeLl128SingleNode, 7 / 9, 'tree LL128 N1', 1e-5);
    close(f.treeLl128MultiNode, 120 / 128, 'tree LL128 Nn', 1e-9);
    assert.equal(lib.ringPlateauLatencyFactor, 1.4);
    close(lib.netOverheadSec.intel, 1 * US, 'net overhead intel');
    close(lib.netOverheadSec.amd, 2 * US, 'net overhead amd');
    assert.equal(lib.netOverheadSimpleFactor, 3);
    assert.equal(lib.p2pLlThresholdBytes, 16384);
  });
});

// ---------------------------------------------------------------------------------------------
// 1. Closed forms on the synthetic cluster.
// ---------------------------------------------------------------------------------------------
describe('closed forms (synthetic cluster)', () => {
  const c = synthetic();
  const eight = singleDomainGroup(8);

  /*
   * 8-GPU ring all-reduce, one NVLink domain: nsteps = 2(n-1) = 14, nInterSteps = 0, ratio n/nsteps = 8/14.
   * busBw = 100 GB/s (NVLink x busEfficiency 1).
   *   LL:     lat = 6.6 + 14 x 0.6 = 15.0 µs;  busBw = min(llMax 141, 100 x 0.5) = 50 GB/s
   *   LL128:  lat = 14.0 + 14 x 1.9 = 40.6 µs; busBw = 100 x 0.92 = 92 GB/s
   *   Simple: lat = 8.4 + 14 x 3.4 = 56.0 µs;  busBw = 100 GB/s
   * time = lat + bytes / (busBw x 8/14).
   */
  const ring8 = {
    LL: (b: number) => 15.0 * US + (b * 14) / (8 * 50e9),
    LL128: (b: number) => 40.6 * US + (b * 14) / (8 * 92e9),
    Simple: (b: number) => 56.0 * US + (b * 14) / (8 * 100e9),
  };
  const ring8Lat = { LL: 15.0 * US, LL128: 40.6 * US, Simple: 56.0 * US };

  test('8-GPU ring all-reduce: each protocol where it is the fastest ring', () => {
    // LL -> LL128 crossover: 25.6 µs / (3.5e-11 - 1.9022e-11 s/B) = 1.60 MB; LL128 -> Simple: 15.4 µs / 1.52e-12 = 10.1 MB.
    const cases: [number, 'LL' | 'LL128' | 'Simple'][] = [
      [8, 'LL'],
      [1e6, 'LL'],
      [4 * 2 ** 20, 'LL128'],
      [8e6, 'LL128'],
      [16 * 2 ** 20, 'Simple'],
      [GiB, 'Simple'],
    ];
    for (const [bytes, p] of cases) {
      const r = must(collective('all-reduce', bytes, eight, c, ['ring']));
      assert.equal(r.algorithm, 'ring');
      assert.equal(r.protocol, p, `${bytes} B`);
      close(r.latencySec, ring8Lat[p], `${p} latency`);
      close(r.sec, ring8[p](bytes), `${p} time at ${bytes} B`);
    }
  });

  test('8-GPU ring all-reduce: the choice is the argmin of the three hand-computed protocols at every size', () => {
    for (let e = 0; e <= 32; e += 0.5) {
      const bytes = Math.round(2 ** e);
      const r = must(collective('all-reduce', bytes, eight, c, ['ring']));
      const best = Math.min(ring8.LL(bytes), ring8.LL128(bytes), ring8.Simple(bytes));
      close(r.sec, best, `${bytes} B`);
    }
  });

  test('ring LL bandwidth is capped by NCCL llMaxBw (Hopper, one node: 141 GB/s)', () => {
    const fast = synthetic();
    fast.scaleUp.bytesPerSec = 400e9; // 400 x 0.5 = 200 > 141: the ceiling binds
    const bytes = 100_000; // LL128 would take 40.6 µs + 0.38 µs; LL takes 15 µs + 1.24 µs
    const r = must(collective('all-reduce', bytes, eight, fast, ['ring']));
    assert.equal(r.protocol, 'LL');
    close(r.sec, 15.0 * US + (bytes * 14) / (8 * 141e9), 'LL at the ceiling');
  });

  test('fastest protocol: ring LL at 8 B, ring Simple at 1 GiB (tree and NVLS lose)', () => {
    // 8 B: tree LL lat = 6.8 + 2 x 7 x 0.6 = 15.2 µs > ring LL 15.0 µs.
    const small = collective('all-reduce', 8, eight, c);
    assert.equal(small.algorithm, 'ring');
    assert.equal(small.protocol, 'LL');
    close(small.sec, ring8.LL(8), '8 B');
    const tree = must(collective('all-reduce', 8, eight, c, ['tree']));
    assert.equal(tree.protocol, 'LL');
    // tree LL busBw = 100 x 0.92 / 3.8; algBw = busBw x 0.5; bytes < 64: no correction.
    close(tree.sec, 15.2 * US + 8 / (((100e9 * 0.92) / 3.8) * 0.5), 'tree LL 8 B');
    // 1 GiB: ring Simple 56 µs + 18.79 ms; tree Simple 64.4 µs + 2^30 / 46 GB/s = 23.4 ms (log2(2^24) >= 23: no correction).
    const big = collective('all-reduce', GiB, eight, c);
    assert.equal(big.algorithm, 'ring');
    assert.equal(big.protocol, 'Simple');
    close(big.sec, ring8.Simple(GiB), '1 GiB');
    const treeBig = must(collective('all-reduce', GiB, eight, c, ['tree']));
    close(treeBig.sec, (8.4 + 2 * 7 * 4.0) * US + GiB / (92e9 * 0.5), 'tree Simple 1 GiB');
  });

  test('tree correction factor: log2(bytes/64) indexes NCCL table (Simple, 64 KiB -> index 10 -> 0.6)', () => {
    // Tree Simple at 64 KiB on 8 GPUs: 64.4 µs + 65536 / (92 x 0.5 x 0.6 GB/s). Use only the Simple candidate by making it the
    // only tree protocol that can win: compare against all three by hand.
    const bytes = 65536;
    const corr = { LL: 0.6, LL128: 0.6, Simple: 0.6 }; // index 10 of each row: ll 0.6, ll128 0.6, simple 0.6
    const t = {
      LL: 15.2 * US + bytes / ((92e9 / 3.8) * 0.5 * corr.LL),
      LL128: (14 + 2 * 7 * 1.25) * US + bytes / (((92e9 * 7) / 9) * 0.5 * corr.LL128),
      Simple: 64.4 * US + bytes / (92e9 * 0.5 * corr.Simple),
    };
    const r = must(collective('all-reduce', bytes, eight, c, ['tree']));
    // nccl.yaml stores 1/3.8 and 7/9 to 6 digits (0.263158, 0.777778): compare to 1e-6.
    close(r.sec, Math.min(t.LL, t.LL128, t.Simple), 'tree 64 KiB', 1e-6);
  });

  test('all-gather and reduce-scatter: n-1 steps, ratio n/(n-1), no pipeline fill', () => {
    // nsteps = 7.  LL: 6.6 + 7 x 0.6 = 10.8 µs, busBw 50.  Simple: 8.4 + 7 x 3.4 = 32.2 µs, busBw 100.
    for (const op of ['all-gather', 'reduce-scatter'] as const) {
      const small = collective(op, 8, eight, c);
      assert.equal(small.protocol, 'LL');
      close(small.latencySec, 10.8 * US, `${op} LL latency`);
      close(small.sec, 10.8 * US + (8 * 7) / (8 * 50e9), `${op} 8 B`);
      const big = collective(op, GiB, eight, c);
      assert.equal(big.protocol, 'Simple');
      close(big.sec, 32.2 * US + (GiB * 7) / (8 * 100e9), `${op} 1 GiB`);
    }
    // With a pipeline fill on NVLink, all-reduce pays it and all-gather does not.
    const filled = synthetic();
    filled.scaleUp.pipelineFillSec = 10 * US;
    filled.scaleUp.pipelineFillHalfBytes = GiB; // fill at 1 GiB = 10 µs x 1/2 = 5 µs
    close(collective('all-gather', GiB, eight, filled).sec, 32.2 * US + (GiB * 7) / (8 * 100e9), 'all-gather, fill ignored');
    close(must(collective('all-reduce', GiB, eight, filled, ['ring'])).sec, ring8.Simple(GiB) + 5 * US, 'all-reduce pays the fill');
  });

  test('multi-domain ring: net overhead on intra steps, 2(m-1) network steps, x1.4 plateau on Simple', () => {
    // 16 GPUs on 2 domains of 8: nsteps 30, nInter 2; busBw = min(NVLink 100, 8 x 10 GB/s NICs) = 80 GB/s; ratio 16/30.
    const sixteen = g(16, 8, 2);
    // LL: intra = max(0.6, 1.0 Intel net overhead) = 1.0; inter = net ring LL 2.7. lat = 6.6 + 28 x 1 + 2 x 2.7 = 40.0 µs.
    //     busBw = min(llMax 2 nodes Intel 39, 80 x 0.5 = 40) = 39 GB/s.
    const llSmall = must(collective('all-reduce', 8, sixteen, c, ['ring']));
    assert.equal(llSmall.protocol, 'LL');
    close(llSmall.latencySec, 40.0 * US, 'LL latency');
    close(llSmall.sec, 40.0 * US + (8 * 30) / (16 * 39e9), 'LL 8 B');
    // Simple: intra = max(3.4, 1.0 x 3) = 3.4; inter 14.0. lat = (8.4 + 28 x 3.4 + 2 x 14) x 1.4 = 131.6 x 1.4 = 184.24 µs.
    const big = must(collective('all-reduce', GiB, sixteen, c, ['ring']));
    assert.equal(big.protocol, 'Simple');
    close(big.latencySec, 184.24 * US, 'Simple latency');
    close(big.sec, 184.24 * US + (GiB * 30) / (16 * 80e9), 'Simple 1 GiB');
    // All-gather has no plateau: Simple lat = 8.4 + 14 x 3.4 + 1 x 14 = 70.0 µs; nsteps 15.
    const ag = collective('all-gather', GiB, sixteen, c);
    close(ag.sec, 70.0 * US + (GiB * 15) / (16 * 80e9), 'all-gather 1 GiB');
    // 3+ domains: LL ceiling drops to Intel N4 20.4 GB/s: 24 GPUs, 3 domains, nsteps 46, nInter 4:
    // lat = 6.6 + 42 x 1 + 4 x 2.7 = 59.4 µs.
    const three = must(collective('all-reduce', 8, g(24, 8, 3), c, ['ring']));
    close(three.sec, 59.4 * US + (8 * 46) / (24 * 20.4e9), 'LL, 3 domains');
  });

  test('ring with one rank per domain uses NCCL tree network latency (ppn = 1)', () => {
    // CP ring of 4 GPUs 8 apart: nsteps = nInter = 6; LL lat = 6.6 + 6 x 5.0 (net tree LL) = 36.6 µs.
    // busBw = min(100, 1 x 10 GB/s) = 10; LL: min(llMax N4 20.4, 5) = 5 GB/s.
    const r = must(collective('all-reduce', 8, g(4, 1, 4), c, ['ring']));
    assert.equal(r.protocol, 'LL');
    close(r.latencySec, 36.6 * US, 'ppn=1 latency');
    close(r.sec, 36.6 * US + (8 * 6) / (4 * 5e9), 'ppn=1 8 B');
  });

  test('tree latency grows with floor(log2(domains))', () => {
    // 8 per domain: LL lat = 6.8 + 2 x (7 x 0.6 + floor(log2 m) x 5.0); LL wins at 8 B.
    const expected: [number, number][] = [
      [2, 6.8 + 2 * (4.2 + 1 * 5)],
      [3, 6.8 + 2 * (4.2 + 1 * 5)],
      [4, 6.8 + 2 * (4.2 + 2 * 5)],
      [5, 6.8 + 2 * (4.2 + 2 * 5)],
      [8, 6.8 + 2 * (4.2 + 3 * 5)],
      [16, 6.8 + 2 * (4.2 + 4 * 5)],
    ];
    for (const [m, latUs] of expected) {
      const r = must(collective('all-reduce', 8, g(8 * m, 8, m), c, ['tree']));
      assert.equal(r.protocol, 'LL', `${m} domains`);
      close(r.latencySec, latUs * US, `tree latency, ${m} domains`);
      // busBw = min(100, 8 x 10) x 0.92 / 3.8, capped by llMax (2 nodes 39, more 20.4): 80 x 0.92 / 3.8 = 19.37 GB/s.
      const llBus = Math.min((80e9 * 0.92) / 3.8, m <= 2 ? 39e9 : 20.4e9);
      close(r.sec, latUs * US + 8 / (llBus * 0.5), `tree time, ${m} domains`);
    }
  });

  test('NVLS on one domain: 25 µs, Simple, algBw = nvlsBusBw x n / (2(n-1))', () => {
    const nv = synthetic();
    nv.scaleUp.nvlsBusBytesPerSec = 200e9;
    const r = collective('all-reduce', GiB, eight, nv);
    assert.equal(r.algorithm, 'nvls');
    assert.equal(r.protocol, 'Simple');
    close(r.latencySec, 25 * US, 'NVLS latency');
    close(r.sec, 25 * US + (GiB * 14) / (8 * 200e9), 'NVLS 1 GiB');
    // Not offered without NVLS, nor with one rank per domain.
    assert.equal(collective('all-reduce', GiB, eight, c, ['nvls']), null);
    assert.equal(collective('all-reduce', GiB, g(4, 1, 4), nv, ['nvls', 'nvls-tree']), null);
    // Small messages stay on ring LL (15 µs < 25 µs).
    assert.equal(collective('all-reduce', 8, eight, nv).algorithm, 'ring');
  });

  test('sendRecv: LL (x0.5 bandwidth) up to 16384 B, Simple above', () => {
    // NVLink peer 50 GB/s. LL lat = 6.6 + 0.6 = 7.2 µs at 25 GB/s; Simple lat = 8.4 + 3.4 = 11.8 µs at 50 GB/s.
    for (const bytes of [0, 1, 16383, 16384]) {
      const r = sendRecv(bytes, 'intra', c);
      assert.equal(r.protocol, 'LL', `${bytes} B`);
      close(r.sec, 7.2 * US + bytes / 25e9, `intra LL ${bytes}`);
    }
    for (const bytes of [16385, 1e6]) {
      const r = sendRecv(bytes, 'intra', c);
      assert.equal(r.protocol, 'Simple', `${bytes} B`);
      close(r.sec, 11.8 * US + bytes / 50e9, `intra Simple ${bytes}`);
    }
    // Network: NIC share 10 GB/s; LL lat = 6.6 + 2.7 = 9.3 µs, Simple = 8.4 + 14 = 22.4 µs.
    close(sendRecv(16384, 'net', c).sec, 9.3 * US + 16384 / 5e9, 'net LL');
    close(sendRecv(16385, 'net', c).sec, 22.4 * US + 16385 / 10e9, 'net Simple');
    // collective('sendrecv') picks the tier from the group.
    close(collective('sendrecv', 1e6, g(2, 1, 2), c).sec, 22.4 * US + 1e6 / 10e9, 'sendrecv across domains');
    close(collective('sendrecv', 1e6, singleDomainGroup(2), c).sec, 11.8 * US + 1e6 / 50e9, 'sendrecv in a domain');
  });

  test('allToAll: one latency, NVLink and network in parallel, per-peer cap', () => {
    // 16 GPUs on 2 domains, 1 MB to each of 15 peers (Simple): 7 peers over NVLink, 8 over the NICs.
    //   NVLink: max(7 MB / 100 GB/s, 1 MB / 50 GB/s) = 70 µs; network: max(8 MB / 10 GB/s, 1 MB / 10 GB/s) = 800 µs.
    //   latency = max(NVLink 11.8, network 22.4) = 22.4 µs, paid once.  sec = 22.4 + max(70, 800) = 822.4 µs.
    const r = allToAll(1e6, g(16, 8, 2), c);
    assert.equal(r.algorithm, 'grouped-p2p');
    assert.equal(r.protocol, 'Simple');
    close(r.latencySec, 22.4 * US, 'latency');
    close(r.sec, 822.4 * US, 'time');
    // collective() takes all-to-all bytes as nccl-tests does: the rank's whole buffer, 1/16 of it to each rank (itself included).
    close(collective('all-to-all', 16e6, g(16, 8, 2), c).sec, 822.4 * US, 'via collective()');
    // NVLink only, 8 GPUs: 7 MB / 100 GB/s = 70 µs; latency 11.8 µs.
    close(allToAll(1e6, eight, c).sec, 11.8 * US + 70 * US, 'one domain');
    // Per-peer cap: one peer on NVLink: max(1 MB / 100, 1 MB / 50 GB/s) = 20 µs.
    close(allToAll(1e6, singleDomainGroup(2), c).sec, 11.8 * US + 20 * US, 'one NVLink peer');
    // Per-peer cap on the network: sendRecvEfficiency 0.5 -> a flow gets 5 GB/s; 1 peer: max(100, 200) = 200 µs.
    const capped = synthetic();
    capped.scaleOut.sendRecvEfficiency = 0.5;
    close(allToAll(1e6, g(2, 1, 2), capped).sec, 22.4 * US + 200 * US, 'one network peer');
    // ... while 4 network peers share the NICs: max(4 MB / 10 GB/s, 200 µs) = 400 µs.
    close(allToAll(1e6, g(5, 1, 5), capped).sec, 22.4 * US + 400 * US, 'four network peers');
    // LL below 16 KiB per peer: x0.5 on both terms. 8 GPUs, 10 kB each: max(70 kB / 50 GB/s, 10 kB / 25 GB/s) = 1.4 µs; lat 7.2 µs.
    const ll = allToAll(10_000, eight, c);
    assert.equal(ll.protocol, 'LL');
    close(ll.sec, 7.2 * US + 1.4 * US, 'LL all-to-all');
    assert.equal(allToAll(1e6, singleDomainGroup(1), c).sec, 0);
  });

  test('single-rank groups cost nothing', () => {
    for (const op of COLLECTIVE_OPS) {
      if (op === 'sendrecv') continue;
      assert.equal(collective(op, GiB, singleDomainGroup(1), c).sec, 0, op);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Topology.
// ---------------------------------------------------------------------------------------------

/** Brute force, independent of groupGeometry: GPU ids listed, domains counted per group. */
function bruteForce(groups: number[][], size: number, domainGpus: number): CommGroup {
  let perDomain = size;
  let domains = 1;
  for (const members of groups) {
    const counts: number[] = [];
    for (const gpu of members) {
      const d = Math.floor(gpu / domainGpus);
      counts[d] = (counts[d] ?? 0) + 1;
    }
    const used = counts.filter((x) => x !== undefined && x > 0);
    domains = Math.max(domains, used.length);
    perDomain = Math.min(perDomain, ...used);
  }
  return { size, perDomain, domains };
}

describe('topology', () => {
  const DOMAINS = [2, 4, 8, 16, 32, 36, 64, 72];
  const SIZES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 72, 96, 128, 144];

  test('contiguousGroups: closed forms agree with a brute-force placement (random, seeded)', () => {
    const rand = rng(20240607);
    for (let i = 0; i < 3000; i++) {
      const domain = DOMAINS[Math.floor(rand() * DOMAINS.length)]!;
      const size = rand() < 0.5 ? SIZES[Math.floor(rand() * SIZES.length)]! : 1 + Math.floor(rand() * 150);
      const count = 1 + Math.floor(rand() * 8);
      const gpus = size * count + Math.floor(rand() * size); // leftover GPUs form no group
      const groups = Array.from({ length: count }, (_, j) => Array.from({ length: size }, (_, k) => j * size + k));
      const want = bruteForce(groups, size, domain);
      const tag = `size ${size}, gpus ${gpus}, domain ${domain}`;
      assert.deepEqual(
        groupGeometry(size, count, (j, k) => j * size + k, domain),
        want,
        `groupGeometry ${tag}`,
      );
      // The closed forms only claim aligned cases; for those, the answer must not depend on gpus.
      assert.deepEqual(contiguousGroups(size, gpus, domain), want, `contiguousGroups ${tag}`);
    }
  });

  test('stridedGroups: closed forms agree with a brute-force placement (random, seeded)', () => {
    const rand = rng(7);
    const STRIDES = [1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 64, 72];
    for (let i = 0; i < 3000; i++) {
      const domain = DOMAINS[Math.floor(rand() * DOMAINS.length)]!;
      const stride = STRIDES[Math.floor(rand() * STRIDES.length)]!;
      const size = 1 + Math.floor(rand() * 40);
      const groups = Array.from({ length: stride }, (_, r) => Array.from({ length: size }, (_, k) => r + k * stride));
      const want = bruteForce(groups, size, domain);
      assert.deepEqual(stridedGroups(size, stride, domain), want, `size ${size}, stride ${stride}, domain ${domain}`);
    }
  });

  test('named cases', () => {
    // CP ring of the GPUs with the same TP rank, TP8 on 8-GPU nodes: one member per domain.
    assert.deepEqual(stridedGroups(4, 8, 8), { size: 4, perDomain: 1, domains: 4 });
    assert.deepEqual(stridedGroups(16, 8, 8), { size: 16, perDomain: 1, domains: 16 });
    // TP4 on 8-GPU nodes: a CP ring of 4 has 2 members per domain over 2 domains.
    assert.deepEqual(stridedGroups(4, 4, 8), { size: 4, perDomain: 2, domains: 2 });
    // TP16 on 8-GPU domains spans 2 domains, 8 in each.
    assert.deepEqual(contiguousGroups(16, 64, 8), { size: 16, perDomain: 8, domains: 2 });
    // NVL72: a 32-GPU group in one 72-GPU domain.
    assert.deepEqual(contiguousGroups(32, 72, 72), { size: 32, perDomain: 32, domains: 1 });
    assert.deepEqual(groupOfGpus(32, shipped('gb200-nvl72')), { size: 32, perDomain: 32, domains: 1 });
    // ...but on two NVL72 racks the third TP32 group (GPUs 64..95) straddles the racks: 8 on one side.
    assert.deepEqual(contiguousGroups(32, 144, 72), { size: 32, perDomain: 8, domains: 2 });
    // TP6 on 8-GPU nodes: the second group (6..11) straddles 2 domains with 2 on the first.
    assert.deepEqual(contiguousGroups(6, 16, 8), { size: 6, perDomain: 2, domains: 2 });
    assert.deepEqual(groupOfGpus(16, h100()), { size: 16, perDomain: 8, domains: 2 });
    assert.deepEqual(singleDomainGroup(5), { size: 5, perDomain: 5, domains: 1 });
  });

  test('nicBytesPerSecPerGpu: a node NICs shared by its GPUs', () => {
    close(nicBytesPerSecPerGpu(h100()), 50e9, 'h100-ib: 8 x 50 GB/s over 8 GPUs');
    const c = synthetic();
    close(nicBytesPerSecPerGpu(c), 10e9, 'synthetic');
    c.nicsPerNode = 4;
    close(nicBytesPerSecPerGpu(c), 5e9, '4 NICs of 10 GB/s over 8 GPUs');
    c.gpusPerNode = 4;
    close(nicBytesPerSecPerGpu(c), 10e9, '4 NICs over 4 GPUs');
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Physics on the shipped presets.
// ---------------------------------------------------------------------------------------------
describe('physics (presets)', () => {
  test('h100-ib: 16-GPU all-reduce of 1 GiB reaches 300-500 GB/s bus bandwidth', () => {
    const c = h100();
    const r = collective('all-reduce', GiB, groupOfGpus(16, c), c);
    const busbw = (GiB * busBandwidthFactor('all-reduce', 16)) / r.sec;
    assert.ok(busbw >= 300e9 && busbw <= 500e9, `busbw ${(busbw / 1e9).toFixed(1)} GB/s (${r.algorithm}/${r.protocol})`);
  });

  test('h100-ib: 32 KB all-reduce inside one node costs 10-60 µs', () => {
    const c = h100();
    for (const n of [2, 4, 8]) {
      const r = collective('all-reduce', 32 * 1024, groupOfGpus(n, c), c);
      assert.ok(r.sec >= 10 * US && r.sec <= 60 * US, `${n} GPUs: ${(r.sec / US).toFixed(2)} µs`);
    }
  });

  const SIZES: number[] = [];
  for (let e = 0; e <= 33; e += 0.125) SIZES.push(Math.floor(2 ** e));
  for (let p = 1; p <= 33; p++) SIZES.push(2 ** p - 1, 2 ** p, 2 ** p + 1);
  SIZES.push(16383, 16384, 16385);
  const SORTED = [...new Set(SIZES)].sort((a, b) => a - b);

  function groupsOf(c: ClusterSpec): CommGroup[] {
    const d = c.nvlinkDomainGpus;
    const out = [2, 4, 8, 16, 32, 64, 128].filter((n) => n <= c.maxNodes * c.gpusPerNode).map((n) => groupOfGpus(n, c));
    out.push(stridedGroups(4, d, d), stridedGroups(8, d, d), stridedGroups(4, Math.max(1, d / 2), d));
    return out;
  }

  /** Every place where a larger message is priced cheaper than a smaller one. */
  function decreases(c: ClusterSpec, groups: CommGroup[], ops: readonly CollectiveOp[], algorithms?: Algorithm[]): string[] {
    const bad: string[] = [];
    for (const group of groups) {
      for (const op of ops) {
        let prev: { b: number; r: CollectiveCost } | null = null;
        for (const b of SORTED) {
          const r = algorithms ? must(collective(op, b, group, c, algorithms)) : collective(op, b, group, c);
          if (prev && r.sec < prev.r.sec * (1 - 1e-12)) {
            bad.push(
              `${c.name} ${op} ${JSON.stringify(group)}: ${prev.b} B ${(prev.r.sec / US).toFixed(3)} µs (${prev.r.algorithm}/${prev.r.protocol}) > ${b} B ${(r.sec / US).toFixed(3)} µs (${r.algorithm}/${r.protocol})`,
            );
          }
          prev = { b, r };
        }
      }
    }
    return bad;
  }
  const CLUSTERS = ['h100-ib', ...builtinNames('cluster').filter((n) => n !== 'h100-ib')];
  const single = (gr: CommGroup) => gr.domains === 1;

  for (const name of CLUSTERS) {
    test(`${name}: time is non-decreasing in bytes (all-gather, reduce-scatter, sendrecv; all-reduce and all-to-all in one domain; ring/NVLS all-reduce everywhere)`, () => {
      const c = shipped(name);
      const groups = groupsOf(c);
      const bad = [
        ...decreases(c, groups, ['all-gather', 'reduce-scatter', 'sendrecv']),
        ...decreases(c, groups.filter(single), ['all-reduce', 'all-to-all']),
        ...decreases(c, groups, ['all-reduce'], ['ring', 'nvls', 'nvls-tree']),
      ];
      assert.deepEqual(bad.slice(0, 10), [], `${bad.length} decreases`);
    });
  }

  // NCCL's treeCorrectionFactor steps up with size (LL128 0.6 -> 0.8 at 4 MiB, 0.9 -> 1.0 at 128 MiB; Simple 0.9 -> none at
  // 512 MiB); the model interpolates it in log2(size) so that a tree (also the hierarchical middle phase) never gets cheaper.
  test('multi-domain all-reduce (free choice) is non-decreasing in bytes', () => {
    const bad = CLUSTERS.flatMap((name) => {
      const c = shipped(name);
      return decreases(
        c,
        groupsOf(c).filter((gr) => !single(gr)),
        ['all-reduce'],
      );
    });
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} decreases`);
  });

  // Known and kept (todo): across domains, at 16 KiB per peer NCCL's point-to-point protocol flips from LL (half bandwidth on the
  // aggregate) to Simple, so with many peers a slightly bigger all-to-all is cheaper. That is NCCL's own behaviour
  // (enqueue.cc NCCL_P2P_LL_THRESHOLD), which the model follows rather than smooths.
  test('todo: multi-domain all-to-all is non-decreasing in bytes', { todo: "NCCL's LL -> Simple flip at 16 KiB per peer" }, () => {
    const bad = CLUSTERS.flatMap((name) => {
      const c = shipped(name);
      return decreases(
        c,
        groupsOf(c).filter((gr) => !single(gr)),
        ['all-to-all'],
      );
    });
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} decreases`);
  });

  test('h100-ib and gb200-nvl72: within one domain, more ranks never all-reduce 1 GiB faster', () => {
    for (const name of ['h100-ib', 'gb200-nvl72']) {
      const c = shipped(name);
      let prev = 0;
      for (let n = 2; n <= c.nvlinkDomainGpus; n++) {
        const t = collective('all-reduce', GiB, singleDomainGroup(n), c).sec;
        assert.ok(t >= prev, `${name}: ${n} ranks ${t} < ${n - 1} ranks ${prev}`);
        prev = t;
      }
    }
  });

  test('restricting algorithms to ring is never faster than the free choice', () => {
    for (const name of builtinNames('cluster')) {
      const c = shipped(name);
      for (const group of groupsOf(c)) {
        for (const op of ['all-reduce', 'all-gather', 'reduce-scatter'] as CollectiveOp[]) {
          for (let e = 0; e <= 32; e += 1) {
            const b = 2 ** e;
            const free = collective(op, b, group, c).sec;
            const ring = must(collective(op, b, group, c, ['ring'])).sec;
            assert.ok(ring >= free, `${name} ${op} ${JSON.stringify(group)} ${b} B`);
          }
        }
      }
    }
  });

  test('no all-reduce beats the data each rank must move over its fastest link', () => {
    // Every rank must at least receive (n-1)/n of the reduced buffer: bytes (n-1)/n / line rate.
    for (const name of builtinNames('cluster')) {
      const c = shipped(name);
      for (const group of groupsOf(c)) {
        const n = group.size;
        const t = collective('all-reduce', GiB, group, c).sec;
        assert.ok(t >= (GiB * (n - 1)) / n / c.scaleUp.bytesPerSec, `${name} ${JSON.stringify(group)}`);
      }
    }
  });

  test('busBandwidthFactor as nccl-tests defines it', () => {
    assert.equal(busBandwidthFactor('all-reduce', 8), 1.75);
    assert.equal(busBandwidthFactor('all-gather', 8), 0.875);
    assert.equal(busBandwidthFactor('reduce-scatter', 8), 0.875);
    assert.equal(busBandwidthFactor('all-to-all', 8), 0.875);
    assert.equal(busBandwidthFactor('sendrecv', 8), 1);
    assert.equal(busBandwidthFactor('all-reduce', 2), 1);
    for (const op of COLLECTIVE_OPS) assert.equal(busBandwidthFactor(op, 1), 1, op);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. All-to-all posts every peer at once: the latency does not grow with the peer count.
// ---------------------------------------------------------------------------------------------
describe('all-to-all latency is paid once', () => {
  test('64 peers cost the same latency as 2 peers (synthetic and h100-ib)', () => {
    for (const c of [synthetic(), h100()]) {
      for (const bytes of [0, 1024, 1e6]) {
        // One domain.
        const few = allToAll(bytes, singleDomainGroup(3), c);
        const many = allToAll(bytes, singleDomainGroup(65), c);
        assert.equal(many.latencySec, few.latencySec, `one domain, ${bytes} B`);
        // Across domains (network latency dominates either way).
        const fewNet = allToAll(bytes, g(3, 1, 3), c);
        const manyNet = allToAll(bytes, g(65, 1, 65), c);
        assert.equal(manyNet.latencySec, fewNet.latencySec, `across domains, ${bytes} B`);
      }
      // With nothing to send, the whole cost is that one latency, whatever the peer count.
      assert.equal(allToAll(0, singleDomainGroup(65), c).sec, allToAll(0, singleDomainGroup(3), c).sec);
      assert.equal(allToAll(0, g(65, 1, 65), c).sec, allToAll(0, g(3, 1, 3), c).sec);
      // 63 peers over NVLink and the network cost what one network peer costs.
      assert.equal(collective('all-to-all', 0, g(64, 8, 8), c).sec, allToAll(0, g(2, 1, 2), c).sec);
    }
  });
});
