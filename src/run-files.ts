/**
 * What one run knows about files: those it has read (so that no output overwrites one) and how to
 * clean up after an interruption. State of the run, so a bundle of its own (scripts/build.ts): every
 * command bundle that reads or writes shares this one copy. main() resets it at the start of a run.
 */

/** A file this run has read: its real path and, as the writer compares them, its device and inode. */
export interface FileRead {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Registers a clean-up to run if the process is interrupted (SIGINT, SIGTERM, SIGHUP) and returns
 * its release. cli.ts provides it (it alone touches the process); in-process runs have none.
 */
export type InterruptGuard = (cleanup: () => void) => () => void;

const filesRead: FileRead[] = [];
let guard: InterruptGuard | undefined;

/** A new run: no file read yet, and this run's interrupt guard (if any). */
export function startRun(interruptGuard: InterruptGuard | undefined): void {
  filesRead.length = 0;
  guard = interruptGuard;
}

export function recordFileRead(file: FileRead): void {
  filesRead.push(file);
}

export function filesReadThisRun(): readonly FileRead[] {
  return filesRead;
}

export function interruptGuard(): InterruptGuard | undefined {
  return guard;
}
