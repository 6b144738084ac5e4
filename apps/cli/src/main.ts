// Entry point of the `lora` command (`pnpm -s lora <verb>` or bin/lora.js).
import { run } from './run.js';

// `lora … | head`: a closed pipe ends the command quietly instead of with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await run(process.argv.slice(2));
