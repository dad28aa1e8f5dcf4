import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { parseNcclTests } from '../../src/calibration/nccl-tests-parser.js';

// Real output, copied verbatim (with the command echo dropped) from
// github.com/lessizzmore/create-a3mega-ztan-fork, file ztan-NCCL-test-result @ 02dd8f455c43ced1cf442ef29334bda97149264b:
// all_reduce_perf, 2 nodes x 8 H100, nccl-tests of 2023-2024 (no "Collective test starting" line, no NCCL version line).
const H100_2NODE = `# nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   6899 on ztan-mig-235z device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   6900 on ztan-mig-235z device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   6901 on ztan-mig-235z device  2 [0000:0b:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   6902 on ztan-mig-235z device  3 [0000:0c:00] NVIDIA H100 80GB HBM3
#  Rank  4 Group  0 Pid   6903 on ztan-mig-235z device  4 [0000:84:00] NVIDIA H100 80GB HBM3
#  Rank  5 Group  0 Pid   6904 on ztan-mig-235z device  5 [0000:85:00] NVIDIA H100 80GB HBM3
#  Rank  6 Group  0 Pid   6905 on ztan-mig-235z device  6 [0000:8b:00] NVIDIA H100 80GB HBM3
#  Rank  7 Group  0 Pid   6906 on ztan-mig-235z device  7 [0000:8c:00] NVIDIA H100 80GB HBM3
#  Rank  8 Group  0 Pid   6733 on ztan-mig-gq73 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  9 Group  0 Pid   6734 on ztan-mig-gq73 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank 10 Group  0 Pid   6735 on ztan-mig-gq73 device  2 [0000:0b:00] NVIDIA H100 80GB HBM3
#  Rank 11 Group  0 Pid   6736 on ztan-mig-gq73 device  3 [0000:0c:00] NVIDIA H100 80GB HBM3
#  Rank 12 Group  0 Pid   6737 on ztan-mig-gq73 device  4 [0000:84:00] NVIDIA H100 80GB HBM3
#  Rank 13 Group  0 Pid   6738 on ztan-mig-gq73 device  5 [0000:85:00] NVIDIA H100 80GB HBM3
#  Rank 14 Group  0 Pid   6739 on ztan-mig-gq73 device  6 [0000:8b:00] NVIDIA H100 80GB HBM3
#  Rank 15 Group  0 Pid   6740 on ztan-mig-gq73 device  7 [0000:8c:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
           8             2     float     sum      -1    135.8    0.00    0.00      0    123.5    0.00    0.00      0
          16             4     float     sum      -1    123.2    0.00    0.00      0    122.3    0.00    0.00      0
          32             8     float     sum      -1    123.3    0.00    0.00      0    122.7    0.00    0.00      0
          64            16     float     sum      -1    123.4    0.00    0.00      0    122.9    0.00    0.00      0
         128            32     float     sum      -1    123.0    0.00    0.00      0    122.7    0.00    0.00      0
         256            64     float     sum      -1    123.6    0.00    0.00      0    122.7    0.00    0.00      0
         512           128     float     sum      -1    126.6    0.00    0.01      0    123.4    0.00    0.01      0
        1024           256     float     sum      -1    147.1    0.01    0.01      0    123.1    0.01    0.02      0
        2048           512     float     sum      -1    125.8    0.02    0.03      0    124.6    0.02    0.03      0
        4096          1024     float     sum      -1    126.9    0.03    0.06      0    125.6    0.03    0.06      0
        8192          2048     float     sum      -1    131.6    0.06    0.12      0    130.6    0.06    0.12      0
       16384          4096     float     sum      -1    138.6    0.12    0.22      0    137.6    0.12    0.22      0
       32768          8192     float     sum      -1    155.2    0.21    0.40      0    153.1    0.21    0.40      0
       65536         16384     float     sum      -1    159.4    0.41    0.77      0    157.6    0.42    0.78      0
      131072         32768     float     sum      -1    159.3    0.82    1.54      0    169.0    0.78    1.45      0
      262144         65536     float     sum      -1    167.1    1.57    2.94      0    163.9    1.60    3.00      0
      524288        131072     float     sum      -1    174.2    3.01    5.64      0    171.0    3.07    5.75      0
     1048576        262144     float     sum      -1    203.2    5.16    9.68      0    207.2    5.06    9.49      0
     2097152        524288     float     sum      -1    254.0    8.26   15.48      0    252.9    8.29   15.55      0
     4194304       1048576     float     sum      -1    364.6   11.50   21.57      0    356.6   11.76   22.05      0
     8388608       2097152     float     sum      -1    571.9   14.67   27.50      0    563.5   14.89   27.91      0
    16777216       4194304     float     sum      -1    977.6   17.16   32.18      0    951.6   17.63   33.06      0
    33554432       8388608     float     sum      -1   1059.9   31.66   59.36      0   1054.0   31.84   59.69      0
    67108864      16777216     float     sum      -1   1261.6   53.20   99.74      0   1270.2   52.83   99.06      0
   134217728      33554432     float     sum      -1   1652.2   81.24  152.32      0   1636.7   82.01  153.76      0
   268435456      67108864     float     sum      -1   2360.9  113.70  213.19      0   2359.9  113.75  213.28      0
   536870912     134217728     float     sum      -1   3817.5  140.63  263.69      0   3828.0  140.25  262.97      0
  1073741824     268435456     float     sum      -1   6759.0  158.86  297.86      0   6737.4  159.37  298.82      0
  2147483648     536870912     float     sum      -1    12646  169.81  318.40      0    12641  169.88  318.52      0
  4294967296    1073741824     float     sum      -1    24361  176.31  330.58      0    24365  176.27  330.51      0
  8589934592    2147483648     float     sum      -1    47535  180.71  338.82      0    47743  179.92  337.35      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 70.742 
`;

