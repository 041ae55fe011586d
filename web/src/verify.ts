/** Verify: two photos in, the verdict with distance and threshold out, both faces boxed. */
import { describe, type Api, type VerifyResult } from './api.js';
import { acceptDrops, byTestId, fmt, percent, setMessage } from './dom.js';
import { PhotoView } from './photo.js';

export function setupVerify(getApi: () => Api): { reset(): void } {
  const panel = byTestId('panel-verify');
  const inputs = [byTestId<HTMLInputElement>('verify-file-1', panel), byTestId<HTMLInputElement>('verify-file-2', panel)] as const;
  const zones = [byTestId('verify-zone-1', panel), byTestId('verify-zone-2', panel)] as const;
  const slots = [byTestId('verify-photo-1', panel), byTestId('verify-photo-2', panel)] as const;
  const status = byTestId('verify-status', panel);
  const error = byTestId('verify-error', panel);
  const result = byTestId('verify-result', panel);

  const files: (File | undefined)[] = [undefined, undefined];
  const views: (PhotoView | undefined)[] = [undefined, undefined];
  let generation = 0;
  let controller: AbortController | undefined;

  async function choose(i: 0 | 1, file: File): Promise<void> {
    // A new photo cancels the comparison under way and hides the old verdict at once.
    generation++;
    controller?.abort();
    panel.removeAttribute('aria-busy');
    result.hidden = true;
    setMessage(error, '');
    files[i] = file;
    zones[i].classList.add('has-photo');
    const { view } = await PhotoView.forFile(slots[i], file, `${i === 0 ? 'First' : 'Second'} photo: ${file.name}`, 420, 320);
    views[i] = view;
    if (files[0] && files[1]) await run();
    else {
      status.textContent = `Now the ${i === 0 ? 'second' : 'first'} photo.`;
    }
  }

  async function run(): Promise<void> {
    const [a, b] = files;
    if (!a || !b) return;
    const mine = ++generation;
    controller?.abort();
    controller = new AbortController();
    result.hidden = true;
    setMessage(error, '');
    views.forEach((v) => v?.clearBoxes());
    status.textContent = 'Comparing…';
    panel.setAttribute('aria-busy', 'true');
    try {
      const r = await getApi().verify(a, b, controller.signal);
      if (mine !== generation) return;
      show(r);
      status.textContent = '';
    } catch (e) {
      if (mine !== generation || (e instanceof DOMException && e.name === 'AbortError')) return;
      status.textContent = '';
      setMessage(error, describe(e));
    } finally {
      if (mine === generation) panel.removeAttribute('aria-busy');
    }
  }

  function show(r: VerifyResult): void {
    r.faces.forEach((f, i) => {
      const size = r.images[i];
      if (f && size) views[i]?.setBoxes([{ box: f.box, kind: r.verified ? 'match' : 'unknown', label: `face ${i + 1}` }], size);
    });
    const verdict = byTestId('verify-verdict', result);
    verdict.textContent = r.verified ? 'Same person' : 'Different people';
    verdict.className = `verdict ${r.verified ? 'verdict-same' : 'verdict-different'}`;
    byTestId('verify-distance', result).textContent = fmt(r.distance);
    byTestId('verify-threshold', result).textContent = fmt(r.threshold);
    byTestId('verify-similarity', result).textContent = fmt(r.similarity);
    const confidenceRow = byTestId('verify-confidence-row', result);
    confidenceRow.hidden = r.confidence === undefined;
    byTestId('verify-confidence', result).textContent = r.confidence === undefined ? '' : percent(r.confidence);
    byTestId('verify-time', result).textContent = `${Math.round(r.timeMs)} ms`;
    byTestId('verify-explanation', result).textContent = r.verified
      ? `The ${r.metric} distance between the two faces, ${fmt(r.distance)}, is within the threshold ${fmt(r.threshold)}.`
      : `The ${r.metric} distance between the two faces, ${fmt(r.distance)}, is above the threshold ${fmt(r.threshold)}.`;
    result.hidden = false;
  }

  inputs.forEach((input, i) => {
    input.addEventListener('change', () => {
      const f = input.files?.[0];
      input.value = ''; // so that picking the same file again is a change too
      if (f) void choose(i as 0 | 1, f);
    });
  });
  zones.forEach((zone, i) => acceptDrops(zone, (fs) => fs[0] && void choose(i as 0 | 1, fs[0])));

  return {
    reset() {
      generation++;
      controller?.abort();
      files.fill(undefined);
      views.fill(undefined);
      inputs.forEach((i) => (i.value = ''));
      slots.forEach((s) => s.replaceChildren());
      zones.forEach((z) => z.classList.remove('has-photo'));
      result.hidden = true;
      status.textContent = '';
      setMessage(error, '');
      panel.removeAttribute('aria-busy');
    },
  };
}
