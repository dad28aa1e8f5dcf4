import { main } from './program.js';

// The only module that touches the real process: argv, stdout, stderr and the exit code.
process.exitCode = await main(process.argv, {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  stderrStream: process.stderr,
});
