/**
 * The People view: the people `likeness cluster` found, each with face thumbnails cut on demand
 * from the original photos (GET /v1/people/faces/:id/thumbnail; blob URLs revoked on every
 * redraw), and, for an admin key, name / merge into / split the selected faces.
 */
import { describe, type Api, type People, type Role } from './api.js';
import { byTestId, h, setMessage } from './dom.js';

export function setupPeople(getApi: () => Api): { show: (role: Role) => void; reset: () => void } {
  const list = byTestId<HTMLUListElement>('people-list');
  const error = byTestId('people-error');
  const unclustered = byTestId('people-unclustered');
  let urls: string[] = [];
  const clear = () => {
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    list.replaceChildren();
    unclustered.textContent = '';
  };
  const act = async (fn: () => Promise<unknown>, role: Role) => {
    setMessage(error, '');
    try {
      await fn();
      await load(role);
    } catch (e) {
      setMessage(error, describe(e));
    }
  };
  function render(p: People, role: Role): void {
    clear();
    const admin = role === 'admin';
    for (const c of p.clusters) {
      const label = c.name ?? `Person ${c.id}`;
      const faces = h('div', { class: 'people-faces' });
      const selected = new Set<number>();
      for (const f of c.faces) {
        const img = h('img', { alt: `face ${f.id} of ${label}`, width: 80, height: 80, 'data-testid': 'people-face', 'data-face': f.id });
        getApi().faceThumbnail(f.id).then((b) => {
          const u = URL.createObjectURL(b);
          urls.push(u);
          img.src = u;
        }, () => (img.alt = `face ${f.id}: photo not readable`));
        if (admin) {
          const box = h('input', { type: 'checkbox', 'aria-label': `select face ${f.id}` });
          box.addEventListener('change', () => (box.checked ? selected.add(f.id) : selected.delete(f.id)));
          faces.append(h('label', { class: 'people-face' }, img, box));
        } else faces.append(img);
      }
      const item = h('li', { class: 'card', 'data-testid': 'people-person', 'data-person': c.id }, h('h2', {}, `${label} `, h('span', { class: 'muted' }, `${c.size} face${c.size === 1 ? '' : 's'}`)), faces);
      if (admin) {
        const name = h('input', { type: 'text', placeholder: 'Name', value: c.name ?? '', 'aria-label': `name of ${label}`, 'data-testid': 'people-name-input' });
        const nameBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'people-name' }, c.name ? 'Rename' : 'Name');
        nameBtn.addEventListener('click', () => void act(() => getApi().namePerson(c.id, name.value.trim()), role));
        const others = p.clusters.filter((o) => o.id !== c.id);
        const into = h('select', { 'aria-label': `merge ${label} into`, 'data-testid': 'people-merge-target' }, ...others.map((o) => h('option', { value: o.id }, o.name ?? `Person ${o.id}`)));
        const mergeBtn = h('button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'people-merge' }, 'Merge into');
        mergeBtn.addEventListener('click', () => void act(() => getApi().mergePeople(Number(into.value), c.id), role));
        const splitBtn = h('button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'people-split' }, 'Split selected');
        splitBtn.addEventListener('click', () => void act(() => (selected.size ? getApi().splitPerson(c.id, [...selected]) : Promise.reject(new Error('select the faces to split off first'))), role));
        item.append(h('div', { class: 'people-actions' }, name, nameBtn, ...(others.length ? [mergeBtn, into] : []), splitBtn));
      }
      list.append(item);
    }
    unclustered.textContent = p.clusters.length === 0 ? 'No people yet: run likeness cluster on a folder of photos.' : `${p.unclustered.length} face${p.unclustered.length === 1 ? '' : 's'} not in any person.`;
  }
  async function load(role: Role): Promise<void> {
    render(await getApi().people(), role);
  }
  return {
    show: (role) => {
      setMessage(error, '');
      load(role).catch((e: unknown) => setMessage(error, describe(e)));
    },
    reset: () => {
      clear();
      setMessage(error, '');
    },
  };
}
