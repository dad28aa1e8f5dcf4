import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from './errors.js';
import { recordFileRead } from './run-files.js';

/** The largest file of the user's cp-plan reads (presets, measurements, check files, nccl-tests output). */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** What a file that is not a regular file is, for a message. */
export function kindOfSpecial(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why a read failed, in words, from its errno code. */
function reason(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'cannot read file (ENOENT); check the path';
    case 'EACCES':
    case 'EPERM':
      return `cannot read file (${code}: permission denied); check its permissions`;
    case 'ENOTDIR':
      return 'cannot read file (ENOTDIR: a part of the path is not a directory); check the path';
    case 'ENAMETOOLONG':
      return 'cannot read file (ENAMETOOLONG); check the path';
    case 'ELOOP':
      return 'cannot read file (ELOOP: too many symbolic links); check the path';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot read file (${code ?? 'error'}); give a regular file`;
  }
}

/**
 * The one function that reads a file of the user's. It never hangs and never grows without bound:
 * the file is opened non-blocking (a FIFO without a writer does not wait), must be a regular file
 * (not a directory, FIFO, device or socket), and is read only up to `maxBytes` whatever its stated
 * size (files in /proc say 0). Every failure is one InputError line naming `label`. The file's real
 * path, device and inode are recorded so that no output of this run can overwrite it.
 */
export function readInputFile(file: string, label: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  if (file === '') throw new InputError(`${label || "''"}: empty path; give a file name`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new InputError(`${label}: ${reason((error as NodeJS.ErrnoException).code)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const what = kindOfSpecial(stat);
      throw new InputError(`${label}: is ${what}, not a regular file; give a file${what === 'a directory' ? ' inside it' : ''}`);
    }
    record(file, stat);
    const limit = `under ${formatMiB(maxBytes)}`;
    if (stat.size > maxBytes) throw new InputError(`${label}: file is ${stat.size} bytes; a file must be ${limit}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new InputError(`${label}: file is over ${formatMiB(maxBytes)}; a file must be ${limit}`);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${label}: ${reason((error as NodeJS.ErrnoException).code)}`);
  } finally {
    closeSync(fd);
  }
}

function record(file: string, stat: Stats): void {
  let path: string;
  try {
    path = realpathSync(file);
  } catch {
    path = resolve(file);
  }
  recordFileRead({ path, dev: stat.dev, ino: stat.ino });
}

function formatMiB(bytes: number): string {
  return `${bytes / 1048576} MiB`;
}
