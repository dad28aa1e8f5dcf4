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
  constructor(message: string) {
    super(message, 2);
  }
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 3;
