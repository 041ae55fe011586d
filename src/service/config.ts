/**
 * The service's configuration: command-line flags over environment variables over defaults,
 * validated once at start and printed (without secrets) so an operator sees what runs.
 *
 * Locations: the data folder is `$LIKENESS_DATA_DIR`, else `$XDG_DATA_HOME/likeness`, else
 * `~/.local/share/likeness`; the gallery (`gallery.sqlite`) and the API keys (`keys.sqlite`) live
 * there unless `--db`/`LIKENESS_DB` and `--keys`/`LIKENESS_KEYS` say otherwise.
 */
import { existsSync } from 'node:fs';
import { isStackName, listStacks } from '../models/stacks.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LikenessError } from '../errors.js';
import { DEFAULT_CHALLENGE_PARAMS } from '../liveness/challenge.js';

export interface ServiceConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Gallery: a SQLite file or a postgres:// URL. */
  db: string;
  /** A model stack's name, or a model file trained by `likeness train`; undefined: the gallery's own stack, else the default. */
  model: string | undefined;
  /** The API key store (a small SQLite file). */
  keys: string;
  /** Inference worker threads. */
  workers: number;
  /** Images that may wait for a worker beyond those running; more → 503 E_BUSY with Retry-After. */
  queue: number;
  /** Largest accepted image upload (bytes, after base64 decoding). */
  maxUploadBytes: number;
  /** Largest accepted image (pixels, read from the header before decoding). */
  maxPixels: number;
  /** More faces than this in one image → 422 E_TOO_MANY_FACES. */
  maxFaces: number;
  /** Images per request (enrolment with several photos). */
  maxImages: number;
  /** A request not answered within this time gets 503 E_TIMEOUT (slow uploads are cut too). */
  timeoutMs: number;
  /** Requests per key (per client address without a key) per window; more → 429 E_RATE_LIMITED. */
  rateLimit: number;
  rateWindowMs: number;
  /** 1:1 threshold override (default: the model's calibrated one). */
  verifyThreshold: number | undefined;
  /** Open-set identification threshold override (default: the calibrated one). */
  identifyThreshold: number | undefined;
  /** The built web page (served at / when the folder exists). */
  webDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a shutdown waits for requests in flight before giving up. */
  shutdownTimeoutMs: number;
  /** How long an active liveness challenge may take (slow hardware or networks need more). */
  challengeTimeoutMs: number;
  /** Streams (watched sources and push streams) running at once; more → 429 E_TOO_MANY_STREAMS. */
  maxStreams: number;
  /** A push stream that receives no frame for this long ends (state `expired`). */
  streamIdleMs: number;
  /** Events kept for SSE replay (Last-Event-ID). */
  eventBuffer: number;
  /** SSE heartbeat (a comment line) interval. */
  sseHeartbeatMs: number;
  /** An SSE client more than this many bytes behind is disconnected (it reconnects with Last-Event-ID). */
  sseMaxBufferedBytes: number;
  /** A webhook receiving every stream's events (with webhookSecret); per-stream webhooks come in POST /v1/streams. */
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  /** Time limit of one webhook attempt. */
  webhookTimeoutMs: number;
  /** Attempts per event (the first included), with exponential back-off from webhookBaseDelayMs. */
  webhookAttempts: number;
  webhookBaseDelayMs: number;
  /** Events waiting per webhook and stream; beyond, the oldest is dropped (counted). */
  webhookQueue: number;
}

/** A configuration value that cannot be used (exit status 1 from the CLI). */
export class ConfigError extends LikenessError {
  constructor(message: string) {
    super('E_CONFIG', message);
  }
}

/** The raw settings as strings, from flags (camelCase keys) or the environment. */
export type RawConfig = Partial<Record<keyof ServiceConfig | 'dataDir' | 'maxUploadMb' | 'maxPixelsMp', string | number | undefined>>;

