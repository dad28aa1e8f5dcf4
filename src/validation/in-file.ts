import { InputError } from '../errors.js';

/**
 * Runs work over a measurements file, so that a layout error raised for one
 * of its rows (worded for a CLI flag) also names the file and the row.
 */
export function inFile<T>(label: string, work: () => T, list = 'measurements'): T {
  try {
    return work();
  } catch (error) {
    throw withRow(error, label, list);
  }
}

/** inFile for work that loads files. */
export async function inFileAsync<T>(label: string, work: () => Promise<T>, list = 'measurements'): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw withRow(error, label, list);
  }
}

function withRow(error: unknown, label: string, list: string): unknown {
  return error instanceof InputError && error.row !== undefined ? new InputError(`${label}: ${list}.${error.row}: ${error.message}`) : error;
}
