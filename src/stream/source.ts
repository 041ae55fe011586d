/**
 * Frames from ffmpeg: any source ffmpeg reads (a file: mp4/webm/mkv/mjpeg; rtsp://; http(s)://; a
 * camera: /dev/videoN or camera:N through v4l2), sampled at `fps` and decoded to raw RGB on
 * ffmpeg's own threads. Files are paced by the reader (pipe back-pressure: every sampled frame is
 * handed on); live sources are read continuously and only the newest frame is kept when the
 * reader falls behind (the others are counted as dropped), so memory stays bounded either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { FfmpegNotFoundError, VideoSourceError } from './errors.js';
import type { StreamFrame } from './types.js';

export interface SourceOptions {
  /** Frames sampled per second of source (default 5). */
  fps?: number;
  /** Read a file as if live (at its own speed, newest frame kept, drops counted). Network and camera sources are always live. */
  realtime?: boolean;
  /** Scale frames down to at most this width, keeping the aspect ratio (default: the source's size). */
  maxWidth?: number;
  /** A network source that sends nothing for this long fails (default 10,000 ms). */
  timeoutMs?: number;
  /** The frame rate of a source without timestamps (raw MJPEG: ffmpeg assumes 25), as ffmpeg's `-framerate`. */
  inputFps?: number;
  /** Repeat a file for ever (benchmarks: a long stream from a short video). */
  loop?: boolean;
  /** rtsp:// only: wait for a publisher to push to this address (ffmpeg's `-rtsp_flags listen`) instead of pulling from a server. */
  rtspListen?: boolean;
  /** Stop reading. */
  signal?: AbortSignal;
}

export interface VideoSource extends AsyncIterable<StreamFrame> {
  /** Frames decoded at the sampling rate, and those dropped unread (live sources only). */
  stats(): { framesRead: number; framesDropped: number; width: number; height: number };
  /** Stop ffmpeg now. */
  close(): void;
}

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * The ffmpeg binary: LIKENESS_FFMPEG, else @ffmpeg-installer's (its exec bit set here when the
 * package's postinstall did not run), else `ffmpeg` on PATH; FfmpegNotFoundError when none.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): string {
  const tried: string[] = [];
  const fromEnv = env.LIKENESS_FFMPEG;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new FfmpegNotFoundError(`LIKENESS_FFMPEG=${fromEnv} is not an executable file`);
  }
  try {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json'.replace('linux-x64', `${process.platform}-${process.arch}`)));
    const bin = path.join(dir, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
    if (existsSync(bin)) {
      if (!isExecutable(bin)) {
        try {
          chmodSync(bin, statSync(bin).mode | 0o100);
        } catch {
          /* read-only install: fall through to PATH */
        }
      }
      if (isExecutable(bin)) return bin;
      tried.push(`${bin} is not executable`);
    }
  } catch {
    tried.push(`@ffmpeg-installer/${process.platform}-${process.arch} is not installed`);
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const bin = path.join(dir, 'ffmpeg');
    if (isExecutable(bin)) return bin;
  }
  tried.push('none on PATH');
  throw new FfmpegNotFoundError(tried.join('; '));
}

export type SourceKind = 'file' | 'network' | 'camera';

