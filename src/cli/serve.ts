/** `likeness serve`: the HTTP service (API, docs and web page) on the gallery. `npm start` runs it. */
import { Command, Option } from 'commander';
import { describeConfig, loadConfig, type RawConfig } from '../service/config.js';
import type { ensureAdminKey } from '../service/keys.js';

interface ServeOpts {
  host?: string;
  port?: string;
  dataDir?: string;
  db?: string;
  keys?: string;
  workers?: string;
  queue?: string;
  maxUploadMb?: string;
  maxPixels?: string;
  maxFaces?: string;
  maxImages?: string;
  timeoutMs?: string;
  rateLimit?: string;
  rateWindowMs?: string;
  verifyThreshold?: string;
  identifyThreshold?: string;
  webDir?: string;
  logLevel?: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP service on localhost: the API under /v1, its docs at /docs, the web page at /')
    .addOption(new Option('--host <addr>', 'address to listen on (env LIKENESS_HOST)').default(undefined, '127.0.0.1'))
    .addOption(new Option('--port <n>', 'port, 0 for any free one (env LIKENESS_PORT)').default(undefined, '3000'))
    .addOption(new Option('--data-dir <dir>', 'folder of the default gallery and key store (env LIKENESS_DATA_DIR)').default(undefined, '~/.local/share/likeness'))
    .addOption(new Option('--db <file|url>', 'gallery: a SQLite file or a postgres:// URL (env LIKENESS_DB)').default(undefined, '<data dir>/gallery.sqlite'))
    .addOption(new Option('--model <name|file.onnx>', 'model stack (`likeness models` lists them) or a model trained by `likeness train` (env LIKENESS_MODEL)').default(undefined, "the gallery's own stack, else the default"))
    .addOption(new Option('--keys <file>', 'API key store (env LIKENESS_KEYS)').default(undefined, '<data dir>/keys.sqlite'))
    .addOption(new Option('--workers <n>', 'inference worker threads (env LIKENESS_WORKERS)').default(undefined, 'one per core'))
    .addOption(new Option('--queue <n>', 'images that may wait for a worker; beyond: 503 (env LIKENESS_QUEUE)').default(undefined, '8 × workers'))
    .addOption(new Option('--max-upload-mb <mb>', 'largest image upload (env LIKENESS_MAX_UPLOAD_MB)').default(undefined, '10'))
    .addOption(new Option('--max-pixels <mp>', 'largest image in megapixels (env LIKENESS_MAX_PIXELS_MP)').default(undefined, '40'))
    .addOption(new Option('--max-faces <n>', 'faces per image (env LIKENESS_MAX_FACES)').default(undefined, '50'))
    .addOption(new Option('--max-images <n>', 'images per request (env LIKENESS_MAX_IMAGES)').default(undefined, '10'))
    .addOption(new Option('--timeout-ms <ms>', 'request time limit (env LIKENESS_TIMEOUT_MS)').default(undefined, '30000'))
    .addOption(new Option('--rate-limit <n>', 'requests per key per window (env LIKENESS_RATE_LIMIT)').default(undefined, '600'))
    .addOption(new Option('--rate-window-ms <ms>', 'rate-limit window (env LIKENESS_RATE_WINDOW_MS)').default(undefined, '60000'))
    .addOption(new Option('--verify-threshold <t>', '1:1 distance threshold (env LIKENESS_VERIFY_THRESHOLD)').default(undefined, 'calibrated'))
    .addOption(new Option('--identify-threshold <t>', 'open-set distance threshold (env LIKENESS_IDENTIFY_THRESHOLD)').default(undefined, 'calibrated'))
    .addOption(new Option('--web-dir <dir>', 'the built web page (env LIKENESS_WEB_DIR)').default(undefined, 'web/dist'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|silent (env LIKENESS_LOG_LEVEL)').default(undefined, 'info'))
    .action(async (o: ServeOpts) => {
      const { maxPixels, ...rest } = o;
      const config = loadConfig({ ...rest, maxPixelsMp: maxPixels } satisfies RawConfig);
      const err = (s: string): boolean => process.stderr.write(s);
      err(`likeness serve\n${describeConfig(config).map((l) => `  ${l}\n`).join('')}`);

      const { ensureAdminKey: ensureAdmin, KeyStore } = await import('../service/keys.js');
      const keys = KeyStore.open(config.keys);
      let first: ReturnType<typeof ensureAdminKey>;
      try {
        first = ensureAdmin(keys);
      } finally {
        keys.close();
      }

      // Loaded here, not at CLI start: the other commands need none of the HTTP stack.
      const { buildApp } = await import('../service/app.js');
      const app = await buildApp(config);
      const closed = new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          err(`likeness: ${signal}: finishing the requests in flight, then stopping\n`);
          setTimeout(() => {
            err('likeness: requests still in flight after the shutdown timeout; exiting\n');
            process.exit(1);
          }, config.shutdownTimeoutMs + 5000).unref();
          app.close().then(resolve, (e: unknown) => {
            err(`likeness: shutdown: ${(e as Error).message}\n`);
            resolve();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });

      await app.listen({ host: config.host, port: config.port });
      const a = app.server.address();
      const port = typeof a === 'object' && a ? a.port : config.port;
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      err(`likeness: listening on ${url} (web page ${url}/, API docs ${url}/docs)\n`);
      if (first) {
        err(
          `\nlikeness: no API key existed, so an admin key was created. It is shown only this once (only its hash is stored):\n\n` +
            `  ${first.key}\n\n` +
            `  log in to the web page with it, or: curl -H "Authorization: Bearer ${first.key}" ${url}/v1/session\n` +
            `  more keys: likeness keys create --role recognize|admin${config.keys ? ` --keys ${config.keys}` : ''}\n\n`,
        );
      }
      await closed;
      err('likeness: stopped\n');
    });
}
