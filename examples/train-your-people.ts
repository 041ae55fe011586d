/**
 * Train likeness on your own people. The folder holds one subfolder per person
 * (people/<name>/<photos>): at least two photos each, and a few people more than the 20 % held out
 * to validate. A small head is trained with the triplet loss on the pretrained network's encodings
 * (computed once, then cached); its threshold is set on the held-out people, and the model is saved
 * as one ONNX file that `Likeness.create({ model })`, the CLI (`--model`) and the service take.
 * Training keeps the pretrained encoder (epoch 0) unless an epoch validates better.
 *
 *   npx tsx examples/train-your-people.ts people/ mine.onnx [epochs]
 */
import { Likeness, readPeople, saveModel, trainFromFolder } from 'likeness';

const [dir, out, epochs = '10'] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: train-your-people.ts PEOPLE_FOLDER OUT.onnx [EPOCHS]');
  process.exit(2);
}

const trained = await trainFromFolder({
  dir,
  name: 'my-people',
  epochs: Number(epochs),
  onStage: (line) => console.log(line),
  onEpoch: (e, best) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation accuracy ${(100 * e.valAccuracy).toFixed(2)} %${best ? ' (best so far)' : ''}`),
});
await saveModel(out, trained.bytes);
const { threshold } = trained.metadata;
console.log(`saved ${out}: threshold ${threshold.value.toFixed(4)}, best epoch ${trained.result.best.epoch}`);

// Use the trained model: the first two photos of the first person.
const likeness = await Likeness.create({ model: out });
const [first] = await readPeople(dir);
const [a, b] = first?.files ?? [];
if (first && a && b) {
  const r = await likeness.verify(a, b);
  console.log(`${first.name}, two photos: ${r.verified ? 'same person' : 'different people'} (distance ${r.distance.toFixed(3)}, threshold ${r.threshold.toFixed(3)})`);
}
