/** `likeness keys create|list|revoke`: API keys of the HTTP service. A key is printed once; only its hash is stored. */
import { Command, Option } from 'commander';
import { loadConfig } from '../service/config.js';
import { KeyStore, ROLES, type Role } from '../service/keys.js';
import { LikenessError } from '../errors.js';

const keysOption = (): Option => new Option('--keys <file>', 'the key store (env LIKENESS_KEYS)').default(undefined, '<data dir>/keys.sqlite');
const dataDirOption = (): Option => new Option('--data-dir <dir>', 'data folder (env LIKENESS_DATA_DIR)').default(undefined, '~/.local/share/likeness');

function withStore<T>(o: { keys?: string; dataDir?: string }, fn: (s: KeyStore) => T): T {
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
    .addOption(new Option('--role <role>', 'admin: everything; recognize: detect, embed, verify, identify, read subjects').choices([...ROLES]).makeOptionMandatory())
    .option('--name <label>', 'a label to recognise the key by in `keys list`', '')
    .addOption(keysOption())
    .addOption(dataDirOption())
    .option('--json', 'print JSON only')
    .action((o: { role: Role; name: string; keys?: string; dataDir?: string; json?: boolean }) => {
      withStore(o, (s) => {
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
    .action((o: { keys?: string; dataDir?: string; json?: boolean }) => {
      withStore(o, (s) => {
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
    .action((id: string, o: { keys?: string; dataDir?: string }) => {
      withStore(o, (s) => {
        if (!s.revoke(id)) throw new LikenessError('E_UNKNOWN_KEY', `no key with id ${id}`);
        process.stdout.write(`revoked key ${id}\n`);
      });
    });
}
