/**
 * Score fusion (FusionSpec): every part aligns the face on its own template and encodes it; the
 * parts' unit encodings, scaled by √weight, are laid end to end and normalised again, so the cosine
 * similarity of two fused encodings is the weighted mean of the parts' similarities.
 */
import type { AlignedFace } from '../align/index.js';
import { InvalidOptionError } from '../errors.js';
import { l2normalize } from '../match/distance.js';
import type { FusionSpec } from '../models/spec.js';
import type { RgbImage } from '../types.js';
import { Embedder, type EmbedOptions, type FacePoints } from './embedder.js';

/** An aligned face for a fusion: the first part's chip (what is shown) and every part's. */
export interface FusedAlignedFace extends AlignedFace {
  parts: AlignedFace[];
}

export class FusedEmbedder {
  constructor(
    readonly spec: FusionSpec,
    readonly parts: readonly Embedder[],
  ) {
    if (parts.length !== spec.parts.length || parts.length === 0) throw new InvalidOptionError(`fusion ${spec.name}: ${spec.parts.length} parts described, ${parts.length} loaded`);
    const total = spec.parts.reduce((a, p) => a + p.embedder.outputSize, 0);
    if (total !== spec.outputSize) throw new InvalidOptionError(`fusion ${spec.name}: its parts give ${total} dimensions, the spec says ${spec.outputSize}`);
    if (!spec.parts.every((p) => p.weight > 0 && Number.isFinite(p.weight))) throw new InvalidOptionError(`fusion ${spec.name}: weights must be positive`);
  }

  get needs68(): boolean {
    return this.parts.some((p) => p.needs68);
  }

  align(img: RgbImage, face: FacePoints): FusedAlignedFace {
    const parts = this.parts.map((p) => p.align(img, face));
    return { chip: parts[0]!.chip, transform: parts[0]!.transform, parts };
  }

  async encode(img: RgbImage, faces: readonly AlignedFace[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const perPart = await Promise.all(
      this.parts.map((p, k) =>
        p.encode(
          img,
          faces.map((f) => {
            const part = (f as Partial<FusedAlignedFace>).parts?.[k];
            if (!part) throw new InvalidOptionError(`fusion ${this.spec.name}: face aligned without its part ${k}`);
            return part;
          }),
          options,
        ),
      ),
    );
    const w = this.spec.parts.map((p) => Math.sqrt(p.weight));
    return faces.map((_, i) => {
      const out = new Float32Array(this.spec.outputSize);
      let o = 0;
      perPart.forEach((encs, k) => {
        const e = encs[i]!;
        for (let d = 0; d < e.length; d++) out[o + d] = e[d]! * w[k]!;
        o += e.length;
      });
      return l2normalize(out);
    });
  }
}
