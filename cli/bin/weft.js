#!/usr/bin/env node
// The `weft` command. Weft's packages ship TypeScript sources; tsx compiles them on load, and the
// same loader lets users write weft.config.ts and asset modules in TypeScript.
import { register } from 'tsx/esm/api';

register();
// `weft … | head` closes the pipe early: not an error of the command.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