// Real output, copied verbatim (second run, "Two nodes") from github.com/hisohara/ai-scripts,
// file training/01_rccl-smoketest/README.md @ 0780bb3c957ba1dd4254b3147c2027a44304db34:
// rccl-tests all_reduce_perf on 2 x 8 MI300X; old-style "#   Rank  0 Pid" lines, "RCCL version :" block,
// "# Errors with asterisks" trailer.
const MI300X_2NODE_RCCL = `# nThread 1 nGpus 1 minBytes 8 maxBytes 17179869184 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
rccl-tests: Version develop:448c4c7
# Using devices
#   Rank  0 Pid 3844613 on     gpu-53 device  0 [0000:05:00.0] AMD Instinct MI300X
#   Rank  1 Pid 3844614 on     gpu-53 device  1 [0000:25:00.0] AMD Instinct MI300X
#   Rank  2 Pid 3844615 on     gpu-53 device  2 [0000:45:00.0] AMD Instinct MI300X
#   Rank  3 Pid 3844616 on     gpu-53 device  3 [0000:65:00.0] AMD Instinct MI300X
#   Rank  4 Pid 3844617 on     gpu-53 device  4 [0000:85:00.0] AMD Instinct MI300X
#   Rank  5 Pid 3844618 on     gpu-53 device  5 [0000:a5:00.0] AMD Instinct MI300X
#   Rank  6 Pid 3844619 on     gpu-53 device  6 [0000:c5:00.0] AMD Instinct MI300X
#   Rank  7 Pid 3844620 on     gpu-53 device  7 [0000:e5:00.0] AMD Instinct MI300X
#   Rank  8 Pid 366643 on     gpu-56 device  0 [0000:05:00.0] AMD Instinct MI300X
#   Rank  9 Pid 366642 on     gpu-56 device  1 [0000:25:00.0] AMD Instinct MI300X
#   Rank 10 Pid 366648 on     gpu-56 device  2 [0000:45:00.0] AMD Instinct MI300X
#   Rank 11 Pid 366650 on     gpu-56 device  3 [0000:65:00.0] AMD Instinct MI300X
#   Rank 12 Pid 366645 on     gpu-56 device  4 [0000:85:00.0] AMD Instinct MI300X
#   Rank 13 Pid 366646 on     gpu-56 device  5 [0000:a5:00.0] AMD Instinct MI300X
#   Rank 14 Pid 366647 on     gpu-56 device  6 [0000:c5:00.0] AMD Instinct MI300X
#   Rank 15 Pid 366644 on     gpu-56 device  7 [0000:e5:00.0] AMD Instinct MI300X
RCCL version : 2.22.3-HEAD:7d8d67c
HIP version  : 6.4.43484-123eb5128
ROCm version : 6.4.2.0-120-e7d83f5
Hostname     : gpu-53
Librccl path : /shared/apps/ubuntu/opt/rocm-6.4.2/lib/librccl.so.1
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
           8             2     float     sum      -1    256.5    0.00    0.00      0    254.7    0.00    0.00      0
          16             4     float     sum      -1    218.7    0.00    0.00      0    218.9    0.00    0.00      0
          32             8     float     sum      -1    218.6    0.00    0.00      0    219.3    0.00    0.00      0
          64            16     float     sum      -1    218.8    0.00    0.00      0    219.2    0.00    0.00      0
         128            32     float     sum      -1    219.8    0.00    0.00      0    219.4    0.00    0.00      0
         256            64     float     sum      -1    219.9    0.00    0.00      0    219.7    0.00    0.00      0
         512           128     float     sum      -1    220.8    0.00    0.00      0    221.9    0.00    0.00      0
        1024           256     float     sum      -1    220.8    0.00    0.01      0    221.0    0.00    0.01      0
        2048           512     float     sum      -1    223.6    0.01    0.02      0    223.7    0.01    0.02      0
        4096          1024     float     sum      -1    226.2    0.02    0.03      0    225.6    0.02    0.03      0
        8192          2048     float     sum      -1    240.5    0.03    0.06      0    240.3    0.03    0.06      0
       16384          4096     float     sum      -1    238.8    0.07    0.13      0    239.1    0.07    0.13      0
       32768          8192     float     sum      -1    239.9    0.14    0.26      0    240.0    0.14    0.26      0
       65536         16384     float     sum      -1    241.1    0.27    0.51      0    240.9    0.27    0.51      0
      131072         32768     float     sum      -1    242.9    0.54    1.01      0    242.7    0.54    1.01      0
      262144         65536     float     sum      -1    248.8    1.05    1.98      0    248.0    1.06    1.98      0
      524288        131072     float     sum      -1    305.6    1.72    3.22      0    299.3    1.75    3.28      0
     1048576        262144     float     sum      -1    414.8    2.53    4.74      0    413.6    2.54    4.75      0
     2097152        524288     float     sum      -1    318.6    6.58   12.34      0    313.0    6.70   12.56      0
     4194304       1048576     float     sum      -1    337.9   12.41   23.27      0    339.0   12.37   23.20      0
     8388608       2097152     float     sum      -1    402.2   20.85   39.10      0    402.4   20.84   39.08      0
    16777216       4194304     float     sum      -1    497.3   33.74   63.26      0    502.5   33.39   62.60      0
    33554432       8388608     float     sum      -1    590.3   56.84  106.58      0    596.3   56.27  105.51      0
    67108864      16777216     float     sum      -1    821.9   81.65  153.10      0    826.8   81.16  152.18      0
   134217728      33554432     float     sum      -1   1448.8   92.64  173.70      0   1434.0   93.60  175.49      0
   268435456      67108864     float     sum      -1   1713.4  156.67  293.75      0   1728.4  155.31  291.20      0
   536870912     134217728     float     sum      -1   3096.3  173.39  325.10      0   3113.0  172.46  323.36      0
  1073741824     268435456     float     sum      -1   5908.3  181.74  340.75      0   5918.5  181.42  340.16      0
  2147483648     536870912     float     sum      -1    11574  185.55  347.90      0    11593  185.24  347.32      0
  4294967296    1073741824     float     sum      -1    22788  188.48  353.40      0    22796  188.41  353.26      0
  8589934592    2147483648     float     sum      -1    45224  189.94  356.14      0    45242  189.87  356.00      0
 17179869184    4294967296     float     sum      -1    90115  190.64  357.46      0    90127  190.62  357.41      0
# Errors with asterisks indicate errors that have exceeded the maximum threshold.
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 92.3318
#
`;

