import { ApiError, NetworkError, api, setCsrfToken, type Me, type Role } from './api.js';
import { h, replaceChildren } from './dom.js';
import { LANGUAGES, LANGUAGE_NAMES, currentLanguage, isLanguage, setLanguage, t, type TextKey } from './i18n.js';

/** The portal lives under this path; client routes are below it. */
export const BASE = '/portal/';
export const ROUTES = { signIn: `${BASE}sign-in`, account: `${BASE}account` } as const;

/** One screen of the portal. It keeps its own state, so it can be drawn again (another language) without losing edits. */
export interface Page {
  title(): string;
  render(): HTMLElement;
  /** Called when the route leaves the page. */
  dispose?(): void;
}

export interface PortalContext {
  /** The signed-in user, or null. */
  readonly me: Me | null;
  navigate(path: string, options?: { replace?: boolean }): void;
  signedIn(me: Me): void;
  /** The API answered 401: back to the sign-in page with a note. */
  sessionEnded(): void;
  /**
   * 401 anywhere: the session is gone. Calls sessionEnded() and returns true when `error` is
   * that (even for a page that was left: the session is gone for every page); false otherwise.
   */
  endsSession(error: unknown): boolean;
  signOut(): Promise<void>;
  /** Draws the current page again, keeping the focused control. */
  refresh(): void;
  /** A one-time note for the next page (e.g. "you are signed out"), as a text key. */
  takeNotice(): TextKey | null;
}

/** Path parameters of a route, e.g. `{ id: "12" }` for `/portal/extensions/:id/callnow` (query parameters are in `location.search`). */
export type RouteParams = Readonly<Record<string, string>>;

export type PageFactory = (context: PortalContext, params: RouteParams) => Page;

/**
 * One client route. Each page module exports `routes: PortalRoute[]`; main.ts collects them
 * all (web/src/pages/*.ts), so a new page is one new file.
 */
export interface PortalRoute {
  /** Below BASE, with `:name` parameters: `extensions/:id/callnow`. */
  path: string;
  /** Who may open it: 'public' (signed out only, the sign-in page) or a test of the signed-in user. */
  access: 'public' | ((me: Me) => boolean);
  /** An entry in the main navigation, ordered by `order`; the first one a user can open is their start page. */
  nav?: { text: () => string; order: number };
  page: PageFactory;
}

/** Everyone signed in. */
export const signedIn = (): boolean => true;
/** Roles that manage accounts below them (not an extension owner). */
export const manager = (me: Me): boolean => me.user.role !== 'extension_owner';
export const roleIs =
  (...roles: Role[]) =>
  (me: Me): boolean =>
    roles.includes(me.user.role);
/** An extension owner whose extension is of this type. */
export const ownsExtension =
  (type: 'phone' | 'callback') =>
  (me: Me): boolean =>
    me.user.role === 'extension_owner' && me.extension?.type === type;

/** Matches `path` (below BASE) against a route pattern; the parameters, or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const part = want[i] as string;
    const value = got[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

/**
 * The extension a page works on: the `:id` of a manager's route, else the owner's own.
 * Null when there is none (a manager on an owner's route).
 */
export function extensionIdOf(context: PortalContext, params: RouteParams): number | null {
  if (params.id !== undefined) {
    const id = Number(params.id);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }
  return context.me?.extension?.id ?? context.me?.user.extensionId ?? null;
}

export interface PortalRoutes {
  routes: readonly PortalRoute[];
  notFound: PageFactory;
}

/** The text to show for an error the API (or the network) gave, in the portal's words where it has them. */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError) return t('networkError');
  if (error instanceof ApiError) {
    if (error.status === 403) return t('forbidden', { message: error.message });
    if (error.status >= 500) return t('serverError', { message: error.message });
    return error.message;
  }
  return t('serverError', { message: error instanceof Error ? error.message : String(error) });
}

