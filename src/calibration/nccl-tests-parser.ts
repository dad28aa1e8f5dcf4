/**
 * Parser for the text of NVIDIA nccl-tests (all_reduce_perf, ...) and ROCm rccl-tests (src/util.cu, older src/common.cu):
 * '#' header and "#  Rank  0 Group  0 Pid ... on HOST device  0 [0000:18:00] GPU" lines, a column header
 * "# size count type [redop] [root] time algbw busbw #wrong time algbw busbw #wrong", data rows, '#' trailers. Pure.
 */
import { InputError, printable } from '../errors.js';

export type NcclTestsOp = 'all-reduce' | 'all-gather' | 'reduce-scatter' | 'all-to-all' | 'sendrecv';
export interface NcclTestsRun {
  /** From the header ("Collective test starting: X_perf") or from the file name (all_reduce_perf.txt), else null. */
  op: NcclTestsOp | null;
  /** Ranks = number of "#  Rank N ..." lines (one per GPU); 0 if the file has none. */
  ranks: number;
  /** Distinct host names among the rank lines. */
  hosts: string[];
  /** Largest number of ranks on one host. */
  ranksPerHost: number;
  /** GPU name from the first rank line, e.g. "NVIDIA H100 80GB HBM3", or null. */
  gpu: string | null;
  ncclVersion: string | null;
  /** One per data row: size in bytes, time in microseconds, algbw and busbw in GB/s, of the chosen column. */
  rows: { bytes: number; timeUs: number; algbwGBps: number; busbwGBps: number }[];
  column: 'out-of-place' | 'in-place';
  /** The text holds more than the one run that was read (a later run, or a datatype/op sweep). */
  moreRuns: boolean;
}

// Checked in order: "alltoallv" must win over "alltoall"; ops outside NcclTestsOp map to null.
const OP_NAMES: [string, NcclTestsOp | null][] = [
  ['reducescatter', 'reduce-scatter'],
  ['allreduce', 'all-reduce'],
  ['allgather', 'all-gather'],
  ['alltoallv', null],
  ['alltoall', 'all-to-all'],
  ['sendrecv', 'sendrecv'],
];
// Launcher tags: Open MPI --tag-output "[1,0]<stdout>:", MPICH -prepend-rank "[0] ", srun --label "0: ".
const LAUNCHER_PREFIX = /^\s*(\[\d+(,\d+)?\](<std(out|err)>)?:?|\d+:(?=\s))/;
const INTEGER = /^\d[\d,]*$/; // sizes may carry thousands separators
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Replaces control characters so a message stays one printable line. */
function clean(s: string): string {
  return printable(s);
}

