import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads the build's CommonJS bundles (dist/*.cjs) with V8's code cache.
 *
 * Compiling JavaScript is a large part of a short run's time. The build runs
 * representative commands once and stores, beside each bundle, V8's compiled
 * code for it (`<bundle>.cjs.cache`, from vm.Script#createCachedData), which
 * this loader hands back to V8. V8 checks the cache against its own version,
 * its flags and the source's length, and compiles as usual when they differ
 * (another node version, NODE_OPTIONS with V8 flags, a rebuilt bundle). The
 * build writes bundles and caches together; a bundle edited by hand to the
 * same length needs its .cache deleted (hashing the source to catch that would
 * cost more than the cache saves). Node 22 does the same with
 * module.enableCompileCache; the machines run Node 20, which lacks it.
 *
 * A bundle's require('./<name>.cjs') of another bundle goes through this
 * loader too (one instance per bundle); every other require is node's.
 */
export interface BundleLoader {
  load<T>(name: string): T;
  /** Every script compiled so far, by bundle name (the build writes their caches). */
  readonly scripts: ReadonlyMap<string, Script>;
}

/** CommonJS's function wrapper, on the bundle's first line so that line numbers in stack traces stay right. */
const HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const TAIL = '\n})';

export function bundleLoader(dir: string): BundleLoader {
  const modules = new Map<string, { exports: unknown }>();
  const scripts = new Map<string, Script>();
  function load<T>(name: string): T {
    const loaded = modules.get(name);
    if (loaded) return loaded.exports as T;
    const file = join(dir, `${name}.cjs`);
    const source = readFileSync(file, 'utf8');
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      // No cache (a build without one): V8 compiles the source.
    }
    const script = new Script(HEAD + source + TAIL, { filename: file, cachedData });
    scripts.set(name, script);
    const module = { exports: {} };
    modules.set(name, module);
    const nodeRequire = createRequire(file);
    const require = (id: string): unknown => (/^\.\/[\w-]+\.cjs$/.test(id) ? load(id.slice(2, -'.cjs'.length)) : nodeRequire(id));
    try {
      (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dir);
    } catch (error) {
      // As node's require: a bundle that failed to load is not left half-initialised for the next caller.
      modules.delete(name);
      throw error;
    }
    return module.exports as T;
  }
  return { load, scripts };
}