export class Portal implements PortalContext {
  me: Me | null = null;
  private page: Page | null = null;
  private pagePath = '';
  private currentRoute: PortalRoute | null = null;
  /** On a narrow screen the navigation folds behind a Menu button. */
  private menuOpen = false;
  private notice: TextKey | null = null;
  private signingOut = false;
  /** Why signing out failed, shown above the page. */
  private shellError: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly routes: PortalRoutes,
  ) {}

  async start(): Promise<void> {
    window.addEventListener('popstate', () => this.route());
    // Links inside the portal change the route without a page load.
    document.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[data-route]') : null;
      if (!(link instanceof HTMLAnchorElement) || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.navigate(link.pathname);
    });
    try {
      const me = await api.me();
      this.me = me;
      // The CSRF token lives in memory only: after a reload, GET /api/v1/me gives it again.
      setCsrfToken(me.csrfToken ?? null);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        this.me = null;
        this.renderShell(h('p', { class: 'alert', role: 'alert' }, describeError(error)));
        return;
      }
    }
    this.route();
  }

  navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
    if (path !== location.pathname) {
      if (replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    this.route();
  }

  signedIn(me: Me): void {
    this.me = me;
    if (me.csrfToken) setCsrfToken(me.csrfToken);
    this.navigate(this.home(), { replace: true });
  }

  sessionEnded(): void {
    this.me = null;
    setCsrfToken(null);
    this.notice = 'sessionEnded';
    this.navigate(ROUTES.signIn, { replace: true });
  }

  endsSession(error: unknown): boolean {
    if (!(error instanceof ApiError && error.status === 401)) return false;
    // Several requests can fail at once, or after signing out: the sign-in page is shown once.
    if (this.me !== null) this.sessionEnded();
    return true;
  }

  async signOut(): Promise<void> {
    if (this.signingOut) return;
    this.signingOut = true;
    this.shellError = null;
    this.refresh();
    try {
      await api.signOut();
    } catch (error) {
      // A session that already ended is as good as signed out; anything else is said, and we stay.
      if (!(error instanceof ApiError && error.status === 401)) {
        this.signingOut = false;
        this.shellError = describeError(error);
        this.refresh();
        document.getElementById('sign-out')?.focus();
        return;
      }
    }
    this.signingOut = false;
    this.me = null;
    setCsrfToken(null);
    this.notice = 'signedOut';
    this.navigate(ROUTES.signIn, { replace: true });
  }

  takeNotice(): TextKey | null {
    const notice = this.notice;
    this.notice = null;
    return notice;
  }

  refresh(): void {
    if (!this.page) return;
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && active.id ? active.id : null;
    // A redraw replaces the field being typed in; the caret goes where it was, not to the end.
    const caret = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? textSelection(active) : null;
    this.renderShell(this.page.render());
    document.title = `${this.page.title()} · ${t('appName')}`;
    if (!focused) return;
    const again = document.getElementById(focused);
    again?.focus();
    if (caret && (again instanceof HTMLInputElement || again instanceof HTMLTextAreaElement) && again.value.length >= caret.end) {
      try {
        again.setSelectionRange(caret.start, caret.end, caret.direction);
      } catch {
        // Fields without a caret (date, number) keep what the browser gives them.
      }
    }
  }

  /** The routes in the navigation that the signed-in user may open, in order. */
  private navigation(): PortalRoute[] {
    const me = this.me;
    if (!me) return [];
    return this.routes.routes
      .filter((route) => route.nav && route.access !== 'public' && route.access(me))
      .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
  }

  /** Where `/portal/` leads: the first page of the user's navigation (every role has the account page), or signing in. */
  private home(): string {
    if (!this.me) return ROUTES.signIn;
    const first = this.navigation()[0];
    return first ? BASE + first.path : ROUTES.account;
  }

  private route(): void {
    let path = location.pathname;
    if (path === '/portal' || path === BASE || path === `${BASE}index.html`) path = this.me ? this.home() : ROUTES.signIn;
    const below = path.startsWith(BASE) ? path.slice(BASE.length) : path;
    let found: { route: PortalRoute; params: RouteParams } | null = null;
    for (const route of this.routes.routes) {
      const params = matchRoute(route.path, below);
      if (params) {
        found = { route, params };
        break;
      }
    }
    if (found) {
      const { access } = found.route;
      // Signed in on the sign-in page: go home. Signed out on any other page: sign in first.
      if (access === 'public' && this.me) path = this.home();
      else if (access !== 'public' && !this.me) path = ROUTES.signIn;
      if (path !== location.pathname) {
        history.replaceState(null, '', path);
        this.route();
        return;
      }
    }
    if (path !== location.pathname) history.replaceState(null, '', path);

    this.shellError = null;
    const key = path + location.search;
    if (this.page && key === this.pagePath) {
      this.refresh();
      return;
    }
    this.page?.dispose?.();
    this.menuOpen = false;
    const me = this.me;
    // A route the user's role may not open looks like one that does not exist.
    const allowed = found !== null && (found.route.access === 'public' || (me !== null && found.route.access(me)));
    this.page = found && allowed ? found.route.page(this, found.params) : this.routes.notFound(this, {});
    this.pagePath = key;
    this.currentRoute = found && allowed ? found.route : null;
    this.refresh();
    // A new screen: move focus to its heading so screen readers announce it.
    const heading = this.root.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }

  private renderShell(content: HTMLElement): void {
    const languageSelect = h(
      'select',
      {
        id: 'portal-language',
        onchange: (event: Event) => {
          const value = (event.target as HTMLSelectElement).value;
          if (!isLanguage(value)) return;
          setLanguage(value, true);
          this.refresh();
        },
      },
      ...LANGUAGES.map((code) => h('option', { value: code, lang: code, selected: code === currentLanguage() }, LANGUAGE_NAMES[code])),
    );
    const me = this.me;
    const header = h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: BASE, 'data-route': true }, t('appName')),
      me
        ? h(
            'button',
            {
              type: 'button',
              id: 'nav-toggle',
              class: 'secondary nav-toggle',
              'aria-expanded': this.menuOpen ? 'true' : 'false',
              'aria-controls': 'main-nav',
              onclick: () => {
                this.menuOpen = !this.menuOpen;
                this.refresh();
              },
            },
            this.menuOpen ? '✕ ' : '☰ ',
            t('menu'),
          )
        : null,
      me
        ? h(
            'nav',
            { 'aria-label': t('mainNav'), id: 'main-nav', class: this.menuOpen ? 'open' : null },
            h(
              'ul',
              {},
              ...this.navigation().map((route) =>
                h('li', {}, h('a', { href: BASE + route.path, 'data-route': true, ...(route === this.currentRoute ? { 'aria-current': 'page' } : {}) }, route.nav?.text() ?? route.path)),
              ),
            ),
          )
        : null,
      h(
        'div',
        { class: 'tools' },
        h('div', { class: 'language' }, h('label', { for: 'portal-language' }, t('language')), languageSelect),
        me ? h('span', { class: 'who' }, t('signedInAs', { email: me.user.email })) : null,
        me
          ? h(
              'button',
              { type: 'button', id: 'sign-out', class: 'secondary', disabled: this.signingOut, onclick: () => void this.signOut() },
              this.signingOut ? t('signingOut') : t('signOut'),
            )
          : null,
      ),
    );
    const main = h('main', { id: 'main', tabindex: '-1' }, this.shellError ? h('p', { class: 'alert', role: 'alert' }, this.shellError) : null, content);
    replaceChildren(this.root, h('a', { class: 'skip', href: '#main' }, t('skip')), header, main);
  }
}

/** Where the caret (or selection) is in a text field; null for fields that have none, such as dates. */
function textSelection(field: HTMLInputElement | HTMLTextAreaElement): { start: number; end: number; direction: 'forward' | 'backward' | 'none' } | null {
  try {
    if (field.selectionStart === null || field.selectionEnd === null) return null;
    return { start: field.selectionStart, end: field.selectionEnd, direction: field.selectionDirection ?? 'none' };
  } catch {
    return null;
  }
}
