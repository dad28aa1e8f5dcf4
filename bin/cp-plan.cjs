#!/usr/bin/env node
try {
  require('../dist/cli.cjs');
} catch (error) {
  // A clone before `npm run build` (an installed package ships dist/): say so in one line.
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('cli.cjs')) throw error;
  process.stderr.write('cp-plan: not built: dist/cli.cjs is missing; run `npm run build` in the repository first\n');
  process.exitCode = 3;
}
