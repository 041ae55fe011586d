#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// `likeness … | head`: a closed pipe ends the command quietly, as Unix tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv);
