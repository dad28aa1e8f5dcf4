import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { InputError } from './errors.js';

/** Writes the whole file or nothing: a temporary file renamed into place, removed on failure. */
export function writeWhole(path: string, text: string, flag: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new InputError(`${flag} ${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  }
}
