/**
 * Errors that carry their exit code up to the single catch in cli.ts.
 * 2 = the user's input is wrong (flag, unit, preset, layout); 3 = a bug in cp-plan.
 * Messages are one line: what is wrong and what to do about it.
 */
export class CpPlanError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flag, value, unit, preset file or layout: exit code 2. */
export class InputError extends CpPlanError {
  /** The measurements-file row the error belongs to, when it came from one. */
  row?: number;
  constructor(message: string) {
    super(message, 2);
  }
}

/** Tags an InputError thrown by `work` with the measurements-file row it came from. */
export function forRow<T>(row: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InputError && error.row === undefined) error.row = row;
    throw error;
  }
}

/** forRow for work that loads files (presets named by a row). */
export async function forRowAsync<T>(row: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InputError && error.row === undefined) error.row = row;
    throw error;
  }
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 3;

/** A user's string as a message quotes it: control characters escaped, long ones cut, so the message stays one line. */
export function printable(text: string, max = 60): string {
  const short = text.length > max ? `${text.slice(0, max)}...` : text;
  return short.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
