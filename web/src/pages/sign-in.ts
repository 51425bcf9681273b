import { ApiError, api, setCsrfToken } from '../api.js';
import { describeError, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { inTime, t, type TextKey } from '../i18n.js';

type Field = 'email' | 'password';

interface Problem {
  /** A portal text (translated on every draw) or the API's own words. */
  key?: TextKey;
  text?: string;
  /** Seconds to wait, said as "in 5 minutes" in the language of the moment. */
  wait?: number;
}

const say = (problem: Problem): string => (problem.key ? t(problem.key, problem.wait === undefined ? {} : { when: inTime(problem.wait) }) : (problem.text ?? ''));

/** Email and password; errors next to their field, in the API's words; a clear note when sign-in is paused (429). */
export function signInPage(context: PortalContext): Page {
  const state = {
    email: '',
    password: '',
    busy: false,
    errors: {} as Partial<Record<Field, Problem>>,
    formError: null as Problem | null,
    /** The API's own words under a 429 note (e.g. until when the account is locked). */
    formDetail: null as string | null,
    notice: context.takeNotice(),
    pausedUntil: 0,
  };
  let resumeTimer: number | undefined;

  const focusFirstError = () => {
    const field = state.errors.email ? 'email' : state.errors.password ? 'password' : null;
    if (field) document.getElementById(`sign-in-${field}`)?.focus();
    else if (state.formError) document.getElementById('sign-in-error')?.focus();
  };

  const submit = async () => {
    if (state.busy || Date.now() < state.pausedUntil) return;
    state.errors = {};
    state.formError = null;
    state.formDetail = null;
    state.notice = null;
    if (state.email.trim() === '') state.errors.email = { key: 'emailRequired' };
    if (state.password === '') state.errors.password = { key: 'passwordRequired' };
    if (state.errors.email || state.errors.password) {
      context.refresh();
      focusFirstError();
      return;
    }
    state.busy = true;
    context.refresh();
    try {
      const session = await api.signIn(state.email.trim(), state.password);
      setCsrfToken(session.csrfToken);
      const me = await api.me();
      state.password = '';
      // The token from signing in is the session's; /me gives the same one (it is how a reload gets it).
      context.signedIn({ ...me, csrfToken: me.csrfToken ?? session.csrfToken });
      return;
    } catch (error) {
      state.busy = false;
      if (error instanceof ApiError && error.status === 429) {
        const wait = error.retryAfterSeconds;
        state.formError = wait !== undefined && wait > 0 ? { key: 'tooManyAttempts', wait } : { key: 'tooManyAttemptsLater' };
        state.formDetail = error.message;
        if (wait !== undefined && wait > 0) {
          state.pausedUntil = Date.now() + wait * 1000;
          window.clearTimeout(resumeTimer);
          resumeTimer = window.setTimeout(
            () => {
              state.pausedUntil = 0;
              context.refresh();
            },
            Math.min(wait, 24 * 3600) * 1000,
          );
        }
      } else if (error instanceof ApiError && (error.status === 400 || error.status === 401)) {
        // Wrong credentials name no field: the message goes with the password.
        const field: Field = error.field === 'email' ? 'email' : 'password';
        if (error.field === undefined || error.field === 'email' || error.field === 'password') state.errors[field] = { text: error.message };
        else state.formError = { text: error.message };
      } else {
        state.formError = { text: describeError(error) };
      }
      context.refresh();
      focusFirstError();
    }
  };

  const field = (name: Field, label: string, attributes: Record<string, string>) => {
    const id = `sign-in-${name}`;
    const error = state.errors[name];
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      h('input', {
        id,
        name,
        ...attributes,
        value: state[name],
        required: true,
        'aria-invalid': error ? 'true' : null,
        'aria-describedby': error ? `${id}-error` : null,
        oninput: (event: Event) => {
          state[name] = (event.target as HTMLInputElement).value;
          // A user's pause does not hold another e-mail address back here; the server still decides.
          if (name === 'email' && state.pausedUntil > 0) {
            state.pausedUntil = 0;
            window.clearTimeout(resumeTimer);
            const submitButton = document.getElementById('sign-in-submit') as HTMLButtonElement | null;
            if (submitButton && !state.busy) submitButton.disabled = false;
          }
        },
      }),
      error ? h('p', { class: 'field-error', id: `${id}-error` }, say(error)) : null,
    );
  };

  return {
    title: () => t('signInTitle'),
    dispose: () => window.clearTimeout(resumeTimer),
    render: () => {
      const paused = Date.now() < state.pausedUntil;
      return h(
        'section',
        { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
        h('h1', { id: 'sign-in-title' }, t('signInTitle')),
        h('p', {}, t('signInIntro')),
        state.notice ? h('p', { class: 'notice', role: 'status' }, t(state.notice)) : null,
        h(
          'form',
          {
            novalidate: true,
            'aria-busy': state.busy ? 'true' : null,
            onsubmit: (event: Event) => {
              event.preventDefault();
              void submit();
            },
          },
          field('email', t('email'), { type: 'email', autocomplete: 'username', inputmode: 'email', spellcheck: 'false', autocapitalize: 'none' }),
          field('password', t('password'), { type: 'password', autocomplete: 'current-password' }),
          state.formError
            ? h(
                'div',
                { class: 'alert', role: 'alert', id: 'sign-in-error', tabindex: '-1' },
                h('p', {}, say(state.formError)),
                state.formDetail ? h('p', { class: 'detail' }, state.formDetail) : null,
              )
            : null,
          h('button', { type: 'submit', id: 'sign-in-submit', disabled: state.busy || paused }, state.busy ? t('signingIn') : t('signIn')),
        ),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'sign-in', access: 'public', page: signInPage }];