/** Environment variable of each setting. */
export const ENV: Record<keyof RawConfig, string> = {
  host: 'LIKENESS_HOST',
  port: 'LIKENESS_PORT',
  dataDir: 'LIKENESS_DATA_DIR',
  db: 'LIKENESS_DB',
  model: 'LIKENESS_MODEL',
  keys: 'LIKENESS_KEYS',
  workers: 'LIKENESS_WORKERS',
  queue: 'LIKENESS_QUEUE',
  maxUploadMb: 'LIKENESS_MAX_UPLOAD_MB',
  maxUploadBytes: 'LIKENESS_MAX_UPLOAD_BYTES',
  maxPixelsMp: 'LIKENESS_MAX_PIXELS_MP',
  maxPixels: 'LIKENESS_MAX_PIXELS',
  maxFaces: 'LIKENESS_MAX_FACES',
  maxImages: 'LIKENESS_MAX_IMAGES',
  timeoutMs: 'LIKENESS_TIMEOUT_MS',
  rateLimit: 'LIKENESS_RATE_LIMIT',
  rateWindowMs: 'LIKENESS_RATE_WINDOW_MS',
  verifyThreshold: 'LIKENESS_VERIFY_THRESHOLD',
  identifyThreshold: 'LIKENESS_IDENTIFY_THRESHOLD',
  webDir: 'LIKENESS_WEB_DIR',
  logLevel: 'LIKENESS_LOG_LEVEL',
  shutdownTimeoutMs: 'LIKENESS_SHUTDOWN_TIMEOUT_MS',
  challengeTimeoutMs: 'LIKENESS_CHALLENGE_TIMEOUT_MS',
  maxStreams: 'LIKENESS_MAX_STREAMS',
  streamIdleMs: 'LIKENESS_STREAM_IDLE_MS',
  eventBuffer: 'LIKENESS_EVENT_BUFFER',
  sseHeartbeatMs: 'LIKENESS_SSE_HEARTBEAT_MS',
  sseMaxBufferedBytes: 'LIKENESS_SSE_MAX_BUFFERED_BYTES',
  webhookUrl: 'LIKENESS_WEBHOOK_URL',
  webhookSecret: 'LIKENESS_WEBHOOK_SECRET',
  webhookTimeoutMs: 'LIKENESS_WEBHOOK_TIMEOUT_MS',
  webhookAttempts: 'LIKENESS_WEBHOOK_ATTEMPTS',
  webhookBaseDelayMs: 'LIKENESS_WEBHOOK_BASE_DELAY_MS',
  webhookQueue: 'LIKENESS_WEBHOOK_QUEUE',
};

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `$LIKENESS_DATA_DIR`, else `$XDG_DATA_HOME/likeness`, else `~/.local/share/likeness`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIKENESS_DATA_DIR) return path.resolve(env.LIKENESS_DATA_DIR);
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'likeness');
  return path.join(os.homedir(), '.local', 'share', 'likeness');
}

