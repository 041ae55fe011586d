/**
 * The live camera as a push stream: frames go to POST /v1/streams/:id/frames one at a time (the
 * next leaves when the answer is in), the service tracks the faces across frames and decides each
 * track once on its accumulated evidence. Each track is drawn with its name once identified,
 * "unknown" once decided to be nobody enrolled, and "…" while undecided; the event log lists the
 * stream's events, newest first. A stream that expired (the tab slept) is replaced by a new one.
 */
import { ApiError, type Api, type StreamEvent, type TrackView } from './api.js';
import { h } from './dom.js';
import type { LabelledBox, PhotoView } from './photo.js';

/** Events kept in the log. */
const LOG_SIZE = 30;

export function trackBoxes(tracks: readonly TrackView[]): LabelledBox[] {
  return tracks
    .filter((t) => t.state === 'confirmed')
    .map((t) =>
      t.decided === 'identified' && t.name
        ? { box: t.box, kind: 'match', label: t.name, detail: t.confidence === null ? undefined : `${Math.round(t.confidence * 100)}%` }
        : t.decided === 'unknown'
          ? { box: t.box, kind: 'unknown', label: 'unknown' }
          : { box: t.box, kind: 'face', label: '…', detail: 'deciding' },
    );
}

export function describeEvent(e: StreamEvent): string {
  const who = e.name ?? 'someone';
  const conf = e.confidence === null ? '' : ` (${Math.round(e.confidence * 100)}%)`;
  switch (e.type) {
    case 'track':
      return `track ${e.track}: a face appeared`;
    case 'identified':
      return `track ${e.track}: ${who}${conf}`;
    case 'unknown':
      return `track ${e.track}: not enrolled${conf}`;
    case 'lost':
      return `track ${e.track}: ${e.name ?? 'the face'} left`;
    case 'error':
      return `error: ${e.message ?? e.code ?? 'the stream failed'}`;
  }
}

export class LiveTracks {
  private id: string | undefined;
  private readonly started = performance.now();
  readonly log: HTMLOListElement;

  constructor(
    private readonly api: Api,
    private readonly view: PhotoView,
    private readonly list: HTMLUListElement,
    logSlot: HTMLElement,
  ) {
    this.log = h('ol', { class: 'event-log small', reversed: true, 'aria-label': 'Stream events', 'data-testid': 'recognise-events' });
    logSlot.after(this.log);
  }

  /** Sends one frame (a JPEG of `size`); draws the tracks and logs the events. Returns the live tracks. */
  async send(frame: Blob, size: { width: number; height: number }, signal: AbortSignal): Promise<TrackView[]> {
    this.id ??= (await this.api.startPushStream()).id;
    const time = (performance.now() - this.started) / 1000;
    let r: { tracks: TrackView[]; events: StreamEvent[] };
    try {
      r = await this.api.pushFrame(this.id, frame, time, signal);
    } catch (e) {
      // Expired (the tab slept past the idle limit): a new stream, new tracks.
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
        this.id = undefined;
        return [];
      }
      throw e;
    }
    this.view.setBoxes(trackBoxes(r.tracks), size);
    this.showTracks(r.tracks);
    for (const e of r.events) {
      this.log.prepend(h('li', { class: `event event-${e.type}`, 'data-testid': 'stream-event', 'data-type': e.type }, describeEvent(e)));
    }
    while (this.log.children.length > LOG_SIZE) this.log.lastElementChild?.remove();
    return r.tracks;
  }

  private showTracks(tracks: readonly TrackView[]): void {
    const confirmed = tracks.filter((t) => t.state === 'confirmed');
    this.list.replaceChildren(
      ...confirmed.map((t, i) =>
        h(
          'li',
          { class: `face-item face-item-${t.decided === 'identified' ? 'match' : 'unknown'}`, 'data-testid': 'face-item' },
          h('span', { class: 'face-index' }, `${i + 1}`),
          h('b', { 'data-testid': 'face-name' }, t.decided === 'identified' && t.name ? t.name : t.decided === 'unknown' ? 'unknown' : 'deciding…'),
          h('span', { class: 'muted small' }, ` track ${t.track}, ${t.frames} frame${t.frames === 1 ? '' : 's'}`),
        ),
      ),
    );
  }

  /** Ends the stream on the service (its tracks get `lost`); the log is removed. */
  close(): void {
    const id = this.id;
    this.id = undefined;
    this.log.remove();
    if (id) void this.api.stopStream(id).catch(() => undefined);
  }
}
