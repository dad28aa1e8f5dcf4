import { main } from './program.js';

// A reader that stops early (`| head`) is not an error: stop writing quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The only module that touches the real process: argv, stdout, stderr and the exit code.
process.exitCode = await main(process.argv, {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  stderrStream: process.stderr,
});