// Real output, abridged, from github.com/aws-samples/aws-efa-eks, file README.md @ 043dbe748fad5c4a6842cd2135c097fbaafe4a95:
// all_reduce_perf under Open MPI with orte_tag_output ("[1,0]<stdout>:" on every line), 2 x 8 A100, NCCL_DEBUG=INFO,
// nccl-tests before 2.13 (no root column, "error" instead of "#wrong"). Lines kept verbatim; most NCCL INFO lines
// and the rows from 1 KiB to 512 MiB are left out.
const A100_EFA_TAGGED = `[1,0]<stdout>:# nThread 1 nGpus 1 minBytes 8 maxBytes 1073741824 step: 2(factor) warmup iters: 5 iters: 1000 validation: 1 
[1,0]<stdout>:#
[1,0]<stdout>:# Using devices
[1,0]<stdout>:#   Rank  0 Pid     26 on nccl-tests-efa-worker-0 device  0 [0x10] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  1 Pid     27 on nccl-tests-efa-worker-0 device  1 [0x10] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  2 Pid     28 on nccl-tests-efa-worker-0 device  2 [0x20] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  3 Pid     29 on nccl-tests-efa-worker-0 device  3 [0x20] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  4 Pid     30 on nccl-tests-efa-worker-0 device  4 [0x90] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  5 Pid     31 on nccl-tests-efa-worker-0 device  5 [0x90] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  6 Pid     33 on nccl-tests-efa-worker-0 device  6 [0xa0] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  7 Pid     35 on nccl-tests-efa-worker-0 device  7 [0xa0] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  8 Pid     25 on nccl-tests-efa-worker-1 device  0 [0x10] A100-SXM4-40GB
[1,0]<stdout>:#   Rank  9 Pid     26 on nccl-tests-efa-worker-1 device  1 [0x10] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 10 Pid     27 on nccl-tests-efa-worker-1 device  2 [0x20] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 11 Pid     28 on nccl-tests-efa-worker-1 device  3 [0x20] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 12 Pid     29 on nccl-tests-efa-worker-1 device  4 [0x90] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 13 Pid     30 on nccl-tests-efa-worker-1 device  5 [0x90] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 14 Pid     31 on nccl-tests-efa-worker-1 device  6 [0xa0] A100-SXM4-40GB
[1,0]<stdout>:#   Rank 15 Pid     32 on nccl-tests-efa-worker-1 device  7 [0xa0] A100-SXM4-40GB
[1,0]<stdout>:nccl-tests-efa-worker-0:26:26 [0] NCCL INFO Bootstrap : Using eth0:172.31.94.17<0>
[1,0]<stdout>:nccl-tests-efa-worker-0:26:26 [0] NCCL INFO Using network AWS Libfabric
[1,0]<stdout>:NCCL version 2.8.3+cuda11.2
[1,10]<stdout>:nccl-tests-efa-worker-1:27:27 [2] NCCL INFO Bootstrap : Using eth0:172.31.77.37<0>
[1,1]<stdout>:nccl-tests-efa-worker-0:27:72 [1] NCCL INFO 8 coll channels, 8 p2p channels, 1 p2p channels per peer
[1,0]<stdout>:#
[1,0]<stdout>:#                                                     out-of-place                       in-place          
[1,0]<stdout>:#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
[1,0]<stdout>:#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
[1,0]<stdout>:nccl-tests-efa-worker-0:26:26 [0] NCCL INFO Launch mode Parallel
[1,1]<stdout>:nccl-tests-efa-worker-0:27:72 [1] NCCL INFO comm 0x7fece4000dc0 rank 1 nranks 16 cudaDev 1 busId 101d0 - Init COMPLETE
[1,0]<stdout>:           8             2   float     sum    167.5    0.00    0.00  2e-07    167.1    0.00    0.00  1e-07
[1,0]<stdout>:          16             4   float     sum    167.3    0.00    0.00  1e-07    167.4    0.00    0.00  1e-07
[1,0]<stdout>:          32             8   float     sum    167.9    0.00    0.00  1e-07    167.5    0.00    0.00  1e-07
[1,0]<stdout>:          64            16   float     sum    167.7    0.00    0.00  1e-07    167.7    0.00    0.00  6e-08
[1,0]<stdout>:         128            32   float     sum    168.0    0.00    0.00  6e-08    167.9    0.00    0.00  6e-08
[1,0]<stdout>:         256            64   float     sum    168.6    0.00    0.00  6e-08    168.9    0.00    0.00  6e-08
[1,0]<stdout>:         512           128   float     sum    374.7    0.00    0.00  6e-08    170.1    0.00    0.01  6e-08
[1,0]<stdout>:  1073741824     268435456   float     sum    61556   17.44   32.71  5e-07    61303   17.52   32.84  5e-07
[1,0]<stdout>:# Out of bounds values : 0 OK
[1,0]<stdout>:# Avg bus bandwidth    : 7.80081 
`;

