/** What a command hands back to cli.ts, which alone writes it and sets the exit code. */
export interface CommandResult {
  stdout: string;
  /** One line each, written to stderr after stdout. */
  stderr: string[];
  exitCode: number;
}

/** What cli.ts tells a command about the terminal and environment. */
export interface CommandContext {
  version: string;
  isTTY: boolean;
  /** The terminal's width when stdout is a terminal; undefined elsewhere (charts then draw 80 columns). */
  columns?: number | undefined;
  env: Record<string, string | undefined>;
  /** The command's words after `cp-plan` (--debug left out), for a report's "question". */
  argv?: readonly string[];
  /** Shows progress on an interactive terminal (a no-op elsewhere); returns an update and a stop function. */
  progress?: (text: string) => Promise<{ update(text: string): void; stop(): void }>;
}
