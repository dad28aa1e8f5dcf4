import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root directory, which holds presets/, validation/, schema/ and
 * package.json. Every shipped file is found from here, never from the cwd.
 * From source this module is src/root.ts; in the build every bundle sits
 * directly in dist/ (scripts/build.ts), so the parent directory is the root
 * in both cases.
 */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The built-in presets, validated and converted at build time (scripts/build.ts): index.json and one JSON file per preset. */
export const COMPILED_PRESETS_DIR = join(PACKAGE_ROOT, 'dist', 'presets');