// Synthetic, in the current format (nccl-tests 2.17+, src/util.cu): op and versions printed in the header.
const header = (program: string) => `# nccl-tests version 2.18.3 nccl-headers=23004 nccl-library=23004
# Collective test starting: ${program}
# nThread 1 nGpus 8 minBytes 1024 maxBytes 4096 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
#
# Using devices
#  Rank  0 Group  0 Pid  10204 on node-a device  0 [0000:1b:00] NVIDIA H200
#  Rank  1 Group  0 Pid  10204 on node-a device  1 [0000:3c:00] NVIDIA H200
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
`;
const trailer = (program: string) => `# Out of bounds values : 0 OK
# Avg bus bandwidth    : 1.5 
#
# Collective test concluded: ${program}
#
`;
const SENDRECV = `${header('sendrecv_perf')}        1024           256     float     sum      -1    10.00    0.10    0.10       0      N/A     N/A     N/A     N/A
        2048           512     float     sum      -1    20.00    0.10    0.10       0     0.00    0.00    0.00     N/A
        4096          1024     float     sum      -1    40.00    0.10    0.10       0    41.00    0.10    0.10     N/A
${trailer('sendrecv_perf')}`;

/** Asserts an InputError whose message is one printable line starting with `prefix`. */
function assertInputError(run: () => unknown, prefix: string | RegExp, what?: string): void {
  assert.throws(
    run,
    (e: unknown) => {
      assert.ok(e instanceof InputError, `${what ?? ''}: not an InputError: ${String(e)}`);
      assert.doesNotMatch(e.message, /[\x00-\x1f\x7f-\x9f]/, 'message has a control character or newline');
      if (typeof prefix === 'string') assert.ok(e.message.startsWith(prefix), e.message);
      else assert.match(e.message, prefix);
      return true;
    },
    what,
  );
}

