/**
 * The likeness web page: log in with an API key, then Verify, Recognise and Gallery as tabs
 * (#verify, #recognise, #gallery). The key lives in sessionStorage: it survives a reload of this
 * tab and is gone when the tab closes; it is never put in a URL or a cookie.
 */
import { Api, ApiError, describe, type Role } from './api.js';
import { byTestId, setMessage } from './dom.js';
import { setupChallenge } from './challenge.js';
import { setupGallery } from './gallery.js';
import { setupPeople } from './people.js';
import { setupRecognise } from './recognise.js';
import { setupVerify } from './verify.js';
import './style.css';

const KEY_STORAGE = 'likeness.apiKey';
const PAGES = ['verify', 'recognise', 'gallery', 'people', 'liveness'] as const;
type Page = (typeof PAGES)[number];

let api: Api | undefined;
let role: Role | undefined;
const getApi = (): Api => {
  if (!api) throw new ApiError(401, 'E_UNAUTHORIZED', 'Log in first.');
  return api;
};

const loginSection = byTestId('login');
const loginForm = byTestId<HTMLFormElement>('login-form');
const keyInput = byTestId<HTMLInputElement>('login-key');
const loginButton = byTestId<HTMLButtonElement>('login-submit');
const loginError = byTestId('login-error');
const tabs = byTestId('tabs');
const session = byTestId('session');
const roleBadge = byTestId('session-role');

const verify = setupVerify(getApi);
const recognise = setupRecognise(getApi);
const gallery = setupGallery(getApi);
const liveness = setupChallenge(getApi);
const people = setupPeople(getApi);

function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage disabled: the key lasts as long as the page
  }
}
function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // see storedKey
  }
}

function currentPage(): Page {
  const p = location.hash.replace(/^#\/?/, '');
  return (PAGES as readonly string[]).includes(p) ? (p as Page) : 'verify';
}

function route(): void {
  const loggedIn = api !== undefined && role !== undefined;
  loginSection.hidden = loggedIn;
  tabs.hidden = !loggedIn;
  session.hidden = !loggedIn;
  const page = currentPage();
  for (const p of PAGES) {
    const active = loggedIn && p === page;
    byTestId(`panel-${p}`).hidden = !active;
    const tab = byTestId(`tab-${p}`);
    tab.setAttribute('aria-selected', String(active));
    tab.tabIndex = active ? 0 : -1;
  }
  if (!loggedIn) {
    document.title = 'Log in · likeness';
    return;
  }
  document.title = `${page[0]!.toUpperCase()}${page.slice(1)} · likeness`;
  if (page !== 'recognise') recognise.leave();
  if (page !== 'gallery') gallery.leave();
  if (page !== 'liveness') liveness.leave();
  if (page === 'gallery' && role) gallery.show(role);
  if (page === 'people' && role) people.show(role);
}

function logOut(message = ''): void {
  api = undefined;
  role = undefined;
  storeKey(null);
  verify.reset();
  recognise.reset();
  gallery.reset();
  liveness.reset();
  people.reset();
  setMessage(loginError, message);
  route();
  keyInput.focus();
}

async function logIn(key: string, remember: boolean): Promise<void> {
  const candidate = new Api(key);
  const s = await candidate.session();
  if (s.role !== 'admin' && s.role !== 'recognize') throw new ApiError(403, 'E_FORBIDDEN', `This key's role (${String(s.role)}) cannot use the page.`);
  candidate.onUnauthorized = (e) => logOut(`${describe(e)} Log in again.`);
  api = candidate;
  role = s.role;
  if (remember) storeKey(key);
  roleBadge.textContent = s.role;
  roleBadge.title = s.role === 'admin' ? 'This key can recognise and manage the gallery.' : 'This key can verify and recognise; the gallery is read-only.';
  setMessage(loginError, '');
  keyInput.value = '';
  route();
}

loginForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    setMessage(loginError, 'Paste an API key.');
    return;
  }
  loginButton.disabled = true;
  loginForm.setAttribute('aria-busy', 'true');
  setMessage(loginError, '');
  try {
    await logIn(key, true);
  } catch (e) {
    setMessage(loginError, describe(e));
    keyInput.select();
  } finally {
    loginButton.disabled = false;
    loginForm.removeAttribute('aria-busy');
  }
});

byTestId('logout').addEventListener('click', () => logOut());
window.addEventListener('hashchange', route);

// Arrow keys move between tabs, as in the ARIA tabs pattern.
tabs.addEventListener('keydown', (ev) => {
  if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
  const i = PAGES.indexOf(currentPage());
  const next = PAGES[(i + (ev.key === 'ArrowRight' ? 1 : PAGES.length - 1)) % PAGES.length]!;
  location.hash = next;
  byTestId(`tab-${next}`).focus();
  ev.preventDefault();
});

// Start: a key kept from earlier in this tab is checked again; otherwise, the login box.
const kept = storedKey();
if (kept) {
  logIn(kept, false).catch((e: unknown) => logOut(e instanceof ApiError && e.status === 401 ? `${describe(e)} Log in again.` : describe(e)));
} else {
  route();
}
document.body.dataset.ready = 'true';
