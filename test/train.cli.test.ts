/**
 * `likeness train` as a real process on the built package (npm test builds first): Ctrl-C (SIGINT)
 * after the first epoch saves the best model so far, which `likeness verify --model` then uses.
 * Trains on the demo-photo people's `<person>/<photo>` tree (test/helpers/demo-people.ts): ten
 * people, two photos each; the test is about the command, not the model's accuracy.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedderFromFile } from '../src/models/model-file.js';
import { ROOT } from './helpers/data.js';
import { form, startService } from './helpers/service.js';
import { BIN, runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();
const who = demo.people[0]!;
const photo = (n: number) => (n === 1 ? demo.db(who) : demo.camera(who));

const cli = (...args: string[]) => runCli(args);

describe('likeness train CLI', () => {
  it('Ctrl-C after the first epoch saves the best model so far; verify --model uses it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-train-cli-'));
    const out = path.join(dir, 'demo.onnx');
    const child = spawn(process.execPath, [BIN, 'train', demo.peopleDir, '--out', out, '--epochs', '100000', '--patience', '100000', '--people', '6', '--validation', '0.25', '--mining', 'batch-all', '--alpha', '1', '--name', 'demo-cli'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!sent && /^epoch +1 /m.test(stdout)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (c) => resolve(c));
    });
    expect(sent, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(stdout).toMatch(/^epoch +0 +loss \d\.\d{4} +active \d+\.\d\d% .*val accuracy \d+\.\d\d%/m);
    expect(stdout).toMatch(/interrupted; saved /);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(path.join(dir, 'demo-training.svg'))).toBe(true);
    const spec = embedderFromFile(out);
    expect(spec.name).toBe('demo-cli');

    const v = await cli('verify', '--model', out, photo(1), photo(2), '--json');
    expect(v.code, v.stderr).toBe(0);
    const r = JSON.parse(v.stdout) as { model: { name: string }; threshold: number };
    expect(r.model.name).toBe('demo-cli');
    expect(r.threshold).toBe(spec.threshold.value);

    // the HTTP service serves it too (--model / LIKENESS_MODEL), in its worker threads
    const service = await startService({ model: out });
    try {
      const answer = await service.call<{ model: { name: string }; threshold: number; verified: boolean }>('POST', '/v1/verify', { key: service.recognize, form: form({ image1: photo(1), image2: photo(2) }) });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.model.name).toBe('demo-cli');
      expect(answer.body.threshold).toBe(spec.threshold.value);
    } finally {
      await service.close();
    }

    const bad = await cli('verify', '--model', path.join(dir, 'missing.onnx'), photo(1), photo(2));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 90_000);
});