describe('nccl-tests parser: real outputs', () => {
  test('2-node 16-rank H100 all_reduce: ranks, hosts, GPU, every row', () => {
    const run = parseNcclTests(H100_2NODE, 'ar.txt', 'logs/all_reduce_perf.txt');
    assert.equal(run.op, 'all-reduce');
    assert.equal(run.ranks, 16);
    assert.deepEqual(run.hosts, ['ztan-mig-235z', 'ztan-mig-gq73']);
    assert.equal(run.ranksPerHost, 8);
    assert.equal(run.gpu, 'NVIDIA H100 80GB HBM3');
    assert.equal(run.ncclVersion, null);
    assert.equal(run.column, 'out-of-place');
    assert.equal(run.rows.length, 31);
    assert.deepEqual(run.rows[0], { bytes: 8, timeUs: 135.8, algbwGBps: 0, busbwGBps: 0 });
    assert.deepEqual(run.rows[30], { bytes: 8589934592, timeUs: 47535, algbwGBps: 180.71, busbwGBps: 338.82 });
  });

  test('the in-place column reads the second block', () => {
    const run = parseNcclTests(H100_2NODE, 'ar.txt', 'ar.txt', 'in-place');
    assert.equal(run.column, 'in-place');
    assert.equal(run.rows.length, 31);
    assert.deepEqual(run.rows[0], { bytes: 8, timeUs: 123.5, algbwGBps: 0, busbwGBps: 0 });
    assert.deepEqual(run.rows[30], { bytes: 8589934592, timeUs: 47743, algbwGBps: 179.92, busbwGBps: 337.35 });
  });

  test('rccl-tests, old-style rank lines, "RCCL version :" line and an extra "#" trailer', () => {
    const run = parseNcclTests(MI300X_2NODE_RCCL, 'mi300x.log', 'mi300x.log');
    assert.equal(run.op, null);
    assert.equal(run.ranks, 16);
    assert.deepEqual(run.hosts, ['gpu-53', 'gpu-56']);
    assert.equal(run.ranksPerHost, 8);
    assert.equal(run.gpu, 'AMD Instinct MI300X');
    assert.equal(run.ncclVersion, '2.22.3-HEAD:7d8d67c');
    assert.equal(run.rows.length, 32);
    assert.deepEqual(run.rows.at(-1), { bytes: 17179869184, timeUs: 90115, algbwGBps: 190.64, busbwGBps: 357.46 });
  });

  test('Open MPI --tag-output prefixes, interleaved NCCL INFO lines, pre-2.13 columns without root', () => {
    const run = parseNcclTests(A100_EFA_TAGGED, 'efa.out', 'all_reduce_perf.out');
    assert.equal(run.op, 'all-reduce');
    assert.equal(run.ranks, 16);
    assert.deepEqual(run.hosts, ['nccl-tests-efa-worker-0', 'nccl-tests-efa-worker-1']);
    assert.equal(run.ranksPerHost, 8);
    assert.equal(run.gpu, 'A100-SXM4-40GB');
    assert.equal(run.ncclVersion, '2.8.3+cuda11.2');
    assert.deepEqual(
      run.rows.map((r) => r.bytes),
      [8, 16, 32, 64, 128, 256, 512, 1073741824],
    );
    assert.deepEqual(run.rows[6], { bytes: 512, timeUs: 374.7, algbwGBps: 0, busbwGBps: 0 });
    assert.deepEqual(parseNcclTests(A100_EFA_TAGGED, 'efa.out', 'x', 'in-place').rows[7], {
      bytes: 1073741824,
      timeUs: 61303,
      algbwGBps: 17.52,
      busbwGBps: 32.84,
    });
  });
});

