// Preload (`node --import ./test/helpers/loaded-modules.mjs …`): on exit, writes the CommonJS modules
// loaded (require.cache: onnxruntime-node, sharp, better-sqlite3, pg, fastify, tfjs are CommonJS)
// as JSON lines to the file named by LIKENESS_LOADED_MODULES.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const out = process.env.LIKENESS_LOADED_MODULES;
  if (out) writeFileSync(out, Object.keys(require.cache).join('\n'));
});
