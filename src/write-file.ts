import { realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { InputError, printable } from './errors.js';
import { kindOfSpecial } from './read-file.js';
import { filesReadThisRun, interruptGuard } from './run-files.js';
import { PACKAGE_ROOT } from './root.js';

/** The package's folders whose files cp-plan never overwrites (and package.json). */
const OWN = ['presets', 'validation', 'schema', 'dist', 'bin', 'package.json'];

const inside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Refuses a target that writing would harm or that cannot be written: an empty name, a directory,
 * anything but a regular file (a device such as /dev/null, a FIFO, a socket), a file this run read
 * (compared by real path and by device and inode, so a symlink or a hard link is seen through), or
 * one of cp-plan's own files (through a symlinked directory too).
 */
export function assertWritable(path: string, flag: string, example = 'out.yaml'): void {
  if (path === '') throw new InputError(`${flag}: the file name is empty; give one such as ${example}`);
  const shown = `${flag} ${printable(path, 120)}`;
  let stat: Stats | undefined;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InputError(`${shown}: cannot write (${code ?? 'error'}); check the path`);
  }
  if (stat?.isDirectory()) throw new InputError(`${shown}: is a directory; give a file name such as ${printable(join(path, example), 120)}`);
  if (stat && !stat.isFile()) throw new InputError(`${shown}: is ${kindOfSpecial(stat)}, not a regular file; cp-plan writes only regular files`);
  const real = stat ? realOrResolved(path) : join(realOrResolved(dirname(path)), basename(path));
  for (const read of filesReadThisRun()) {
    if (read.path === real || (stat && stat.dev === read.dev && stat.ino === read.ino)) {
      throw new InputError(`${shown}: is one of the input files; choose another file name`);
    }
  }
  const root = realOrResolved(PACKAGE_ROOT);
  if (inside(join(root, 'presets'), real)) throw new InputError(`${shown}: is one of cp-plan's shipped presets; write your file elsewhere`);
  if (OWN.some((own) => inside(join(root, own), real))) throw new InputError(`${shown}: is one of cp-plan's own files; write your file elsewhere`);
}

/**
 * Writes the whole file or nothing: a temporary file beside the target (a short name, so a long
 * target name still fits), renamed into place. The temporary file is removed on every failure and,
 * through the interrupt guard, when the run is interrupted.
 */
export function writeWhole(path: string, text: string, flag: string, example?: string): void {
  assertWritable(path, flag, example);
  const tmp = join(dirname(path), `.cp-plan-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  const release = interruptGuard()?.(() => removeQuietly(tmp));
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (error) {
    removeQuietly(tmp);
    throw new InputError(`${flag} ${printable(path, 120)}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path`);
  } finally {
    release?.();
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing was created there (ENOTDIR, ENAMETOOLONG, EACCES): nothing to remove.
  }
}
