/** `likeness keys create|list|revoke`: API keys of the HTTP service. A key is printed once; only its hash is stored. */
import { Command, Option } from 'commander';
import { loadConfig } from '../service/config.js';
import type { KeyStore, Role } from '../service/keys.js';
import { LikenessError } from '../errors.js';

const keysOption = (): Option => new Option('--keys <file>', 'the key store (env LIKENESS_KEYS)').default(undefined, '<data dir>/keys.sqlite');
const dataDirOption = (): Option => new Option('--data-dir <dir>', 'data folder (env LIKENESS_DATA_DIR)').default(undefined, '~/.local/share/likeness');

/** The service's roles (ROLES in service/keys.ts, which loads SQLite: not imported for --help). */
const ROLE_NAMES: readonly Role[] = ['admin', 'recognize'];

async function withStore<T>(o: { keys?: string; dataDir?: string }, fn: (s: KeyStore) => T): Promise<T> {
  const { KeyStore } = await import('../service/keys.js');
  const store = KeyStore.open(loadConfig({ keys: o.keys, dataDir: o.dataDir }).keys);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('API keys of the HTTP service (likeness serve)');
  keys
    .command('create')
    .description('create a key and print it once (only its hash is stored)')
    .addOption(new Option('--role <role>', 'admin: everything; recognize: detect, embed, verify, identify, read subjects').choices([...ROLE_NAMES]).makeOptionMandatory())
    .option('--name <label>', 'a label to recognise the key by in `keys list`', '')
    .addOption(keysOption())
    .addOption(dataDirOption())
    .option('--json', 'print JSON only')
    .action(async (o: { role: Role; name: string; keys?: string; dataDir?: string; json?: boolean }) => {
      await withStore(o, (s) => {
        const { key, info } = s.create(o.role, o.name);
        if (o.json) process.stdout.write(`${JSON.stringify({ key, ...info })}\n`);
        else {
          process.stdout.write(`${key}\n`);
          process.stderr.write(`likeness: ${info.role} key ${info.id} created in ${s.file}; it is shown only this once (only its hash is stored). Use it as "Authorization: Bearer <key>".\n`);
        }
      });
    });
  keys
    .command('list')
    .description('the keys: id, role, label, creation time (never the keys themselves)')
    .addOption(keysOption())
    .addOption(dataDirOption())
    .option('--json', 'print JSON only')
    .action(async (o: { keys?: string; dataDir?: string; json?: boolean }) => {
      await withStore(o, (s) => {
        const list = s.list();
        if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else for (const k of list) process.stdout.write(`${k.id}  ${k.role.padEnd(9)}  ${k.createdAt}  ${k.name}\n`);
      });
    });
  keys
    .command('revoke')
    .description('delete a key (takes effect at once, also in a running service)')
    .argument('<id>', 'the key id (`keys list`, or the 8 characters after lk_)')
    .addOption(keysOption())
    .addOption(dataDirOption())
    .action(async (id: string, o: { keys?: string; dataDir?: string }) => {
      await withStore(o, (s) => {
        if (!s.revoke(id)) throw new LikenessError('E_UNKNOWN_KEY', `no key with id ${id}`);
        process.stdout.write(`revoked key ${id}\n`);
      });
    });
}
