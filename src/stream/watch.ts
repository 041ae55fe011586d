/** watch(): a video source through a FaceStream, as one sequence of events ending with `lost` (and `error` when the source failed). */
import { LikenessError } from '../errors.js';
import { FaceStream, resolveStreamOptions, type FrameAnalyser, type StreamGallery, type StreamOptions } from './face-stream.js';
import { openVideoSource, type SourceOptions } from './source.js';
import type { StreamEvent, StreamStats } from './types.js';

export type WatchOptions = StreamOptions & SourceOptions;

/** The `error` event for a failure (a LikenessError's code and message; others as E_INTERNAL). */
export function errorEvent(e: unknown, time: number): StreamEvent {
  const err = e instanceof LikenessError ? e : undefined;
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
  return { type: 'error', track: null, name: null, subject: null, confidence: null, frames: 0, time, message, code: err?.code ?? 'E_INTERNAL' };
}

export function watch(source: string, analyser: FrameAnalyser, gallery: StreamGallery, options: WatchOptions = {}): AsyncIterable<StreamEvent> & { stats(): StreamStats } {
  const fps = resolveStreamOptions(options).fps;
  const stream = new FaceStream(analyser, gallery, { ...options, fps });
  let video: ReturnType<typeof openVideoSource> | undefined;
  const stats = (): StreamStats => {
    const s = stream.stats();
    const v = video?.stats();
    return v ? { ...s, framesRead: v.framesRead, framesDropped: v.framesDropped } : s;
  };
  async function* events(): AsyncGenerator<StreamEvent> {
    let time = 0;
    try {
      video = openVideoSource(source, { ...options, fps });
      for await (const frame of video) {
        if (options.signal?.aborted) break;
        time = frame.time;
        for (const e of await stream.push(frame)) yield e;
      }
    } catch (e) {
      yield* stream.end(time);
      yield errorEvent(e, time);
      return;
    } finally {
      video?.close();
    }
    yield* stream.end(time);
  }
  return { [Symbol.asyncIterator]: () => events(), stats };
}
