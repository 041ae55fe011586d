/** Small DOM helpers: typed lookups by data-testid and a tiny element builder. */

export function byTestId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`page structure: no element with data-testid="${id}"`);
  return el;
}

type Attrs = Record<string, string | number | boolean | undefined>;

/** h('li', { class: 'x', 'data-testid': 'y' }, 'text', child) */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    // Through the CSSOM: the page's Content-Security-Policy (style-src 'self') refuses style attributes.
    if (k === 'style') el.style.cssText = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** Shows a message in an alert element, or hides it when the message is empty. */
export function setMessage(el: HTMLElement, message: string): void {
  el.textContent = message;
  el.hidden = message === '';
}

export function fmt(n: number, digits = 3): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(1)} %`;
}

/** Accepts files dropped on `zone` (the first image, or all of them with `multiple`). */
export function acceptDrops(zone: HTMLElement, onFiles: (files: File[]) => void, multiple = false): void {
  zone.addEventListener('dragover', (ev) => {
    if (!ev.dataTransfer?.types.includes('Files')) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('dragging');
    const files = [...(ev.dataTransfer?.files ?? [])].filter((f) => f.type === '' || f.type.startsWith('image/'));
    if (files.length) onFiles(multiple ? files : files.slice(0, 1));
  });
}
