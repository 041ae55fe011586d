/**
 * The webcam, through getUserMedia. Every failure becomes one plain sentence for the page: no
 * camera API (an insecure http:// page that is not localhost), permission refused, no camera, busy.
 */

export class CameraError extends Error {
  override name = 'CameraError';
}

export function cameraUnsupportedReason(): string | undefined {
  if (!window.isSecureContext) return 'The camera needs a secure page: open it over https:// or from localhost.';
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser does not give pages access to a camera.';
  return undefined;
}

function explain(e: unknown): string {
  const name = e instanceof DOMException || e instanceof Error ? e.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera permission was refused: allow the camera for this page in the browser, then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another program or could not be started.';
    default:
      return `The camera could not be started${e instanceof Error && e.message ? `: ${e.message}` : '.'}`;
  }
}

/** Starts the camera into `video`; throws a CameraError with a user-facing sentence. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  const unsupported = cameraUnsupportedReason();
  if (unsupported) throw new CameraError(unsupported);
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
    });
  } catch (e) {
    throw new CameraError(explain(e));
  }
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  try {
    await video.play();
  } catch (e) {
    stopCamera(video);
    throw new CameraError(explain(e));
  }
  if (!video.videoWidth) {
    await new Promise<void>((resolve) => video.addEventListener('loadedmetadata', () => resolve(), { once: true }));
  }
  return stream;
}

export function stopCamera(video: HTMLVideoElement): void {
  const stream = video.srcObject;
  if (stream instanceof MediaStream) for (const t of stream.getTracks()) t.stop();
  video.srcObject = null;
}

/** The current frame as a JPEG, scaled down to at most `maxWidth` pixels wide. */
export async function grabFrame(video: HTMLVideoElement, maxWidth = 960, quality = 0.85): Promise<{ blob: Blob; width: number; height: number }> {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) throw new CameraError('The camera has not delivered a picture yet.');
  const scale = Math.min(1, maxWidth / vw);
  const width = Math.round(vw * scale);
  const height = Math.round(vh * scale);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new CameraError('This browser cannot draw the camera picture.');
  ctx.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  if (!blob) throw new CameraError('The camera picture could not be encoded.');
  return { blob, width, height };
}
