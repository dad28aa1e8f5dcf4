import { InputError } from '../errors.js';

/**
 * Runs work over a measurements file, so that a layout error raised for one
 * of its rows (worded for a CLI flag) also names the file and the row.
 */
export function inFile<T>(label: string, work: () => T, list = 'measurements'): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InputError && error.row !== undefined) {
      throw new InputError(`${label}: ${list}.${error.row}: ${error.message}`);
    }
    throw error;
  }
}
