import { ApiError, NetworkError, api, setCsrfToken, type Me } from './api.js';
import { h, replaceChildren } from './dom.js';
import { LANGUAGES, LANGUAGE_NAMES, currentLanguage, isLanguage, setLanguage, t, type TextKey } from './i18n.js';

/** The portal lives under this path; client routes are below it. */
export const BASE = '/portal/';
export const ROUTES = { signIn: `${BASE}sign-in`, callnow: `${BASE}callnow` } as const;

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
  signOut(): Promise<void>;
  /** Draws the current page again, keeping the focused control. */
  refresh(): void;
  /** A one-time note for the next page (e.g. "you are signed out"), as a text key. */
  takeNotice(): TextKey | null;
}

export type PageFactory = (context: PortalContext, path: string) => Page;

export interface PortalRoutes {
  signIn: PageFactory;
  callnow: PageFactory;
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
    this.navigate(ROUTES.callnow, { replace: true });
  }

  sessionEnded(): void {
    this.me = null;
    setCsrfToken(null);
    this.notice = 'sessionEnded';
    this.navigate(ROUTES.signIn, { replace: true });
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
    const focused = document.activeElement instanceof HTMLElement && document.activeElement.id ? document.activeElement.id : null;
    this.renderShell(this.page.render());
    document.title = `${this.page.title()} · ${t('appName')}`;
    if (focused) document.getElementById(focused)?.focus();
  }

  private route(): void {
    let path = location.pathname;
    if (path === '/portal' || path === BASE || path === `${BASE}index.html`) path = this.me ? ROUTES.callnow : ROUTES.signIn;
    else if (path === ROUTES.signIn && this.me) path = ROUTES.callnow;
    else if (path === ROUTES.callnow && !this.me) path = ROUTES.signIn;
    if (path !== location.pathname) history.replaceState(null, '', path);

    this.shellError = null;
    if (this.page && path === this.pagePath) {
      this.refresh();
      return;
    }
    this.page?.dispose?.();
    const factory = path === ROUTES.signIn ? this.routes.signIn : path === ROUTES.callnow ? this.routes.callnow : this.routes.notFound;
    this.page = factory(this, path);
    this.pagePath = path;
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
            'nav',
            { 'aria-label': t('mainNav') },
            h('a', { href: ROUTES.callnow, 'data-route': true, ...(this.pagePath === ROUTES.callnow ? { 'aria-current': 'page' } : {}) }, t('navCallnow')),
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
