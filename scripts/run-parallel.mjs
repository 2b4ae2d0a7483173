#!/usr/bin/env node
// Runs the given commands side by side (each a single string, run by the shell), prints each one's
// output when it ends, and exits non-zero if any of them failed. `npm test` runs its static checks
// (tsc, eslint, the jsii check) this way: each uses one core, and this machine has two.
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
const runs = commands.map(
  (command) =>
    new Promise((resolve) => {
      const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => {
        process.stdout.write(`\n> ${command} (exit ${code})\n${output}`);
        resolve(code ?? 1);
      });
    }),
);
const codes = await Promise.all(runs);
process.exit(codes.some((code) => code !== 0) ? 1 : 0);
