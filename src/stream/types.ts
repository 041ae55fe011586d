/**
 * The stream contract: what `likeness watch`, the library's `watch`/`FaceStream` and the service's
 * `/v1/events` emit. One JSON object per line with `--json`; documented in the README as a
 * contract (fields are only ever added).
 */
import type { Box, RgbImage } from '../types.js';

export type StreamEventType =
  /** A new face track was confirmed (seen in enough frames to be more than a false detection). */
  | 'track'
  /** A track's identity was decided: an enrolled person. Once per track. */
  | 'identified'
  /** A track was decided to be nobody enrolled (after minFrames); it may still become `identified` later as evidence grows, never the reverse. */
  | 'unknown'
  /** A track left (not seen for maxMissed sampled frames, or the stream ended). */
  | 'lost'
  /** The source failed (missing file, unreachable URL, not a video, a stream that stopped); the stream ends after it. */
  | 'error';

export interface StreamEvent {
  type: StreamEventType;
  /** Track number, unique within one stream (null for `error`). */
  track: number | null;
  /** The decided person's name; null when unknown or undecided. */
  name: string | null;
  /** The decided person's subject id; null when unknown or undecided. */
  subject: string | null;
  /** Calibrated probability of the decision (identified: that it is this person; unknown: that it is nobody enrolled); null before a decision. */
  confidence: number | null;
  /** Frames of evidence in the track so far. */
  frames: number;
  /** Seconds into the source (for a live source, since the stream started). */
  time: number;
  /** The track's latest box, in source pixels. */
  box?: Box;
  /** Distance of the track's evidence to the decided subject (identified) or to the nearest one (unknown). */
  distance?: number;
  /** Mean quality of the track's frames, 0..1 (when quality is measured). */
  quality?: number;
  /** `error` only: what went wrong, one line. */
  message?: string;
  /** `error` only: the LikenessError code. */
  code?: string;
}

/** A frame handed to the stream: decoded pixels and its time (s) in the source. */
export interface StreamFrame {
  image: RgbImage;
  time: number;
}

/** What a stream reports of its progress (CLI summary, service GET /v1/streams). */
export interface StreamStats {
  /** Frames decoded from the source at the sampling rate. */
  framesRead: number;
  /** Frames analysed. */
  framesProcessed: number;
  /** Frames dropped because analysis fell behind (live sources only; files are paced). */
  framesDropped: number;
  /** Analysed frames per second of wall time. */
  processedFps: number;
  /** Sampling rate asked for (frames per second of source time). */
  requestedFps: number;
  tracks: number;
}

/** A live view of one track (for overlays such as the page's camera). */
export interface TrackView {
  track: number;
  box: Box;
  state: 'tentative' | 'confirmed';
  name: string | null;
  subject: string | null;
  confidence: number | null;
  decided: 'identified' | 'unknown' | null;
  frames: number;
}