describe('nccl-tests parser: format variations', () => {
  test('op comes from the header first, then from the file name', () => {
    const text =
      header('all_gather_perf') + '        1024           256     float    none      -1    10.00    0.10    0.09       0    10.00    0.10    0.09       0\n';
    assert.equal(parseNcclTests(text, 'x', 'all_reduce_perf.txt').op, 'all-gather');
    const broadcast = text.replace('all_gather_perf', 'broadcast_perf');
    assert.equal(parseNcclTests(broadcast, 'x', 'all_reduce_perf.txt').op, null, 'a header naming another test wins');
    const cases: [string, string | null][] = [
      ['all_reduce_perf.txt', 'all-reduce'],
      ['runs/reduce_scatter_perf.log', 'reduce-scatter'],
      ['C:\\logs\\all_gather-16gpu.txt', 'all-gather'],
      ['alltoall_perf', 'all-to-all'],
      ['alltoallv_perf.txt', null],
      ['sendrecv_perf.txt', 'sendrecv'],
      ['AllReduce.TXT', 'all-reduce'],
      ['bench.txt', null],
    ];
    for (const [file, op] of cases) assert.equal(parseNcclTests(H100_2NODE, 'x', file).op, op, file);
  });

  test('NCCL version falls back to the nccl-library code of the nccl-tests header', () => {
    const run = parseNcclTests(SENDRECV, 'sr', 'sr');
    assert.equal(run.ncclVersion, '2.30.4');
    assert.equal(run.gpu, 'NVIDIA H200');
    assert.deepEqual(run.hosts, ['node-a']);
    assert.equal(run.ranksPerHost, 2);
  });

  test('sendrecv: N/A and 0 times are skipped in that column only; #wrong may be N/A', () => {
    assert.deepEqual(
      parseNcclTests(SENDRECV, 'sr', 'sr').rows.map((r) => r.bytes),
      [1024, 2048, 4096],
    );
    assert.deepEqual(parseNcclTests(SENDRECV, 'sr', 'sr', 'in-place').rows, [{ bytes: 4096, timeUs: 41, algbwGBps: 0.1, busbwGBps: 0.1 }]);
    assert.equal(parseNcclTests(SENDRECV, 'sr', 'sr').op, 'sendrecv');
  });

  test('a column that measured nothing falls back to the other (auto), and both empty is one error', () => {
    const row = (bytes: number, a: string, b: string) => `${String(bytes).padStart(12)}  ${bytes / 4}  float  none  -1  ${a}  N/A  ${b}  N/A\n`;
    const outNa = header('alltoall_perf') + row(1024, 'N/A N/A N/A', '12.0 0.09 0.08') + row(2048, 'N/A N/A N/A', '13.0 0.16 0.14') + trailer('alltoall_perf');
    const run = parseNcclTests(outNa, 'a2a', 'a2a');
    assert.equal(run.column, 'in-place');
    assert.deepEqual(
      run.rows.map((r) => r.timeUs),
      [12, 13],
    );
    assertInputError(() => parseNcclTests(outNa, 'a2a', 'a2a', 'out-of-place'), 'a2a: no out-of-place measurements');
    const bothNa = header('alltoall_perf') + row(1024, 'N/A N/A N/A', 'N/A N/A N/A') + trailer('alltoall_perf');
    assertInputError(() => parseNcclTests(bothNa, 'a2a', 'a2a'), 'a2a: no measurements in either column');
  });

  test('a file with a second run after the first is flagged; one run is not', () => {
    assert.equal(parseNcclTests(SENDRECV, 'sr', 'sr').moreRuns, false);
    assert.equal(parseNcclTests(H100_2NODE, 'x', 'x').moreRuns, false);
    const two = parseNcclTests(SENDRECV + SENDRECV.replace(/sendrecv_perf/g, 'all_reduce_perf'), 'sr', 'sr');
    assert.equal(two.moreRuns, true);
    assert.equal(two.op, 'sendrecv');
    assert.equal(two.rows.length, 3);
  });

  test('CRLF line endings give the same result', () => {
    assert.deepEqual(parseNcclTests(H100_2NODE.replace(/\n/g, '\r\n'), 'x', 'all_reduce_perf.txt'), parseNcclTests(H100_2NODE, 'x', 'all_reduce_perf.txt'));
  });

  test('launcher prefixes are stripped: Open MPI tags, MPICH -prepend-rank, srun --label', () => {
    const plain = parseNcclTests(H100_2NODE, 'x', 'x');
    for (const prefix of ['[1,0]<stdout>:', '[1,0]<stdout>: ', '[0] ', '0: ']) {
      const tagged = H100_2NODE.split('\n')
        .map((l) => (l ? prefix + l : l))
        .join('\n');
      assert.deepEqual(parseNcclTests(tagged, 'x', 'x'), plain, prefix);
    }
  });

  test('concatenated runs: only the first is read', () => {
    const both = parseNcclTests(H100_2NODE + MI300X_2NODE_RCCL, 'x', 'x');
    assert.deepEqual({ ...both, moreRuns: false }, parseNcclTests(H100_2NODE, 'x', 'x'));
    assert.equal(both.moreRuns, true);
  });

  test('-d all / -o all / -N sweeps that restart the sizes: only the first sweep is read', () => {
    const rows = H100_2NODE.split('\n').filter((l) => /^\s+\d/.test(l));
    const text = H100_2NODE.replace('# Out of bounds', `${rows.map((l) => l.replace('float', ' half')).join('\n')}\n# Out of bounds`);
    assert.equal(parseNcclTests(text, 'x', 'x').rows.length, 31);
  });

  test('sizes with thousands separators, times in exponent notation', () => {
    const text =
      '#  size count type redop root time algbw busbw #wrong time algbw busbw #wrong\n' +
      '1,048,576  262,144  float  sum  -1  1.2e+03  0.87  1.64  0  1200  0.87  1.64  0\n' +
      '1,073,741,824  268,435,456  float  sum  -1  6759.0  158.86  297.86  0  6737.4  159.37  298.82  0\n';
    const run = parseNcclTests(text, 'x', 'x');
    assert.deepEqual(run.rows, [
      { bytes: 1048576, timeUs: 1200, algbwGBps: 0.87, busbwGBps: 1.64 },
      { bytes: 1073741824, timeUs: 6759, algbwGBps: 158.86, busbwGBps: 297.86 },
    ]);
    assert.equal(run.ranks, 0);
    assert.equal(run.ranksPerHost, 0);
    assert.deepEqual(run.hosts, []);
    assert.equal(run.gpu, null);
  });

  test('per-iteration (-I 1) columns and -T timestamps are read from the column header', () => {
    const text = `#       size         count      type   redop    root     time   algbw   busbw  #wrong    i_min    i_max    i_p99    i_cv%     time   algbw   busbw  #wrong    i_min    i_max    i_p99    i_cv%           timestamp
        1024           256     float     sum      -1    10.00    0.10    0.19       0     9.00    11.00    11.00     5.00    12.00    0.09    0.16       0     9.50    13.00    13.00     6.00 2025-10-24 12:00:00
        2048           512     float     sum      -1    20.00    0.10    0.19       0    19.00    21.00    21.00     5.00    22.00    0.09    0.17       0    19.50    23.00    23.00     6.00 2025-10-24 12:00:01
`;
    assert.deepEqual(parseNcclTests(text, 'x', 'x').rows[1], { bytes: 2048, timeUs: 20, algbwGBps: 0.1, busbwGBps: 0.19 });
    assert.deepEqual(parseNcclTests(text, 'x', 'x', 'in-place').rows[1], { bytes: 2048, timeUs: 22, algbwGBps: 0.09, busbwGBps: 0.17 });
  });

  test('zero-byte rows (all_gather/alltoall size rounding) are skipped', () => {
    const text =
      header('alltoall_perf') +
      '           0             0     float    none      -1     0.06    0.00    0.00       0     0.04    0.00    0.00    N/A\n' +
      '           0             0     float    none      -1     0.04    0.00    0.00       0     0.04    0.00    0.00    N/A\n' +
      '         256             4     float    none      -1    38.61    0.01    0.01       0    37.29    0.01    0.01    N/A\n';
    assert.deepEqual(parseNcclTests(text, 'x', 'x').rows, [{ bytes: 256, timeUs: 38.61, algbwGBps: 0.01, busbwGBps: 0.01 }]);
  });
});