function number(name: string, v: string | number, min: number, max: number, integer: boolean): number {
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`${name} must be ${integer ? 'an integer' : 'a number'} within ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Flags (already parsed to strings or numbers; undefined when absent) over the environment over
 * defaults. ConfigError names the flag or variable at fault.
 */
export function loadConfig(flags: RawConfig = {}, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const pick = (k: keyof RawConfig): { v: string | number; name: string } | undefined => {
    const f = flags[k];
    if (f !== undefined) return { v: f, name: `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` };
    const e = env[ENV[k]];
    return e === undefined || e === '' ? undefined : { v: e, name: ENV[k] };
  };
  const num = (k: keyof RawConfig, def: number, min: number, max: number, integer = true): number => {
    const p = pick(k);
    return p ? number(p.name, p.v, min, max, integer) : def;
  };
  const optNum = (k: keyof RawConfig, min: number, max: number): number | undefined => {
    const p = pick(k);
    return p ? number(p.name, p.v, min, max, false) : undefined;
  };
  const str = (k: keyof RawConfig, def: string): string => {
    const p = pick(k);
    return p ? String(p.v) : def;
  };

  const dataDir = pick('dataDir') ? path.resolve(String(pick('dataDir')!.v)) : defaultDataDir(env);
  const host = str('host', '127.0.0.1');
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError(`host must be an address or host name, got ${JSON.stringify(host)}`);
  const logLevel = str('logLevel', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const workers = num('workers', Math.max(1, os.availableParallelism()), 1, 64);
  const uploadMb = optNum('maxUploadMb', 0.001, 1024);
  const pixelsMp = optNum('maxPixelsMp', 0.001, 1000);
  const webhookUrl = pick('webhookUrl') ? webhookUrlValue(String(pick('webhookUrl')!.v)) : undefined;
  const webhookSecret = pick('webhookSecret') ? String(pick('webhookSecret')!.v) : undefined;
  if (webhookUrl && !webhookSecret) throw new ConfigError(`a webhook URL needs a secret to sign its events: set ${ENV.webhookSecret} (or --webhook-secret)`);

  return {
    host,
    port: num('port', 3000, 0, 65535),
    db: str('db', path.join(dataDir, 'gallery.sqlite')),
    model: pick('model') ? modelValue(String(pick('model')!.v)) : undefined,
    keys: path.resolve(str('keys', path.join(dataDir, 'keys.sqlite'))),
    workers,
    queue: num('queue', 8 * workers, 0, 100_000),
    maxUploadBytes: num('maxUploadBytes', uploadMb === undefined ? 10 * 1024 * 1024 : Math.round(uploadMb * 1024 * 1024), 1, 1024 * 1024 * 1024),
    maxPixels: num('maxPixels', pixelsMp === undefined ? 40_000_000 : Math.round(pixelsMp * 1e6), 1, 1e9),
    maxFaces: num('maxFaces', 50, 1, 1000),
    maxImages: num('maxImages', 10, 1, 100),
    timeoutMs: num('timeoutMs', 30_000, 1, 3_600_000),
    rateLimit: num('rateLimit', 600, 1, 1e9),
    rateWindowMs: num('rateWindowMs', 60_000, 1, 86_400_000),
    verifyThreshold: optNum('verifyThreshold', 0, 4),
    identifyThreshold: optNum('identifyThreshold', 0, 4),
    webDir: path.resolve(str('webDir', path.join(PACKAGE_ROOT, 'web', 'dist'))),
    logLevel: logLevel as ServiceConfig['logLevel'],
    shutdownTimeoutMs: num('shutdownTimeoutMs', 30_000, 0, 3_600_000),
    challengeTimeoutMs: num('challengeTimeoutMs', DEFAULT_CHALLENGE_PARAMS.timeoutMs, 1000, 600_000),
    maxStreams: num('maxStreams', 4, 0, 1000),
    streamIdleMs: num('streamIdleMs', 60_000, 100, 86_400_000),
    eventBuffer: num('eventBuffer', 1000, 1, 1_000_000),
    sseHeartbeatMs: num('sseHeartbeatMs', 15_000, 100, 3_600_000),
    sseMaxBufferedBytes: num('sseMaxBufferedBytes', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    webhookUrl,
    webhookSecret,
    webhookTimeoutMs: num('webhookTimeoutMs', 10_000, 1, 600_000),
    webhookAttempts: num('webhookAttempts', 6, 1, 100),
    webhookBaseDelayMs: num('webhookBaseDelayMs', 1000, 1, 3_600_000),
    webhookQueue: num('webhookQueue', 1000, 1, 1_000_000),
  };
}

/** An http(s) URL for webhooks, else a ConfigError. */
export function webhookUrlValue(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`webhook URL must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`webhook URL must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
  return u.href;
}

/** A stack's name as is; anything else is a model file, resolved to an absolute path; an unknown name is refused. */
function modelValue(v: string): string {
  if (isStackName(v)) return v;
  if (v.endsWith('.onnx') || existsSync(v)) return path.resolve(v);
  throw new ConfigError(`model must be a stack (${listStacks().map((s) => s.name).join(', ')}) or a .onnx file trained by \`likeness train\`, got ${JSON.stringify(v)}`);
}

/** Hides the password of a postgres:// URL. */
export function redactLocation(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** The configuration as printed at start: one `name value (source)` line each, no secrets. */
export function describeConfig(c: ServiceConfig): string[] {
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(b < 1024 * 1024 ? 3 : 1)} MB`;
  const lines = [
    `listen          ${c.host}:${c.port}${isLoopback(c.host) ? '' : '  (not loopback: reachable from the network)'}`,
    `gallery         ${redactLocation(c.db)}`,
    `model           ${c.model ?? "the gallery's own stack, else the default"}`,
    `api keys        ${c.keys}`,
    `workers         ${c.workers} (queue ${c.queue} images)`,
    `limits          upload ${mb(c.maxUploadBytes)}, ${(c.maxPixels / 1e6).toFixed(1)} MP, ${c.maxFaces} faces/image, ${c.maxImages} images/request, timeout ${c.timeoutMs} ms, ${c.rateLimit} requests/key per ${c.rateWindowMs / 1000} s`,
    `thresholds      verify ${c.verifyThreshold ?? 'calibrated'}, identify ${c.identifyThreshold ?? 'calibrated'}`,
    `web page        ${existsSync(c.webDir) ? c.webDir : `none (${c.webDir} not built)`}`,
    `streams         ${c.maxStreams} at once, push streams idle out after ${c.streamIdleMs / 1000} s, ${c.eventBuffer} events kept for replay`,
    `webhook         ${c.webhookUrl ? `${new URL(c.webhookUrl).origin}${new URL(c.webhookUrl).pathname} (signed; ${c.webhookAttempts} attempts, ${c.webhookTimeoutMs} ms each)` : 'none (per-stream webhooks only)'}`,
  ];
  return lines;
}

export { isLoopback };
