/**
 * A photo (or live video) with face boxes drawn over it. Boxes are absolutely positioned in
 * percent of the image size the service measured (after EXIF rotation, as the browser shows it),
 * so they stay on the faces at any display size without listening to resizes.
 */
import type { Box, Size } from './api.js';
import { h } from './dom.js';

export type BoxKind = 'face' | 'match' | 'unknown';

export interface LabelledBox {
  box: Box;
  kind: BoxKind;
  label?: string;
  detail?: string;
}

/** The display size: as wide as the slot allows, at most `maxHeight` tall; small photos are enlarged. */
function fit(frame: HTMLElement, size: Size, maxWidth: number, maxHeight: number): void {
  const w = Math.max(1, size.width);
  const hgt = Math.max(1, size.height);
  frame.style.aspectRatio = `${w} / ${hgt}`;
  frame.style.width = `min(100%, ${maxWidth}px, ${Math.round((maxHeight * w) / hgt)}px)`;
}

export class PhotoView {
  readonly frame: HTMLDivElement;
  private readonly layer: HTMLDivElement;
  private size: Size | undefined;

  constructor(
    readonly slot: HTMLElement,
    media: HTMLImageElement | HTMLVideoElement,
    private readonly maxWidth = 440,
    private readonly maxHeight = 360,
  ) {
    this.layer = h('div', { class: 'box-layer', 'data-testid': 'box-layer' });
    media.classList.add('photo-media');
    this.frame = h('div', { class: 'photo-frame' }, media, this.layer);
    slot.replaceChildren(this.frame);
  }

  /** Shows a photo file; resolves with its displayed (EXIF-rotated) natural size, or undefined when it cannot be decoded here. */
  static async forFile(slot: HTMLElement, file: Blob, alt: string, maxWidth?: number, maxHeight?: number): Promise<{ view: PhotoView; size: Size | undefined }> {
    const img = h('img', { alt, 'data-testid': 'photo-img' });
    const view = new PhotoView(slot, img, maxWidth, maxHeight);
    const url = URL.createObjectURL(file);
    img.src = url;
    let size: Size | undefined;
    try {
      await img.decode();
      size = { width: img.naturalWidth, height: img.naturalHeight };
      view.setSize(size);
    } catch {
      // A format this browser cannot show (TIFF, say): the service may still read it.
      view.frame.classList.add('undecodable');
    }
    return { view, size };
  }

  setSize(size: Size): void {
    this.size = size;
    fit(this.frame, size, this.maxWidth, this.maxHeight);
  }

  clearBoxes(): void {
    this.layer.replaceChildren();
  }

  /** Draws the boxes, given in pixels of an image of `size`. */
  setBoxes(boxes: LabelledBox[], size: Size): void {
    if (!this.size || this.size.width !== size.width || this.size.height !== size.height) this.setSize(size);
    this.layer.replaceChildren(
      ...boxes.map((b, i) => {
        const x = clamp(b.box.x / size.width);
        const y = clamp(b.box.y / size.height);
        const w = clamp(b.box.width / size.width, 1 - x);
        const hh = clamp(b.box.height / size.height, 1 - y);
        const el = h('div', {
          class: `face-box face-box-${b.kind}`,
          'data-testid': 'face-box',
          'data-kind': b.kind,
          role: b.label ? 'img' : undefined,
          'aria-label': b.label ? `Face ${i + 1}: ${b.label}${b.detail ? `, ${b.detail}` : ''}` : undefined,
          style: `left:${pct(x)};top:${pct(y)};width:${pct(w)};height:${pct(hh)}`,
        });
        if (b.label) {
          // below the box when it touches the top edge, so the label stays inside the picture
          el.append(
            h(
              'span',
              { class: `face-label${y < 0.12 ? ' face-label-below' : ''}`, 'data-testid': 'face-box-label' },
              h('b', {}, b.label),
              b.detail ? ` ${b.detail}` : '',
            ),
          );
        }
        return el;
      }),
    );
  }
}

const clamp = (v: number, max = 1): number => Math.min(Math.max(v, 0), Math.max(0, max));
const pct = (v: number): string => `${(v * 100).toFixed(3)}%`;
