import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

/** The report-writing runs of the issue, one per kind, with the flags each kind needs. */
export const REPORT_RUNS: { kind: string; args: string[]; status: number }[] = [
  { kind: 'estimate', args: ['estimate', '--ctx', '1M', '--nodes', '16'], status: 0 },
  { kind: 'plan', args: ['plan', '--ctx', '1M', '--max-ttft', '60s', '--max-ttit', '100ms'], status: 0 },
  {
    kind: 'fleet',
    args: ['plan', '--cluster', 'h100-ib', '--isl', '1M', '--osl', '2K', '--rate', '0.05/s', '--max-ttft', '60s', '--max-ttit', '100ms', '--disaggregated'],
    status: 0,
  },
  { kind: 'sweep', args: ['sweep', '--nodes', '1..16', '--ctx', '128K,512K,1M'], status: 0 },
  { kind: 'check', args: ['check', join(REPO_ROOT, 'examples', 'sizing-fails.yaml')], status: 1 },
];
