/** `likeness watch SOURCE`: face events from a video file, a network stream or a camera, one per line. */
import { atLeast as number } from './output.js';
import { Command, Option } from 'commander';
import { dbOption, withGallery } from './gallery.js';
import { modelOption } from './model.js';
import type { StreamEvent } from '../stream/types.js';
import { eventJson } from '../json.js';

interface WatchOpts {
  db?: string;
  fps?: number;
  minFrames?: number;
  maxMissed?: number;
  realtime?: boolean;
  maxWidth?: number;
  threshold?: number;
  timeoutMs?: number;
  model?: string;
  json?: boolean;
}


function line(e: StreamEvent): string {
  const t = `${e.time.toFixed(1).padStart(6)}s`;
  const who = e.name ?? 'unknown';
  const conf = e.confidence === null ? '' : ` (confidence ${(e.confidence * 100).toFixed(1)}%)`;
  switch (e.type) {
    case 'track': return `${t} track ${e.track}: new face`;
    case 'identified': return `${t} track ${e.track}: ${who}${conf}, ${e.frames} frames`;
    case 'unknown': return `${t} track ${e.track}: unknown${conf}, ${e.frames} frames`;
    case 'lost': return `${t} track ${e.track}: lost (${e.name ?? (e.confidence === null ? 'undecided' : 'unknown')}, ${e.frames} frames)`;
    case 'error': return `${t} error ${e.code}: ${e.message}`;
  }
}

export function watchCommand(program: Command): void {
  program
    .command('watch')
    .description('face events from a video: a file (mp4, webm, mkv, mjpeg), rtsp://, http(s):// or a camera (/dev/video0, camera:0); one line per event (track, identified, unknown, lost, error), a summary on stderr')
    .argument('<source>', 'video file, URL or camera device')
    .addOption(dbOption())
    .addOption(new Option('--fps <n>', 'frames analysed per second of video').argParser(number('--fps', 0.1)).default(5))
    .addOption(new Option('--min-frames <n>', 'frames of evidence before a track is decided').argParser(number('--min-frames', 1, true)).default(3))
    .addOption(new Option('--max-missed <n>', 'sampled frames a face may go unseen before its track is lost').argParser(number('--max-missed', 0, true)).default(undefined, 'one second of frames'))
    .option('--realtime', 'read a file at its own speed, as a live source (frames dropped when analysis falls behind)')
    .addOption(new Option('--max-width <px>', 'scale frames down to at most this width').argParser(number('--max-width', 16, true)))
    .addOption(new Option('--threshold <t>', 'open-set distance threshold (default: calibrated)').argParser(number('--threshold', 0)))
    .addOption(new Option('--timeout-ms <ms>', 'a network source silent this long fails').argParser(number('--timeout-ms', 100, true)).default(10000))
    .addOption(modelOption('the model stack (default: the one the gallery was enrolled with)'))
    .option('--json', 'one JSON object per event (the stream contract, docs/streams.md)')
    .action(async (source: string, o: WatchOpts) => {
      const { sourceInput, resolveFfmpeg } = await import('../stream/source.js');
      // Fail fast on a missing file or device, and a missing ffmpeg, before any model is loaded.
      sourceInput(source);
      resolveFfmpeg();
      const { watch } = await import('../stream/watch.js');
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      try {
        await withGallery(o.db, async (g) => {
          const events = watch(source, g.likeness as Parameters<typeof watch>[1], g, {
            fps: o.fps!,
            minFrames: o.minFrames!,
            ...(o.maxMissed === undefined ? {} : { maxMissed: o.maxMissed }),
            ...(o.realtime ? { realtime: true } : {}),
            ...(o.maxWidth === undefined ? {} : { maxWidth: o.maxWidth }),
            ...(o.threshold === undefined ? {} : { identify: { threshold: o.threshold } }),
            timeoutMs: o.timeoutMs!,
            signal: stop.signal,
          });
          for await (const e of events) {
            process.stdout.write(`${o.json ? JSON.stringify(eventJson(e)) : line(e)}\n`);
            if (e.type === 'error') {
              process.stderr.write(`likeness: ${e.message}\n`);
              process.exitCode = 1;
            }
          }
          const s = events.stats();
          process.stderr.write(`likeness watch: ${s.framesRead} frames read, ${s.framesProcessed} processed, ${s.framesDropped} dropped, ${s.processedFps.toFixed(1)} fps achieved (asked ${s.requestedFps}), ${s.tracks} tracks\n`);
        }, {}, o.model);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