describe('nccl-tests parser: input errors', () => {
  test('not nccl-tests output: no data rows', () => {
    for (const text of ['', '\n\n', 'hello world\n', '{"results": []}', header('all_reduce_perf') + trailer('all_reduce_perf'), 'size,time\n1024,3.5\n']) {
      assertInputError(() => parseNcclTests(text, 'bench.txt', 'bench.txt'), 'bench.txt: no nccl-tests data rows', JSON.stringify(text.slice(0, 30)));
    }
  });

  test('a malformed data row names its line', () => {
    const lines = H100_2NODE.split('\n');
    const at = lines.findIndex((l) => l.includes(' 4096 ') && l.includes('float'));
    const bad = (row: string) => [...lines.slice(0, at), row, ...lines.slice(at + 1)].join('\n');
    assertInputError(
      () => parseNcclTests(bad('        4096          1024     float     sum      -1    126.9'), 'ar.txt', 'ar.txt'),
      `ar.txt:${at + 1}: malformed data row`,
    );
    assertInputError(
      () =>
        parseNcclTests(
          bad('        4096          1024     float     sum      -1    fast    0.03    0.06      0    125.6    0.03    0.06      0'),
          'ar.txt',
          'ar.txt',
        ),
      `ar.txt:${at + 1}: malformed data row: out-of-place time "fast"`,
    );
    assertInputError(
      () =>
        parseNcclTests(
          bad('        4096          1024     float     sum      -1    126.9    0.03    0.06      0    125.6    0.03    nan      0'),
          'ar.txt',
          'ar.txt',
          'in-place',
        ),
      `ar.txt:${at + 1}: malformed data row: in-place busbw "nan"`,
    );
  });

  test('times and bandwidths must be positive', () => {
    const text =
      header('all_reduce_perf') + '        1024           256     float     sum      -1    -10.00    0.10    0.19       0    10.00    0.10    0.19       0\n';
    assertInputError(() => parseNcclTests(text, 'neg.txt', 'neg.txt'), /^neg\.txt:12: out-of-place time and bandwidths must be positive numbers/);
  });

  test('sizes must increase', () => {
    const text =
      header('all_reduce_perf') +
      '        1024           256     float     sum      -1    10.00    0.10    0.19       0    10.00    0.10    0.19       0\n' +
      '        4096          1024     float     sum      -1    40.00    0.10    0.19       0    40.00    0.10    0.19       0\n' +
      '        2048           512     float     sum      -1    20.00    0.10    0.19       0    20.00    0.10    0.19       0\n';
    assertInputError(() => parseNcclTests(text, 'order.txt', 'order.txt'), 'order.txt:14: size 2048 B does not increase');
  });

  test('a column with no measurements at all', () => {
    const text =
      header('sendrecv_perf') + '        1024           256     float     sum      -1    10.00    0.10    0.10       0      N/A     N/A     N/A     N/A\n';
    assertInputError(() => parseNcclTests(text, 'sr.txt', 'sr.txt', 'in-place'), 'sr.txt: no in-place measurements');
  });

  test('control characters from the input are escaped, never echoed', () => {
    const text =
      header('all_reduce_perf') +
      '        1024           256     float     sum      -1    1\x1b[31m0    0.10    0.19       0    10.00    0.10    0.19       0\n';
    assertInputError(() => parseNcclTests(text, 'esc.txt', 'esc.txt'), /^esc\.txt:12: malformed data row: out-of-place time "1\\x1b\[31m0"/);
    assertInputError(() => parseNcclTests('junk', 'a\nb.txt', 'x'), 'a\\nb.txt: no nccl-tests data rows');
  });

  test('fuzz: random junk and mangled real output only ever throw InputError', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ' \t\n\r#0123456789.,-+eE:[]<>N/A\x00\x1b\u00e9abcRankon';
    const sources = [H100_2NODE, MI300X_2NODE_RCCL, A100_EFA_TAGGED, SENDRECV];
    for (let i = 0; i < 400; i++) {
      let text: string;
      if (i % 2 === 0) {
        text = Array.from({ length: rand(300) }, () => alphabet[rand(alphabet.length)]).join('');
      } else {
        const chars = [...(sources[rand(sources.length)] ?? '')];
        for (let k = 0; k < 1 + rand(8); k++) chars.splice(rand(chars.length), rand(4), alphabet[rand(alphabet.length)] ?? '');
        text = chars.join('');
      }
      const column = i % 3 === 0 ? 'in-place' : 'out-of-place';
      try {
        const run = parseNcclTests(text, 'fuzz.txt', 'all_reduce_perf.txt', column);
        assert.ok(run.rows.length > 0);
        for (const r of run.rows) assert.ok(r.bytes > 0 && r.timeUs > 0 && r.algbwGBps >= 0 && r.busbwGBps >= 0);
      } catch (e) {
        assert.ok(e instanceof InputError, `case ${i}: ${String(e)}`);
        assert.ok(/^fuzz\.txt(:\d+)?: /.test(e.message), e.message);
        assert.doesNotMatch(e.message, /[\x00-\x1f\x7f-\x9f]/);
      }
    }
  });
});
