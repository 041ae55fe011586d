/**
 * Gallery: the enrolled people with their face counts; with an admin key, enrol (photos or a
 * webcam snapshot), add photos, rename and delete (after a confirmation).
 */
import { ApiError, describe, type Api, type Role, type Subject } from './api.js';
import { CameraError, cameraUnsupportedReason, grabFrame, startCamera, stopCamera } from './camera.js';
import { acceptDrops, byTestId, h, setMessage } from './dom.js';

/** Asks through the page's <dialog>; resolves true when confirmed. */
function confirmDialog(title: string, message: string, ok: string): Promise<boolean> {
  const dialog = byTestId<HTMLDialogElement>('confirm-dialog');
  byTestId('confirm-title', dialog).textContent = title;
  byTestId('confirm-message', dialog).textContent = message;
  byTestId('confirm-ok', dialog).textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  byTestId<HTMLButtonElement>('confirm-cancel', dialog).focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

export function setupGallery(getApi: () => Api): { show(role: Role): void; reset(): void; leave(): void } {
  const panel = byTestId('panel-gallery');
  const readonlyNote = byTestId('gallery-readonly', panel);
  const form = byTestId<HTMLFormElement>('enrol-form', panel);
  const nameInput = byTestId<HTMLInputElement>('enrol-name', form);
  const filesInput = byTestId<HTMLInputElement>('enrol-files', form);
  const cameraButton = byTestId<HTMLButtonElement>('enrol-camera', form);
  const cameraBox = byTestId('enrol-camera-box', form);
  const video = byTestId<HTMLVideoElement>('enrol-video', form);
  const thumbs = byTestId<HTMLUListElement>('enrol-thumbs', form);
  const submit = byTestId<HTMLButtonElement>('enrol-submit', form);
  const enrolStatus = byTestId('enrol-status', form);
  const enrolError = byTestId('enrol-error', form);
  const tbody = byTestId<HTMLTableSectionElement>('subjects', panel);
  const empty = byTestId('subjects-empty', panel);
  const count = byTestId('subjects-count', panel);
  const galleryError = byTestId('gallery-error', panel);

  let role: Role = 'recognize';
  let pending: { blob: Blob; name: string; url: string }[] = [];
  let snapshots = 0;
  let loading = 0;

  const unsupported = cameraUnsupportedReason();
  if (unsupported) {
    cameraButton.disabled = true;
    cameraButton.title = unsupported;
  }

  // --- photos waiting to be enrolled ------------------------------------------------------------
  function renderThumbs(): void {
    thumbs.replaceChildren(
      ...pending.map((p, i) =>
        h(
          'li',
          { class: 'thumb', 'data-testid': 'enrol-thumb' },
          h('img', { src: p.url, alt: p.name }),
          h('span', { class: 'thumb-name' }, p.name),
          (() => {
            const b = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-label': `Remove ${p.name}` }, '×');
            b.addEventListener('click', () => {
              URL.revokeObjectURL(p.url);
              pending.splice(i, 1);
              renderThumbs();
            });
            return b;
          })(),
        ),
      ),
    );
  }
  function addPending(blobs: { blob: Blob; name: string }[]): void {
    pending.push(...blobs.map((b) => ({ ...b, url: URL.createObjectURL(b.blob) })));
    setMessage(enrolError, '');
    renderThumbs();
  }
  function clearPending(): void {
    pending.forEach((p) => URL.revokeObjectURL(p.url));
    pending = [];
    renderThumbs();
  }

  filesInput.addEventListener('change', () => {
    const files = [...(filesInput.files ?? [])];
    filesInput.value = '';
    addPending(files.map((f) => ({ blob: f, name: f.name })));
  });
  acceptDrops(form, (files) => addPending(files.map((f) => ({ blob: f, name: f.name }))), true);

  // --- webcam snapshot --------------------------------------------------------------------------
  async function openCamera(): Promise<void> {
    setMessage(enrolError, '');
    cameraBox.hidden = false;
    cameraButton.disabled = true;
    try {
      await startCamera(video);
    } catch (e) {
      closeCamera();
      setMessage(enrolError, e instanceof CameraError ? e.message : describe(e));
    }
  }
  function closeCamera(): void {
    stopCamera(video);
    cameraBox.hidden = true;
    cameraButton.disabled = unsupported !== undefined;
  }
  cameraButton.addEventListener('click', () => void openCamera());
  byTestId('enrol-camera-close', form).addEventListener('click', closeCamera);
  byTestId('enrol-snap', form).addEventListener('click', async () => {
    try {
      const { blob } = await grabFrame(video, 1280, 0.92);
      addPending([{ blob, name: `snapshot-${++snapshots}.jpg` }]);
    } catch (e) {
      setMessage(enrolError, describe(e));
    }
  });

  // --- enrol ------------------------------------------------------------------------------------
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    setMessage(enrolError, '');
    if (!name) {
      setMessage(enrolError, 'Give the person a name.');
      nameInput.focus();
      return;
    }
    if (pending.length === 0) {
      setMessage(enrolError, 'Add at least one photo of the person (a file or a webcam snapshot).');
      return;
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    enrolStatus.textContent = `Enrolling ${name}…`;
    const api = getApi();
    let created: Subject | undefined;
    try {
      created = await api.createSubject(name);
      const faces = await api.addFaces(
        created.id,
        pending.map((p) => (p.blob instanceof File ? p.blob : new File([p.blob], p.name, { type: p.blob.type }))),
      );
      enrolStatus.textContent = `${name} enrolled from ${faces.length} photo${faces.length === 1 ? '' : 's'}.`;
      nameInput.value = '';
      clearPending();
      closeCamera();
    } catch (e) {
      enrolStatus.textContent = '';
      // A person without a face would match nobody: take the new entry back out.
      if (created) await api.deleteSubject(created.id).catch(() => undefined);
      setMessage(enrolError, created ? `${name} was not enrolled: ${describe(e)}` : describe(e));
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
      await refresh();
    }
  });

  // --- the list ---------------------------------------------------------------------------------
  function row(s: Subject): HTMLTableRowElement {
    const nameCell = h('td', { class: 'subject-name' }, h('span', { 'data-testid': 'subject-name' }, s.name));
    const tr = h(
      'tr',
      { 'data-testid': 'subject-row', 'data-id': s.id, 'data-name': s.name },
      nameCell,
      h('td', { class: 'num', 'data-testid': 'subject-faces' }, String(s.faceCount)),
      h('td', { class: 'muted small' }, when(s.createdAt)),
    );
    const actions = h('td', { class: 'row-actions' });
    if (role === 'admin') {
      const add = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'file-input', id: `add-${s.id}`, 'data-testid': 'subject-add-files' });
      const addLabel = h('label', { for: `add-${s.id}`, class: 'btn btn-small', 'aria-label': `Add photos of ${s.name}` }, 'Add photos');
      add.addEventListener('change', async () => {
        const files = [...(add.files ?? [])];
        add.value = '';
        if (!files.length) return;
        setMessage(galleryError, '');
        try {
          await getApi().addFaces(s.id, files);
        } catch (e) {
          setMessage(galleryError, `Photos of ${s.name} not added: ${describe(e)}`);
        }
        await refresh();
      });
      const rename = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'subject-rename', 'aria-label': `Rename ${s.name}` }, 'Rename');
      rename.addEventListener('click', () => startRename(s, nameCell));
      const del = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'subject-delete', 'aria-label': `Delete ${s.name}` }, 'Delete');
      del.addEventListener('click', async () => {
        const ok = await confirmDialog(
          `Delete ${s.name}?`,
          `${s.name} and ${s.faceCount === 1 ? 'their face encoding' : `their ${s.faceCount} face encodings`} will be erased from the gallery. This cannot be undone.`,
          'Delete',
        );
        if (!ok) return;
        setMessage(galleryError, '');
        try {
          await getApi().deleteSubject(s.id);
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) setMessage(galleryError, describe(e));
        }
        await refresh();
      });
      actions.append(add, addLabel, rename, del);
    }
    tr.append(actions);
    return tr;
  }

  function startRename(s: Subject, cell: HTMLTableCellElement): void {
    const input = h('input', { type: 'text', value: s.name, maxlength: 200, 'aria-label': `New name for ${s.name}`, 'data-testid': 'subject-rename-input' });
    const save = h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-testid': 'subject-rename-save' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn btn-small btn-quiet' }, 'Cancel');
    const f = h('form', { class: 'rename-form' }, input, save, cancel);
    cell.replaceChildren(f);
    input.select();
    cancel.addEventListener('click', () => void refresh());
    input.addEventListener('keydown', (ev) => ev.key === 'Escape' && void refresh());
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const name = input.value.trim();
      if (!name || name === s.name) return void refresh();
      save.disabled = true;
      setMessage(galleryError, '');
      try {
        await getApi().renameSubject(s.id, name);
      } catch (e) {
        setMessage(galleryError, describe(e));
      }
      await refresh();
    });
  }

  async function refresh(): Promise<void> {
    const mine = ++loading;
    panel.setAttribute('aria-busy', 'true');
    try {
      const subjects = await getApi().subjects();
      if (mine !== loading) return;
      subjects.sort((a, b) => a.name.localeCompare(b.name));
      tbody.replaceChildren(...subjects.map(row));
      empty.hidden = subjects.length > 0;
      count.textContent = `(${subjects.length})`;
    } catch (e) {
      if (mine !== loading) return;
      setMessage(galleryError, describe(e));
    } finally {
      if (mine === loading) panel.removeAttribute('aria-busy');
    }
  }
  byTestId('subjects-refresh', panel).addEventListener('click', () => {
    setMessage(galleryError, '');
    void refresh();
  });

  return {
    show(r: Role) {
      role = r;
      const admin = r === 'admin';
      form.hidden = !admin;
      readonlyNote.hidden = admin;
      void refresh();
    },
    leave: closeCamera,
    reset() {
      closeCamera();
      clearPending();
      nameInput.value = '';
      enrolStatus.textContent = '';
      setMessage(enrolError, '');
      setMessage(galleryError, '');
      tbody.replaceChildren();
      count.textContent = '';
      empty.hidden = true;
    },
  };
}
