#!/usr/bin/env node
import { makeModelCommand } from './commands/make-model.command.js';
import { profileCommand } from './commands/profile.command.js';
import { simulateCommand } from './commands/simulate.command.js';
import { submitCommand } from './commands/submit.command.js';
import { upCommand } from './commands/up.command.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  up: {
    run: upCommand,
    help: 'start api, scheduler and a worker locally (private Redis and a model if needed)',
  },
  'make-model': { run: makeModelCommand, help: 'write a synthetic GGUF model (presets: --list)' },
  profile: { run: profileCommand, help: 'measure models on this device; write and store profiles' },
  simulate: { run: simulateCommand, help: 'run a fleet scenario under several policies' },
  submit: {
    run: submitCommand,
    help: 'upload a JSONL batch, follow it to the end, download output',
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.help}`);
  return (
    `usage: switchyard <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    'Run a command with --help for its options.'
  );
}

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new Error(`unknown command "${name}"\n\n${usage()}`);
  await command.run(argv);
}

main().catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