function opFromName(name: string): NcclTestsOp | null {
  const squashed = (name.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  return OP_NAMES.find(([key]) => squashed.includes(key))?.[1] ?? null;
}

/** "nccl-library=22803" -> "2.28.3" (codes before 2.9 were major*1000 + minor*100 + patch). */
function versionFromCode(code: number): string {
  return code >= 10000
    ? `${Math.floor(code / 10000)}.${Math.floor(code / 100) % 100}.${code % 100}`
    : `${Math.floor(code / 1000)}.${Math.floor(code / 100) % 10}.${code % 100}`;
}

/**
 * The first run of the text. `column` 'auto' reads out-of-place, or in-place where the out-of-place
 * column measured nothing (sendrecv and alltoall print N/A there on some versions).
 */
export function parseNcclTests(text: string, label: string, fileName: string, column: 'auto' | 'out-of-place' | 'in-place' = 'auto'): NcclTestsRun {
  if (column === 'auto') {
    try {
      return parseColumn(text, label, fileName, 'out-of-place');
    } catch (error) {
      if (!(error instanceof NoMeasurements) || !error.hasInPlace) throw error;
      try {
        return parseColumn(text, label, fileName, 'in-place');
      } catch (inPlace) {
        if (!(inPlace instanceof NoMeasurements)) throw inPlace;
        throw new InputError(`${clean(label)}: no measurements in either column (every size is 0 or every time is N/A or 0); rerun with larger sizes`);
      }
    }
  }
  return parseColumn(text, label, fileName, column);
}

/** Every size of a column was N/A or 0. */
class NoMeasurements extends InputError {
  constructor(
    message: string,
    readonly hasInPlace: boolean,
  ) {
    super(message);
  }
}

function parseColumn(text: string, label: string, fileName: string, column: 'out-of-place' | 'in-place'): NcclTestsRun {
  const name = clean(label);
  let layout = { width: 8, inPlace: 4 }; // measurement cells per row; offset of the in-place block
  let headerOp: NcclTestsOp | null | undefined;
  let ranks: { host: string | null; gpu: string }[] = [];
  let version: string | null = null;
  let versionCode: string | null = null;
  let dataRows = 0;
  let firstBytes: number | undefined;
  let prevBytes: number | undefined;
  let sweepDone = false;
  const rows: NcclTestsRun['rows'] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let moreRuns = false;

  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(LAUNCHER_PREFIX, '').trim();
    const comment = line.startsWith('#');
    const t = (comment ? line.slice(1) : line).trim().split(/\s+/);
    const [t0 = '', t1 = '', t2 = ''] = t;

    if (!comment && INTEGER.test(t0) && INTEGER.test(t1)) {
      dataRows++;
      const bytes = Number(t0.replace(/,/g, ''));
      if (sweepDone || bytes === 0) continue;
      // A later datatype/op sweep (-d all, -o all) or repetition (-N) restarts the sizes: keep the first sweep only.
      if (firstBytes !== undefined && bytes <= firstBytes) {
        sweepDone = true;
        continue;
      }
      if (prevBytes !== undefined && bytes <= prevBytes) {
        throw new InputError(
          `${name}:${i + 1}: size ${bytes} B does not increase on the previous row's ${prevBytes} B; give the output of one nccl-tests run, unedited`,
        );
      }
      firstBytes ??= bytes;
      prevBytes = bytes;
      const row = parseRow(t, layout, column, `${name}:${i + 1}`);
      if (row) rows.push({ bytes, ...row });
      continue;
    }
    if (dataRows > 0 && comment) {
      // The trailer: the first run is over. Another run may follow (several binaries' output in one file).
      moreRuns = lines.slice(i + 1).some((l) => {
        const w = l.replace(LAUNCHER_PREFIX, '').trim().split(/\s+/);
        return !l.trim().startsWith('#') && INTEGER.test(w[0] ?? '') && INTEGER.test(w[1] ?? '');
      });
      break;
    }
    if (dataRows > 0) continue;
    if (t0 === 'Rank' && INTEGER.test(t1)) {
      const on = t.indexOf('on');
      const bus = t.findIndex((w, k) => k > on && w.startsWith('['));
      const device = t.indexOf('device');
      ranks.push({ host: on > 0 ? (t[on + 1] ?? null) : null, gpu: t.slice(bus > 0 ? bus + 1 : device > 0 ? device + 2 : t.length).join(' ') });
    } else if (t0.startsWith('nThread')) {
      ranks = []; // a new run starts before the previous one printed data (e.g. it crashed)
    } else if (`${t0} ${t1} ${t2}` === 'Collective test starting:') {
      headerOp = opFromName(t[3] ?? '');
    } else if (comment && t.includes('size') && t.includes('count')) {
      layout = columnLayout(
        t.filter((w) => w !== 'timestamp'),
        layout,
      );
    }
    const k = t.findIndex((w, j) => (w === 'NCCL' || w === 'RCCL') && t[j + 1] === 'version');
    const v = k < 0 ? undefined : t[k + 2] === ':' ? t[k + 3] : t[k + 2];
    if (version === null && v && /^\d/.test(v)) version = clean(v);
    const code = t.find((w) => /^[nr]ccl-library=\d+$/.test(w));
    if (versionCode === null && code) versionCode = versionFromCode(Number(code.split('=')[1]));
  }

  if (dataRows === 0) {
    throw new InputError(
      `${name}: no nccl-tests data rows found (lines like "1048576  262144  float  sum  -1  45.1  23.3  43.6  0 ..."); give the stdout of all_reduce_perf or another nccl-tests/rccl-tests binary`,
    );
  }
  if (rows.length === 0) {
    const other = column === 'in-place' ? 'out-of-place' : 'in-place';
    throw new NoMeasurements(
      `${name}: no ${column} measurements (every size is 0 or every time is N/A or 0); use the ${other} column or rerun with larger sizes`,
      layout.inPlace >= 0,
    );
  }
  const perHost = new Map<string, number>();
  for (const r of ranks) if (r.host !== null) perHost.set(r.host, (perHost.get(r.host) ?? 0) + 1);
  return {
    op: headerOp !== undefined ? headerOp : opFromName(fileName),
    ranks: ranks.length,
    hosts: [...perHost.keys()].map(clean),
    ranksPerHost: Math.max(0, ...perHost.values()),
    gpu: ranks[0]?.gpu ? clean(ranks[0].gpu) : null,
    ncclVersion: version ?? versionCode,
    rows,
    column,
    moreRuns: moreRuns || sweepDone,
  };
}

/** Reads the column header: where the first "time" is, how many cells follow it, where the second block starts. */
function columnLayout(t: string[], fallback: { width: number; inPlace: number }): { width: number; inPlace: number } {
  const [first, second] = t.flatMap((w, k) => (w === 'time' || w === 'cputime' ? [k] : []));
  if (first === undefined) return fallback;
  return { width: t.length - first, inPlace: second === undefined ? -1 : second - first };
}

/** Time and bandwidths of one column of a data row; null when the time is N/A or 0 (not measured). */
function parseRow(t: string[], layout: { width: number; inPlace: number }, column: 'out-of-place' | 'in-place', where: string) {
  // rows printed with -T end in a "2025-10-24 12:00:00" timestamp
  const cells = /^\d{4}-\d\d-\d\d$/.test(t.at(-2) ?? '') ? t.slice(0, -2) : t;
  const start = cells.length - layout.width;
  if (start < 3) {
    throw new InputError(
      `${where}: malformed data row: ${cells.length} columns, expected ${layout.width + 3} or more (size count type [redop root] time algbw busbw #wrong ...); fix or delete the line`,
    );
  }
  if (column === 'in-place' && layout.inPlace < 0) {
    throw new InputError(`${where}: the column header has no in-place measurements; use the out-of-place column`);
  }
  const at = start + (column === 'in-place' ? layout.inPlace : 0);
  const [time = '', algbw = '', busbw = ''] = cells.slice(at, at + 3);
  if (time === 'N/A' || (NUMBER.test(time) && Number(time) === 0)) return null;
  for (const [what, cell] of [
    ['time', time],
    ['algbw', algbw],
    ['busbw', busbw],
  ] as const) {
    if (!NUMBER.test(cell)) throw new InputError(`${where}: malformed data row: ${column} ${what} "${clean(cell)}" is not a number; fix or delete the line`);
  }
  if (![time, algbw, busbw].every((cell) => Number(cell) >= 0 && Number.isFinite(Number(cell)))) {
    throw new InputError(
      `${where}: ${column} time and bandwidths must be positive numbers, got ${clean(time)} us, ${clean(algbw)} and ${clean(busbw)} GB/s; fix or delete the line`,
    );
  }
  return { timeUs: Number(time), algbwGBps: Number(algbw), busbwGBps: Number(busbw) };
}
