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

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text with every C0 and C1 control character (and DEL) written visibly: \n, \r, \t, else \xNN
 * (\x1b, \x9b), so that it cannot start a new line, move the cursor or send an escape sequence.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => SHORT[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A user's string as a message quotes it: control characters escaped, long ones cut, so the message stays one line. */
export function printable(text: string, max = 60): string {
  return escapeControls(text.length > max ? `${text.slice(0, max)}...` : text);
}

/**
 * The last guard on a result before it reaches stdout: control characters that no renderer produces
 * are escaped (a user's text that reached the output unquoted). Kept: newlines, and the colour (SGR)
 * sequences chalk writes. DEL and C1 become \u00NN, which is also exact inside a JSON string (where
 * JSON.stringify leaves them raw); JSON never holds a raw C0 character.
 */
export function terminalSafe(text: string): string {
  if (!/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(text)) return text;
  return text.replace(/\x1b\[[0-9;]*m|[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, (c) =>
    c.length > 1 ? c : c < '\x7f' ? escapeControls(c) : `\\u00${c.charCodeAt(0).toString(16)}`,
  );
}
