/**
 * Recognise: every face of a photo, or of the live webcam, boxed with its name or "unknown".
 * Live mode is a push stream (tracks.ts): one frame at a time (the next leaves when the answer is
 * in, at most five a second), faces tracked and decided by the service across frames, an event
 * log; it backs off when the service says it is busy or rate-limited.
 */
import { ApiError, describe, type Api, type IdentifiedFace, type IdentifyResult } from './api.js';
import { CameraError, cameraUnsupportedReason, grabFrame, startCamera, stopCamera } from './camera.js';
import { acceptDrops, byTestId, fmt, h, setMessage } from './dom.js';
import { PhotoView, type LabelledBox } from './photo.js';
import { LiveTracks } from './tracks.js';

const LIVE_INTERVAL_MS = 200;

function boxes(faces: IdentifiedFace[]): LabelledBox[] {
  return faces.map((f) =>
    f.match
      ? { box: f.box, kind: 'match', label: f.match.name, detail: fmt(f.match.similarity, 2) }
      : { box: f.box, kind: 'unknown', label: 'unknown', detail: f.candidates[0] ? fmt(f.candidates[0].similarity, 2) : undefined },
  );
}

export function setupRecognise(getApi: () => Api): { reset(): void; leave(): void } {
  const panel = byTestId('panel-recognise');
  const input = byTestId<HTMLInputElement>('recognise-file', panel);
  const cameraButton = byTestId<HTMLButtonElement>('recognise-camera', panel);
  const zone = byTestId('recognise-zone', panel);
  const slot = byTestId('recognise-photo', panel);
  const status = byTestId('recognise-status', panel);
  const error = byTestId('recognise-error', panel);
  const list = byTestId<HTMLUListElement>('recognise-faces', panel);

  let generation = 0;
  let live: { video: HTMLVideoElement; view: PhotoView; timer: number | undefined; controller: AbortController; tracks: LiveTracks } | undefined;

  const unsupported = cameraUnsupportedReason();
  if (unsupported) {
    cameraButton.disabled = true;
    cameraButton.title = unsupported;
  }

  function listFaces(r: IdentifyResult): void {
    list.replaceChildren(
      ...r.faces.map((f, i) => {
        const name = f.match ? f.match.name : 'unknown';
        const best = f.match ?? f.candidates[0];
        return h(
          'li',
          { class: `face-item face-item-${f.match ? 'match' : 'unknown'}`, 'data-testid': 'face-item' },
          h('span', { class: 'face-index' }, `${i + 1}`),
          h('b', { 'data-testid': 'face-name' }, name),
          h(
            'span',
            { class: 'muted small' },
            best
              ? f.match
                ? ` similarity ${fmt(best.similarity)}, distance ${fmt(best.adjustedDistance ?? best.distance)} ≤ ${fmt(r.threshold)}`
                : ` nearest: ${best.name}, distance ${fmt(best.adjustedDistance ?? best.distance)} > ${fmt(r.threshold)}`
              : ' nobody is enrolled',
          ),
        );
      }),
    );
    status.textContent = r.faces.length === 0 ? 'No face in this picture.' : `${r.faces.length} face${r.faces.length === 1 ? '' : 's'}: ${r.faces.filter((f) => f.match).length} recognised.`;
  }

  async function recognisePhoto(file: File): Promise<void> {
    stopLive();
    const mine = ++generation;
    setMessage(error, '');
    list.replaceChildren();
    status.textContent = 'Searching the gallery…';
    panel.setAttribute('aria-busy', 'true');
    const { view } = await PhotoView.forFile(slot, file, `Photo: ${file.name}`, 720, 480);
    try {
      const r = await getApi().identify(file);
      if (mine !== generation) return;
      view.setBoxes(boxes(r.faces), r);
      listFaces(r);
    } catch (e) {
      if (mine !== generation) return;
      status.textContent = '';
      setMessage(error, describe(e));
    } finally {
      if (mine === generation) panel.removeAttribute('aria-busy');
    }
  }

  async function startLive(): Promise<void> {
    const mine = ++generation;
    setMessage(error, '');
    list.replaceChildren();
    const video = h('video', { muted: true, playsinline: true, 'aria-label': 'Live camera', 'data-testid': 'recognise-video' });
    const view = new PhotoView(slot, video, 720, 480);
    status.textContent = 'Starting the camera…';
    try {
      await startCamera(video);
    } catch (e) {
      if (mine === generation) {
        status.textContent = '';
        setMessage(error, e instanceof CameraError ? e.message : describe(e));
        slot.replaceChildren(h('p', { class: 'placeholder muted' }, 'No camera picture.'));
      }
      stopCamera(video);
      return;
    }
    if (mine !== generation) {
      stopCamera(video);
      return;
    }
    view.setSize({ width: video.videoWidth, height: video.videoHeight });
    live = { video, view, timer: undefined, controller: new AbortController(), tracks: new LiveTracks(getApi(), view, list, list) };
    cameraButton.textContent = 'Stop live camera';
    cameraButton.setAttribute('aria-pressed', 'true');
    status.textContent = 'Live: looking for faces…';
    void tick(mine, 0);
  }

  async function tick(mine: number, delay: number): Promise<void> {
    const l = live;
    if (!l || mine !== generation) return;
    l.timer = window.setTimeout(async () => {
      if (live !== l || mine !== generation) return;
      const started = performance.now();
      let next = LIVE_INTERVAL_MS;
      try {
        const frame = await grabFrame(l.video);
        const tracks = await l.tracks.send(frame.blob, frame, l.controller.signal);
        if (live !== l || mine !== generation) return;
        const named = tracks.filter((t) => t.decided === 'identified').length;
        status.textContent = tracks.length === 0 ? 'Live: looking for faces…' : `Live: ${tracks.length} face${tracks.length === 1 ? '' : 's'} tracked, ${named} recognised.`;
        setMessage(error, '');
      } catch (e) {
        if (live !== l || mine !== generation || (e instanceof DOMException && e.name === 'AbortError')) return;
        if (e instanceof ApiError && (e.status === 429 || e.status === 503)) next = 5000;
        else if (e instanceof ApiError && e.status === 401) return stopLive();
        setMessage(error, describe(e));
      }
      void tick(mine, Math.max(0, next - (performance.now() - started)));
    }, delay);
  }

  function stopLive(): void {
    if (!live) return;
    window.clearTimeout(live.timer);
    live.controller.abort();
    live.tracks.close();
    stopCamera(live.video);
    live = undefined;
    generation++;
    slot.replaceChildren(h('p', { class: 'placeholder muted' }, 'Camera stopped.'));
    list.replaceChildren();
    cameraButton.textContent = 'Start live camera';
    cameraButton.setAttribute('aria-pressed', 'false');
    status.textContent = 'Camera stopped.';
  }

  input.addEventListener('change', () => {
    const f = input.files?.[0];
    input.value = '';
    if (f) void recognisePhoto(f);
  });
  acceptDrops(zone, (fs) => fs[0] && void recognisePhoto(fs[0]));
  cameraButton.addEventListener('click', () => (live ? stopLive() : void startLive()));

  return {
    /** Leaving the page turns the camera off. */
    leave: stopLive,
    reset() {
      stopLive();
      generation++;
      slot.replaceChildren(h('p', { class: 'placeholder muted' }, 'No photo yet.'));
      list.replaceChildren();
      status.textContent = '';
      setMessage(error, '');
      panel.removeAttribute('aria-busy');
    },
  };
}
