/** Errors of video sources: each a LikenessError with a stable code (CLI exit 1, an `error` event). */
import { LikenessError } from '../errors.js';

/** No ffmpeg binary: not in LIKENESS_FFMPEG, the npm package @ffmpeg-installer/ffmpeg, nor on PATH. */
export class FfmpegNotFoundError extends LikenessError {
  constructor(detail: string) {
    super('E_FFMPEG_MISSING', `no ffmpeg binary found (${detail}): install the optional dependency @ffmpeg-installer/ffmpeg, put ffmpeg on PATH, or set LIKENESS_FFMPEG to its path`, { isInputError: false });
  }
}

/**
 * A video source failed. Codes: E_VIDEO_NOT_FOUND (missing file or camera device), E_VIDEO_DECODE
 * (not a video, or no video stream), E_VIDEO_UNREACHABLE (a network source that cannot be reached
 * or timed out), E_VIDEO_STOPPED (a stream that broke off mid-way).
 */
export class VideoSourceError extends LikenessError {
  constructor(code: 'E_VIDEO_NOT_FOUND' | 'E_VIDEO_DECODE' | 'E_VIDEO_UNREACHABLE' | 'E_VIDEO_STOPPED', source: string, detail: string) {
    super(code, `${source}: ${detail}`);
  }
}