/** What a source string names, and the ffmpeg input arguments for it. */
export function sourceInput(source: string, o: SourceOptions = {}): { kind: SourceKind; args: string[] } {
  const timeoutUs = String(Math.round((o.timeoutMs ?? 10_000) * 1000));
  const camera = /^camera:(\d+)$/.exec(source);
  if (camera || source.startsWith('/dev/video')) {
    const device = camera ? `/dev/video${camera[1]}` : source;
    if (!existsSync(device)) throw new VideoSourceError('E_VIDEO_NOT_FOUND', source, `no camera device ${device} (is the camera connected, and is this process allowed to read it?)`);
    return { kind: 'camera', args: ['-f', 'v4l2', '-i', device] };
  }
  if (/^rtsps?:\/\//i.test(source)) {
    return { kind: 'network', args: o.rtspListen ? ['-rtsp_flags', 'listen', '-timeout', String(Math.ceil((o.timeoutMs ?? 10_000) / 1000)), '-i', source] : ['-rtsp_transport', 'tcp', '-stimeout', timeoutUs, '-i', source] };
  }
  if (/^https?:\/\//i.test(source)) return { kind: 'network', args: ['-rw_timeout', timeoutUs, '-i', source] };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new VideoSourceError('E_VIDEO_NOT_FOUND', source, 'unsupported URL scheme (use a file, rtsp://, http(s)://, /dev/videoN or camera:N)');
  let st;
  try {
    st = statSync(source);
  } catch {
    throw new VideoSourceError('E_VIDEO_NOT_FOUND', source, 'no such file');
  }
  if (!st.isFile()) throw new VideoSourceError('E_VIDEO_NOT_FOUND', source, 'not a file');
  if (st.size === 0) throw new VideoSourceError('E_VIDEO_DECODE', source, 'the file is empty (0 bytes)');
  return { kind: 'file', args: [...(o.loop ? ['-stream_loop', '-1'] : []), ...(o.realtime ? ['-re'] : []), ...(o.inputFps ? ['-framerate', String(o.inputFps)] : []), '-i', source] };
}

/** The most telling line of ffmpeg's log, and the error code it implies. */
function classify(stderr: string, kind: SourceKind, framesRead: number): { code: 'E_VIDEO_NOT_FOUND' | 'E_VIDEO_DECODE' | 'E_VIDEO_UNREACHABLE' | 'E_VIDEO_STOPPED'; detail: string } {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^(ffmpeg version|built with|configuration:|lib\w+ |Input #|Output #|Stream |Metadata:|Duration:|frame=|Press \[q\])/.test(l));
  const bad = lines.filter((l) => /error|invalid|refused|timed out|not found|no such|failed|denied|unable|could not|cannot|end of file|broken|reset|server returned/i.test(l));
  const detail = (bad.at(-1) ?? lines.at(-1) ?? 'ffmpeg failed').replace(/^\[[^\]]+\]\s*/, '').slice(0, 300);
  if (framesRead > 0) return { code: 'E_VIDEO_STOPPED', detail: `the stream stopped after ${framesRead} frame(s): ${detail}` };
  if (/no such file/i.test(detail) && kind !== 'network') return { code: 'E_VIDEO_NOT_FOUND', detail };
  if (kind === 'network' && /refused|timed out|timeout|unreachable|resolve|not known|server returned|reset|no route|end of file|i\/o error/i.test(stderr)) return { code: 'E_VIDEO_UNREACHABLE', detail: `cannot read the stream: ${detail}` };
  return { code: 'E_VIDEO_DECODE', detail: `not a video ffmpeg can decode: ${detail}` };
}

/** Frames of a video source, decoded by ffmpeg (see the file's comment). */
export function openVideoSource(source: string, options: SourceOptions = {}): VideoSource {
  const fps = options.fps ?? 5;
  if (!(Number.isFinite(fps) && fps > 0 && fps <= 120)) throw new InvalidOptionError(`fps must be within (0, 120], got ${fps}`);
  if (options.maxWidth !== undefined && !(Number.isInteger(options.maxWidth) && options.maxWidth >= 16)) throw new InvalidOptionError(`maxWidth must be an integer ≥ 16, got ${options.maxWidth}`);
  const ffmpeg = resolveFfmpeg();
  const input = sourceInput(source, options);
  const live = input.kind !== 'file' || options.realtime === true;
  const filters = [`fps=${fps}`, ...(options.maxWidth ? [`scale='min(${options.maxWidth},iw)':-2`] : [])];
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', ...input.args, '-map', '0:v:0', '-an', '-sn', '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  let framesRead = 0;
  let framesDropped = 0;
  let width = 0;
  let height = 0;
  let proc: ChildProcess | undefined;
  let closed = false;

  const stats = () => ({ framesRead, framesDropped, width, height });
  const close = () => {
    closed = true;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };

  async function* frames(): AsyncGenerator<StreamFrame> {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    let stderr = '';
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    /** Complete frames not yet taken: at most one for a live source (the newest), a few for a file. */
    const ready: StreamFrame[] = [];
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    let lastData = Date.now();
    const timeoutMs = options.timeoutMs ?? 10_000;
    // A live source that goes silent (a camera unplugged, a server that stops sending) must not hang.
    const watchdog = live
      ? setInterval(() => {
          if (Date.now() - lastData > timeoutMs && !done) {
            failure ??= new VideoSourceError(framesRead > 0 ? 'E_VIDEO_STOPPED' : 'E_VIDEO_UNREACHABLE', source, `no video for ${Math.round(timeoutMs / 1000)} s`);
            child.kill('SIGKILL');
          }
        }, Math.min(1000, timeoutMs))
      : undefined;
    const onAbort = () => close();
    options.signal?.addEventListener('abort', onAbort);

    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      lastData = Date.now();
      stderr = (stderr + s).slice(-20_000);
      if (size === 0) {
        // The output stream's line gives the decoded frame size: "Stream #0:0: Video: rawvideo (...), rgb24, 640x480, ..."
        const out = stderr.indexOf('Output #0');
        const m = out >= 0 ? /Stream #0:0.*?Video: rawvideo.*?, (\d+)x(\d+)/.exec(stderr.slice(out)) : null;
        if (m) {
          width = Number(m[1]);
          height = Number(m[2]);
          size = width * height * 3;
          take();
        }
      }
    });
    const take = () => {
      if (size === 0) return;
      while (pendingBytes >= size) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        const data = new Uint8Array(size);
        data.set(all.subarray(0, size));
        const rest = all.subarray(size);
        pending = rest.length > 0 ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
        const frame: StreamFrame = { image: { width, height, data }, time: framesRead / fps };
        framesRead++;
        if (live && ready.length > 0) {
          framesDropped += ready.length;
          ready.length = 0;
        }
        ready.push(frame);
      }
      // Files: back-pressure. Stop reading while a frame waits; ffmpeg blocks on the full pipe.
      if (!live && ready.length > 0) child.stdout!.pause();
      notify();
    };
    child.stdout!.on('data', (b: Buffer) => {
      lastData = Date.now();
      pending.push(b);
      pendingBytes += b.length;
      take();
    });
    child.on('error', (e) => {
      failure ??= new FfmpegNotFoundError(`${ffmpeg}: ${e.message}`);
      done = true;
      notify();
    });
    child.on('close', (code, signal) => {
      done = true;
      if (!closed && !failure && (code !== 0 || (signal !== null && signal !== undefined))) {
        const c = classify(stderr, input.kind, framesRead);
        failure = new VideoSourceError(c.code, source, c.detail);
      } else if (!closed && !failure && framesRead === 0) {
        failure = new VideoSourceError('E_VIDEO_DECODE', source, 'no video frames in the source');
      }
      notify();
    });

    try {
      for (;;) {
        if (ready.length > 0) {
          const f = ready.shift()!;
          if (!live && ready.length === 0) child.stdout!.resume();
          yield f;
          continue;
        }
        if (done || closed) break;
        await new Promise<void>((r) => (wake = r));
      }
      if (failure && !closed) throw failure;
    } finally {
      if (watchdog) clearInterval(watchdog);
      options.signal?.removeEventListener('abort', onAbort);
      close();
    }
  }

  return { [Symbol.asyncIterator]: () => frames(), stats, close };
}
