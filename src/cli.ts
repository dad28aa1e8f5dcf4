import { fstatSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The only module that touches the real process: argv, stdout, stderr and the
 * exit code.
 *
 * Start-up is most of a short run's time, so this module stays small:
 * - `--version`, and `--help` on a pipe, are answered from text the build
 *   rendered with the real commander program (scripts/build.ts; a test checks
 *   that they agree), without loading the program.
 * - Output goes straight to file descriptors 1 and 2 with writeSync: creating
 *   process.stdout for a pipe loads node's stream and net modules (~3 ms), and
 *   writes to pipes are synchronous on Linux anyway. Whether stdout is a
 *   terminal is asked only when a command wants to know (colour, tables).
 */
declare const CP_PLAN_PRERENDERED: { help: string; version: string } | undefined;
/** True in the build's bundles (scripts/build.ts), absent when run from source with tsx. */
declare const CP_PLAN_BUNDLED: boolean | undefined;

const args = process.argv.slice(2);
const canned = typeof CP_PLAN_PRERENDERED === 'undefined' ? undefined : prerendered(args, CP_PLAN_PRERENDERED);
if (canned !== undefined) write(1, canned);
else {
  run().catch((error: unknown) => {
    // Only a broken installation gets here (main() catches everything else): one line, no stack.
    write(2, `cp-plan: cannot start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; reinstall cp-plan\n`);
    process.exitCode = 3;
  });
}

/**
 * The build's answer for this argv, if it has one. Help is rendered 80 columns
 * wide, which is what the program prints to anything but a terminal narrower
 * than that (see helpColumns).
 */
function prerendered(argv: string[], answers: { help: string; version: string }): string | undefined {
  if (argv.length !== 1) return undefined;
  if (argv[0] === '--version' || argv[0] === '-V') return answers.version;
  if ((argv[0] === '--help' || argv[0] === '-h') && helpColumns() === undefined) return answers.help;
  return undefined;
}

/** Help wraps at 80 columns, or at a terminal's width when that is narrower; undefined means 80. */
function helpColumns(): number | undefined {
  if (!stdoutIsTerminal()) return undefined;
  const columns = process.stdout.columns;
  return columns > 0 && columns < 80 ? columns : undefined;
}

/** A pipe or a file is known not to be a terminal without creating process.stdout; anything else is asked. */
function stdoutIsTerminal(): boolean {
  try {
    const stat = fstatSync(1);
    if (stat.isFIFO() || stat.isFile() || stat.isSocket()) return false;
  } catch {
    // fd 1 closed: not a terminal either.
    return false;
  }
  return Boolean(process.stdout.isTTY);
}

async function run(): Promise<void> {
  // Built: the program bundle through the code-cache loader; from source: a plain import.
  const { main } =
    typeof CP_PLAN_BUNDLED === 'undefined'
      ? await import('./program.js')
      : (await import('./bundle-loader.js')).bundleLoader(dirname(fileURLToPath(import.meta.url))).load<typeof import('./program.js')>('program');
  process.exitCode = await main(process.argv, {
    stdout: (text) => write(1, text),
    stderr: (text) => write(2, text),
    get isTTY() {
      return stdoutIsTerminal();
    },
    get columns() {
      return helpColumns();
    },
    get width() {
      return stdoutIsTerminal() && process.stdout.columns > 0 ? process.stdout.columns : undefined;
    },
    env: process.env,
    get stderrStream() {
      return process.stderr;
    },
    interruptGuard,
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Clean-ups of files being written (their temporary files), run if the process is interrupted. */
const cleanups = new Set<() => void>();
let hooked = false;

/**
 * Registers a clean-up for an interruption. The first registration installs the signal handlers,
 * which stay for the rest of the run: a signal that arrives while a file is written is handled once
 * the (synchronous) write has finished or failed, and then ends the process as the signal would have.
 */
function interruptGuard(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (!hooked) {
    hooked = true;
    for (const signal of SIGNALS) process.on(signal, () => interrupted(signal));
  }
  return () => {
    cleanups.delete(cleanup);
    // A signal that arrived during the write waits in libuv's signal pipe, which is read only when the
    // event loop polls; signal handles do not keep the loop alive, so a run that ends now would exit 0
    // without it. Two turns of the loop make sure it polls once more (poll comes before immediates).
    setImmediate(() => setImmediate(() => {}));
  };
}

function interrupted(signal: (typeof SIGNALS)[number]): void {
  for (const cleanup of cleanups) cleanup();
  cleanups.clear();
  for (const s of SIGNALS) process.removeAllListeners(s);
  // Die of the signal itself (the default action, now that no handler is left), so the parent sees it.
  process.kill(process.pid, signal);
}

/** Set once stdout's reader has gone (EPIPE): later output to it is dropped. */
let stdoutClosed = false;

/**
 * Writes all of text to fd 1 or 2. A reader that stops early (`| head`, EPIPE)
 * is not an error: the rest of stdout is dropped, while stderr and the exit
 * code still come out as they would have. A non-blocking descriptor that is
 * full (EAGAIN) is retried after a millisecond. Any other failure (a full
 * disk, a closed descriptor) ends the run with one line and exit code 2.
 */
function write(fd: 1 | 2, text: string): void {
  if (fd === 1 && stdoutClosed) return;
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE' && fd === 1) {
        stdoutClosed = true;
        return;
      }
      if (fd === 1) {
        try {
          writeSync(2, `cp-plan: cannot write the output (${code ?? 'error'}); check where stdout goes\n`);
        } catch {
          // stderr is gone too: nothing left to tell.
        }
      }
      process.exit(2);
    }
  }
}
