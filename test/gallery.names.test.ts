/**
 * Subjects' names: trimmed, never blank, never with control characters (ESC, CR, LF… would reach a
 * terminal through `subjects list`). The gallery's validation refuses them, so the library, the CLI
 * (exit 1) and the service (400) all do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidSubjectError } from '../src/gallery/errors.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';
import { runCli } from './helpers/cli.js';
import { startService } from './helpers/service.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BAD = ['', '   ', '\t\n', 'evil\u001b[2J', 'line\nbreak', 'carriage\rreturn', 'nul\u0000', 'c1\u009b31m', 'del\u007f'];

describe('subject names', () => {
  it('the library trims names and refuses blank ones and control characters, on create and rename', async () => {
    const store = SqliteGalleryStore.open(path.join(dir, 'lib.sqlite'));
    try {
      const s = await store.createSubject('  Ada Lovelace \n');
      expect(s.name).toBe('Ada Lovelace');
      expect((await store.getSubject(s.id))!.name).toBe('Ada Lovelace');
      for (const name of BAD) {
        await expect(store.createSubject(name), JSON.stringify(name)).rejects.toBeInstanceOf(InvalidSubjectError);
        await expect(store.renameSubject(s.id, name), JSON.stringify(name)).rejects.toBeInstanceOf(InvalidSubjectError);
      }
      expect((await store.listSubjects()).map((x) => x.name)).toEqual(['Ada Lovelace']);
    } finally {
      await store.close();
    }
  });

  it('the CLI exits 1 with a message; the name is unchanged', async () => {
    const db = path.join(dir, 'cli.sqlite');
    const store = SqliteGalleryStore.open(db);
    const s = await store.createSubject('Grace');
    await store.close();
    for (const name of ['   ', 'x\u001b]0;owned\u0007']) {
      const r = await runCli(['subjects', 'rename', '--db', db, s.id, name]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/invalid subject: the name/);
    }
    const list = await runCli(['subjects', 'list', '--db', db]);
    expect(list.stdout).toMatch(/Grace/);
    expect(list.stdout).not.toMatch(/\u001b/);
  });

  it('the service answers 400 E_GALLERY_INVALID_SUBJECT', async () => {
    const svc = await startService();
    try {
      for (const name of ['   ', 'evil\u001b[2J', 'a\r\nb']) {
        const r = await svc.call('POST', '/v1/subjects', { key: svc.admin, json: { name } });
        expect(r, JSON.stringify(name)).toMatchObject({ status: 400, body: { error: { code: 'E_GALLERY_INVALID_SUBJECT' } } });
      }
      const ok = await svc.call('POST', '/v1/subjects', { key: svc.admin, json: { name: ' Alan ' } });
      expect(ok).toMatchObject({ status: 201, body: { name: 'Alan' } });
      const patch = await svc.call('PATCH', `/v1/subjects/${ok.body.id}`, { key: svc.admin, json: { name: '\u001b[31m' } });
      expect(patch).toMatchObject({ status: 400, body: { error: { code: 'E_GALLERY_INVALID_SUBJECT' } } });
    } finally {
      await svc.close();
    }
  });
});
