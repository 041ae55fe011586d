/**
 * A bulk enrolment as the CLI will do it, for the multi-process gallery tests:
 *   node --import tsx gallery-enrol-child.ts FILE PREFIX FROM TO
 * enrols "images" FROM..TO-1 (image i belongs to subject `${PREFIX}-${i % 10}`, one random face
 * each), skipping those already enrolled (hasImage), one transaction per image, and prints
 * "committed <faceId>" after each commit returns ("skipped <i>" for the others). With
 * LIKENESS_WAIT_FOR_GO set it says "ready" over IPC once the store is open and waits for a message.
 */
import { createHash } from 'node:crypto';
import { openGallery } from '../../src/gallery/open.js';
import type { Subject } from '../../src/gallery/types.js';

const [file, prefix, fromArg, toArg] = process.argv.slice(2);
if (!file || !prefix || !fromArg || !toArg) {
  process.stderr.write('usage: gallery-enrol-child.ts FILE PREFIX FROM TO\n');
  process.exit(2);
}
const MODEL = { name: 'resnet128', version: '1', dimensions: 128 };

function unit(seed: string): Float32Array {
  const bytes = createHash('sha512').update(seed).digest();
  const v = new Float32Array(128);
  let s = 0;
  for (let i = 0; i < 128; i++) {
    v[i] = bytes[i % 64]! - 127.5 + i / 128;
    s += v[i]! * v[i]!;
  }
  for (let i = 0; i < 128; i++) v[i]! /= Math.sqrt(s);
  return v;
}

const store = await openGallery(file);
await store.init(MODEL);
if (process.env.LIKENESS_WAIT_FOR_GO && process.send) {
  // Start writing together with the other process: ready → wait for "go".
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!('ready');
  });
}
const subjects = new Map<string, Subject>();
for (let i = Number(fromArg); i < Number(toArg); i++) {
  const name = `${prefix}-${i % 10}`;
  const imageSha256 = createHash('sha256').update(`${prefix}/image-${i}`).digest('hex');
  if (await store.hasImage(name, imageSha256)) {
    process.stdout.write(`skipped ${i}\n`);
    continue;
  }
  let subject = subjects.get(name) ?? (await store.findSubjects(name))[0];
  subject ??= await store.createSubject(name);
  subjects.set(name, subject);
  const [stored] = await store.addFaces(subject.id, [{ embedding: unit(`${prefix}/${i}`), score: 0.9, imageSha256 }]);
  process.stdout.write(`committed ${stored!.id}\n`);
}
await store.close();
