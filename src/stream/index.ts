/** Video and camera streams: face tracks, per-track decisions and events (docs/streams.md). */
export { FaceStream, evidenceWeight, resolveStreamOptions, type AnalysedFace, type FrameAnalyser, type StreamGallery, type StreamOptions } from './face-stream.js';
export { FfmpegNotFoundError, VideoSourceError } from './errors.js';
export { openVideoSource, resolveFfmpeg, sourceInput, type SourceOptions, type VideoSource } from './source.js';
export { watch, errorEvent, type WatchOptions } from './watch.js';
export type { StreamEvent, StreamEventType, StreamFrame, StreamStats, TrackView } from './types.js';
