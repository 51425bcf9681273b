import { announce } from '../announce.js';
import { ApiError, api, type Extension, type CallnowPreferences, type CallnowPreferencesChange, type CallnowRule, type PageLanguage, type RuleAction } from '../api.js';
import { describeError, extensionIdOf, manager, ownsExtension, type Page, type PortalContext, type PortalRoute, type RouteParams } from '../app.js';
import { h } from '../dom.js';
import { LANGUAGES, LANGUAGE_NAMES, currentLanguage, t, type TextKey } from '../i18n.js';
import { qrCode } from '../qr.js';
import { extensionsApi } from '../api/extensions.js';
import { timeIntervalsApi, type TimeInterval } from '../api/time-intervals.js';
import { defineTexts } from '../texts.js';
import { loadingOrError } from '../ui.js';

/** The availability picker's own texts (the rest of the page's are in i18n.ts). */
const tx = defineTexts(
  {
    anytime: 'Anytime',
    availabilityPickHint: 'CallNow takes requests only in the hours of this time interval. Your organization manages the time intervals.',
    inheritedInterval: '{name} (from {account})',
    switchedOff: "The organization has switched CallNow off for this extension: the public page is gone until it is switched on again, whatever is chosen here.",
  },
  {
    de: { anytime: 'Jederzeit', availabilityPickHint: 'CallNow nimmt Anfragen nur zu den Zeiten dieses Zeitplans an. Ihre Organisation verwaltet die Zeitpläne.', inheritedInterval: '{name} (von {account})', switchedOff: 'Die Organisation hat CallNow für diese Nebenstelle ausgeschaltet: Die öffentliche Seite ist weg, bis es wieder eingeschaltet wird, was auch immer hier gewählt ist.' },
    fr: { anytime: 'À tout moment', availabilityPickHint: 'CallNow accepte les demandes seulement pendant cette plage horaire. Votre organisation gère les plages horaires.', inheritedInterval: '{name} (de {account})', switchedOff: "L'organisation a désactivé CallNow pour ce poste : la page publique a disparu jusqu'à sa réactivation, quels que soient les choix faits ici." },
    es: { anytime: 'En cualquier momento', availabilityPickHint: 'CallNow acepta solicitudes solo en las horas de este horario. Su organización gestiona los horarios.', inheritedInterval: '{name} (de {account})', switchedOff: 'La organización ha desactivado CallNow en esta extensión: la página pública no existe hasta que se vuelva a activar, se elija lo que se elija aquí.' },
  },
);

/** The form's values: text fields as typed (empty availability means Anytime). */
interface Draft {
  callnowId: string;
  enabled: boolean;
  confirm: boolean;
  rejectWhileOnPhone: boolean;
  showName: boolean;
  askName: boolean;
  captcha: boolean;
  language: PageLanguage;
  message: string;
  availability: string;
}

type Flag = 'enabled' | 'confirm' | 'rejectWhileOnPhone' | 'showName' | 'askName' | 'captcha';
type TextField = 'callnowId' | 'message';
/** The fields the API may name in a 400 or 409 (`field`), each shown under its control. */
const PREFERENCE_FIELDS = ['callnowId', 'enabled', 'confirm', 'rejectWhileOnPhone', 'showName', 'askName', 'captcha', 'language', 'message', 'availability'] as const;
type PreferenceField = (typeof PREFERENCE_FIELDS)[number];

interface RuleDraft {
  number: string;
  name: string;
  action: RuleAction;
}

type Saving = 'idle' | 'saving' | 'saved';

const ACTIONS: { value: RuleAction; text: TextKey }[] = [
  { value: 'accept', text: 'actionAccept' },
  { value: 'confirm', text: 'actionConfirm' },
  { value: 'reject', text: 'actionReject' },
];

function draftOf(preferences: CallnowPreferences): Draft {
  return {
    callnowId: preferences.callnowId,
    enabled: preferences.enabled,
    confirm: preferences.confirm,
    rejectWhileOnPhone: preferences.rejectWhileOnPhone,
    showName: preferences.showName,
    askName: preferences.askName,
    captcha: preferences.captcha,
    language: preferences.language,
    message: preferences.message,
    availability: preferences.availability ?? '',
  };
}

/** What a new CallNow page starts with: the safe choices (image validation on, confirmation on). */
function newDraft(): Draft {
  return {
    callnowId: '',
    enabled: true,
    confirm: true,
    rejectWhileOnPhone: true,
    showName: true,
    askName: true,
    captcha: true,
    language: currentLanguage(),
    message: '',
    availability: '',
  };
}

function changeOf(draft: Draft): CallnowPreferencesChange {
  const callnowId = draft.callnowId.trim();
  const availability = draft.availability.trim();
  return {
    ...(callnowId === '' ? {} : { callnowId }),
    enabled: draft.enabled,
    confirm: draft.confirm,
    rejectWhileOnPhone: draft.rejectWhileOnPhone,
    showName: draft.showName,
    askName: draft.askName,
    captcha: draft.captcha,
    language: draft.language,
    message: draft.message,
    availability: availability === '' ? null : availability,
  };
}

const ruleDraftOf = (rule: CallnowRule): RuleDraft => ({ number: rule.number ?? '', name: rule.name ?? '', action: rule.action });
const ruleOf = (rule: RuleDraft): CallnowRule => ({ number: rule.number.trim() || null, name: rule.name.trim() || null, action: rule.action });

/** "rules[2].number" → { index: 2, part: "number" }; "rules[2]" → { index: 2, part: null }. */
function ruleField(field: string | undefined): { index: number; part: 'number' | 'name' | 'action' | null } | null {
  const match = field === undefined ? null : /^rules\[(\d+)\](?:\.(number|name|action))?$/.exec(field);
  if (!match) return null;
  return { index: Number(match[1]), part: (match[2] as 'number' | 'name' | 'action' | undefined) ?? null };
}

/** The extension owner's CallNow page: every preference in one form, the public link with its QR code, and the rules. */
export function callnowPage(context: PortalContext, params: RouteParams): Page {
  const me = context.me;
  const extensionId = extensionIdOf(context, params);
  // The owner's own extension comes with /me; a manager's is read with the preferences.
  let extension: Extension | null = params.id === undefined ? (me?.extension ?? null) : null;

  const state = {
    loading: true,
    loadError: null as string | null,
    saved: null as CallnowPreferences | null,
    draft: newDraft(),
    errors: {} as Partial<Record<PreferenceField, string>>,
    formError: null as string | null,
    saving: 'idle' as Saving,
    copyStatus: null as TextKey | null,
    rules: [] as RuleDraft[],
    ruleErrors: new Map<string, string>(),
    rulesError: null as string | null,
    rulesDirty: false,
    rulesSaving: 'idle' as Saving,
    /** What availability may name (GET /extensions/{id}/time-intervals). */
    intervals: [] as TimeInterval[],
    /** The organization's switch for this extension (PATCH /extensions/{id} callnowEnabled). */
    callnowAllowed: true,
  };
  let disposed = false;

  const load = async () => {
    if (extensionId === null || extension?.type === 'callback') {
      state.loading = false;
      return;
    }
    state.loading = true;
    state.loadError = null;
    try {
      if (extension === null) extension = await api.extension(extensionId);
      if (extension.type === 'callback') {
        state.loading = false;
        if (!disposed) context.refresh();
        return;
      }
      const [preferences, rules, intervals, details] = await Promise.all([
        api.callnow(extensionId).catch((error: unknown) => {
          // No preferences yet: the form starts from safe defaults and saving sets CallNow up.
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }),
        api.rules(extensionId),
        timeIntervalsApi.ofExtension(extensionId),
        extensionsApi.get(extensionId),
      ]);
      state.intervals = intervals;
      state.callnowAllowed = details.callnowEnabled;
      state.saved = preferences;
      state.draft = preferences ? draftOf(preferences) : newDraft();
      state.rules = rules.rules.map(ruleDraftOf);
      state.rulesDirty = false;
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const savePreferences = async () => {
    if (extensionId === null || state.saving === 'saving') return;
    state.saving = 'saving';
    state.errors = {};
    state.formError = null;
    context.refresh();
    try {
      const saved = await api.saveCallnow(extensionId, changeOf(state.draft));
      state.saved = saved;
      state.draft = draftOf(saved);
      state.saving = 'saved';
      announce(t('saved'));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.saving = 'idle';
      const field = error instanceof ApiError ? (PREFERENCE_FIELDS as readonly string[]).find((f) => f === error.field) : undefined;
      if (error instanceof ApiError && field !== undefined) state.errors[field as PreferenceField] = error.message;
      else state.formError = describeError(error);
      announce(t('notSaved', { message: error instanceof Error ? error.message : '' }));
    }
    if (disposed) return;
    context.refresh();
    const failed = PREFERENCE_FIELDS.find((f) => state.errors[f] !== undefined);
    if (failed) document.getElementById(`cn-${failed}`)?.focus();
  };

  const saveRules = async () => {
    if (extensionId === null || state.rulesSaving === 'saving') return;
    state.rulesSaving = 'saving';
    state.ruleErrors = new Map();
    state.rulesError = null;
    context.refresh();
    let focus: string | null = null;
    try {
      const saved = await api.saveRules(extensionId, state.rules.map(ruleOf));
      state.rules = saved.rules.map(ruleDraftOf);
      state.rulesDirty = false;
      state.rulesSaving = 'saved';
      announce(t('rulesSaved'));
    } catch (error) {
      if (context.endsSession(error)) return;
      state.rulesSaving = 'idle';
      const at = error instanceof ApiError ? ruleField(error.field) : null;
      if (error instanceof ApiError && at && at.index < state.rules.length) {
        state.ruleErrors.set(at.part ? `${at.index}.${at.part}` : `${at.index}`, error.message);
        focus = `rule-${at.index}-${at.part ?? 'number'}`;
      } else {
        state.rulesError = describeError(error);
        focus = 'rules-save';
      }
      announce(t('notSaved', { message: error instanceof Error ? error.message : '' }));
    }
    if (disposed) return;
    context.refresh();
    if (focus) document.getElementById(focus)?.focus();
  };

  /** An edit after "saved": the note goes (drawn in place, so typing keeps its caret). */
  const preferencesEdited = () => {
    if (state.saving !== 'saved') return;
    state.saving = 'idle';
    const status = document.getElementById('cn-save-status');
    if (status) status.textContent = '';
  };

  /** A rule's field was edited: "unsaved changes", drawn in place. */
  const ruleEdited = () => {
    state.rulesDirty = true;
    state.rulesSaving = 'idle';
    const status = document.getElementById('rules-status');
    if (status) status.textContent = t('unsaved');
  };

  const rulesChanged = () => {
    state.rulesDirty = true;
    state.rulesSaving = 'idle';
    state.ruleErrors = new Map();
    state.rulesError = null;
  };

  const moveRule = (index: number, by: -1 | 1) => {
    const to = index + by;
    const rule = state.rules[index];
    const other = state.rules[to];
    if (!rule || !other) return;
    state.rules[to] = rule;
    state.rules[index] = other;
    rulesChanged();
    context.refresh();
    // Focus follows the rule it moved; at an end, the button still there.
    const same = document.getElementById(`rule-${to}-${by < 0 ? 'up' : 'down'}`) as HTMLButtonElement | null;
    const fallback = document.getElementById(`rule-${to}-${by < 0 ? 'down' : 'up'}`);
    (same && !same.disabled ? same : fallback)?.focus();
    announce(t('ruleMoved', { n: to + 1 }));
  };

  const deleteRule = (index: number) => {
    state.rules.splice(index, 1);
    rulesChanged();
    context.refresh();
    const next = Math.min(index, state.rules.length - 1);
    document.getElementById(next >= 0 ? `rule-${next}-delete` : 'rules-add')?.focus();
    announce(t('ruleDeleted'));
  };

  const addRule = () => {
    state.rules.push({ number: '', name: '', action: 'confirm' });
    rulesChanged();
    context.refresh();
    document.getElementById(`rule-${state.rules.length - 1}-number`)?.focus();
    announce(t('ruleAdded', { n: state.rules.length }));
  };

  const copyLink = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      state.copyStatus = 'copied';
    } catch {
      // No clipboard (an insecure origin, a refusal): the link is selected for copying by hand.
      state.copyStatus = 'copyFailed';
      const link = document.getElementById('cn-link');
      const selection = window.getSelection();
      if (link && selection) {
        const range = document.createRange();
        range.selectNodeContents(link);
        selection.removeAllRanges();
        selection.addRange(range);
      }
    }
    if (disposed) return;
    const status = document.getElementById('cn-copy-status');
    if (status) status.textContent = t(state.copyStatus);
    announce(t(state.copyStatus));
  };

  // --- drawing -------------------------------------------------------------------------------

  const describedBy = (...ids: (string | null)[]) => ids.filter((id): id is string => id !== null).join(' ') || null;

  const textField = (name: TextField, label: string, hint: string | null, attributes: Record<string, string | number> = {}, multiline = false) => {
    const id = `cn-${name}`;
    const error = state.errors[name];
    const common = {
      id,
      name,
      ...attributes,
      value: state.draft[name],
      'aria-invalid': error ? 'true' : null,
      'aria-describedby': describedBy(hint ? `${id}-hint` : null, error ? `${id}-error` : null),
      oninput: (event: Event) => {
        state.draft[name] = (event.target as HTMLInputElement | HTMLTextAreaElement).value;
        preferencesEdited();
      },
    };
    const control = multiline ? h('textarea', common) : h('input', { ...common, type: 'text' });
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
      control,
      error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
    );
  };

  const checkbox = (name: Flag, label: TextKey, hint: TextKey | null = null) => {
    const id = `cn-${name}`;
    const error = state.errors[name];
    return h(
      'div',
      { class: 'check' },
      h('input', {
        type: 'checkbox',
        id,
        name,
        checked: state.draft[name],
        'aria-invalid': error ? 'true' : null,
        'aria-describedby': describedBy(hint ? `${id}-hint` : null, error ? `${id}-error` : null),
        onchange: (event: Event) => {
          state.draft[name] = (event.target as HTMLInputElement).checked;
          preferencesEdited();
        },
      }),
      h('label', { for: id }, t(label)),
      hint ? h('p', { class: 'hint', id: `${id}-hint` }, t(hint)) : null,
      error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
    );
  };

  const languageField = () => {
    const id = 'cn-language';
    const error = state.errors.language;
    const options: { value: PageLanguage; text: string; lang?: string }[] = [
      ...LANGUAGES.map((code) => ({ value: code, text: LANGUAGE_NAMES[code], lang: code })),
      { value: 'caller', text: t('callersChoice') },
    ];
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, t('pageLanguage')),
      h(
        'select',
        {
          id,
          name: 'language',
          'aria-invalid': error ? 'true' : null,
          'aria-describedby': error ? `${id}-error` : null,
          onchange: (event: Event) => {
            state.draft.language = (event.target as HTMLSelectElement).value as PageLanguage;
            preferencesEdited();
          },
        },
        ...options.map((o) => h('option', { value: o.value, lang: o.lang, selected: o.value === state.draft.language }, o.text)),
      ),
      error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
    );
  };

  /** "Anytime" or one of the time intervals the organization can see (a stored name not among them stays offered). */
  const availabilityField = () => {
    const id = 'cn-availability';
    const error = state.errors.availability;
    const names = state.intervals.map((i) => i.name);
    const current = state.draft.availability;
    const options = [
      { value: '', text: tx('anytime') },
      ...state.intervals.map((i) => ({ value: i.name, text: i.inherited ? tx('inheritedInterval', { name: i.name, account: i.accountName }) : i.name })),
      ...(current !== '' && !names.includes(current) ? [{ value: current, text: current }] : []),
    ];
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, t('availability')),
      h('p', { class: 'hint', id: `${id}-hint` }, tx('availabilityPickHint')),
      h(
        'select',
        {
          id,
          name: 'availability',
          'aria-invalid': error ? 'true' : null,
          'aria-describedby': describedBy(`${id}-hint`, error ? `${id}-error` : null),
          onchange: (event: Event) => {
            state.draft.availability = (event.target as HTMLSelectElement).value;
            preferencesEdited();
          },
        },
        ...options.map((o) => h('option', { value: o.value, selected: o.value === current }, o.text)),
      ),
      error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
    );
  };

  const linkCard = (preferences: CallnowPreferences) =>
    h(
      'section',
      { class: 'card link-card', 'aria-labelledby': 'cn-link-title' },
      h('h2', { id: 'cn-link-title' }, t('publicLinkTitle')),
      h('p', { class: 'public-link' }, h('a', { id: 'cn-link', href: preferences.publicUrl, target: '_blank', rel: 'noopener' }, preferences.publicUrl)),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'cn-copy', class: 'secondary', 'aria-describedby': 'cn-copy-status', onclick: () => void copyLink(preferences.publicUrl) }, t('copyLink')),
        h('span', { class: 'copy-status', id: 'cn-copy-status' }, state.copyStatus ? t(state.copyStatus) : ''),
      ),
      h('figure', { class: 'qr-figure' }, qrCode(preferences.publicUrl, t('qrLabel')), h('figcaption', { class: 'hint' }, t('qrHint'))),
    );

  const warning = (text: string) =>
    h('div', { class: 'warning', id: 'cn-warning', role: 'note', 'aria-labelledby': 'cn-warning-title' }, h('h2', { id: 'cn-warning-title' }, t('warningTitle')), h('p', {}, text));

  const preferencesForm = () =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'cn-preferences-title' },
      h('h2', { id: 'cn-preferences-title' }, t('preferencesTitle')),
      h(
        'form',
        {
          id: 'cn-form',
          novalidate: true,
          'aria-busy': state.saving === 'saving' ? 'true' : null,
          onsubmit: (event: Event) => {
            event.preventDefault();
            void savePreferences();
          },
        },
        textField('callnowId', t('callnowId'), t('callnowIdHint'), { maxlength: 32, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' }),
        h('fieldset', {}, h('legend', {}, t('requestsLegend')), checkbox('enabled', 'enabled'), checkbox('confirm', 'confirm'), checkbox('rejectWhileOnPhone', 'rejectWhileOnPhone')),
        h(
          'fieldset',
          {},
          h('legend', {}, t('pageLegend')),
          checkbox('showName', 'showName'),
          checkbox('askName', 'askName'),
          checkbox('captcha', 'captcha', 'captchaHint'),
          languageField(),
          textField('message', t('message'), t('messageHint'), { maxlength: 500, rows: 4 }, true),
        ),
        availabilityField(),
        state.formError ? h('p', { class: 'alert', role: 'alert' }, t('notSaved', { message: state.formError })) : null,
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            { type: 'submit', id: 'cn-save', class: state.saving === 'saving' ? 'busy' : null, disabled: state.saving === 'saving' },
            state.saving === 'saving' ? t('saving') : t('save'),
          ),
          h('span', { class: 'saved', id: 'cn-save-status' }, state.saving === 'saved' ? t('saved') : ''),
        ),
      ),
    );

  const ruleRow = (rule: RuleDraft, index: number) => {
    const n = index + 1;
    const prefix = `rule-${index}`;
    const errorOf = (part: string) => state.ruleErrors.get(`${index}.${part}`);
    const ruleError = state.ruleErrors.get(`${index}`);
    const input = (part: 'number' | 'name', label: TextKey, hint: TextKey, maxlength: number) => {
      const id = `${prefix}-${part}`;
      const error = errorOf(part) ?? (part === 'number' ? ruleError : undefined);
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, t(label)),
        h('input', {
          id,
          type: 'text',
          value: rule[part],
          maxlength,
          placeholder: t(hint),
          autocomplete: 'off',
          spellcheck: 'false',
          ...(part === 'number' ? { inputmode: 'tel' } : {}),
          'aria-invalid': error ? 'true' : null,
          'aria-describedby': error ? `${id}-error` : null,
          oninput: (event: Event) => {
            rule[part] = (event.target as HTMLInputElement).value;
            ruleEdited();
          },
        }),
        error ? h('p', { class: 'field-error', id: `${id}-error` }, error) : null,
      );
    };
    const actionError = errorOf('action');
    return h(
      'li',
      { class: 'rule' },
      h(
        'fieldset',
        {},
        h('legend', {}, t('rule', { n })),
        h(
          'div',
          { class: 'rule-fields' },
          input('number', 'ruleNumber', 'ruleNumberHint', 32),
          input('name', 'ruleName', 'ruleNameHint', 64),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `${prefix}-action` }, t('ruleAction')),
            h(
              'select',
              {
                id: `${prefix}-action`,
                'aria-invalid': actionError ? 'true' : null,
                onchange: (event: Event) => {
                  rule.action = (event.target as HTMLSelectElement).value as RuleAction;
                  ruleEdited();
                },
              },
              ...ACTIONS.map((a) => h('option', { value: a.value, selected: a.value === rule.action }, t(a.text))),
            ),
            actionError ? h('p', { class: 'field-error' }, actionError) : null,
          ),
        ),
        h(
          'div',
          { class: 'rule-buttons' },
          h('button', { type: 'button', class: 'secondary', id: `${prefix}-up`, 'aria-label': t('moveUpLabel', { n }), disabled: index === 0, onclick: () => moveRule(index, -1) }, '↑ ', t('moveUp')),
          h(
            'button',
            { type: 'button', class: 'secondary', id: `${prefix}-down`, 'aria-label': t('moveDownLabel', { n }), disabled: index === state.rules.length - 1, onclick: () => moveRule(index, 1) },
            '↓ ',
            t('moveDown'),
          ),
          h('button', { type: 'button', class: 'danger', id: `${prefix}-delete`, 'aria-label': t('deleteLabel', { n }), onclick: () => deleteRule(index) }, t('delete')),
        ),
      ),
    );
  };

  const rulesSection = () =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rules-title' },
      h('h2', { id: 'rules-title' }, t('rulesTitle')),
      h('p', { class: 'hint', id: 'rules-intro' }, t('rulesIntro'), ' ', t('rulesPatterns')),
      state.rules.length === 0 ? h('p', { class: 'empty' }, t('noRules')) : h('ol', { class: 'rules', id: 'rules', 'aria-describedby': 'rules-intro' }, ...state.rules.map(ruleRow)),
      state.rulesError ? h('p', { class: 'alert', role: 'alert' }, t('notSaved', { message: state.rulesError })) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'rules-add', class: 'secondary', onclick: addRule }, '+ ', t('addRule')),
        h(
          'button',
          {
            type: 'button',
            id: 'rules-save',
            class: state.rulesSaving === 'saving' ? 'busy' : null,
            disabled: state.rulesSaving === 'saving',
            onclick: () => void saveRules(),
          },
          state.rulesSaving === 'saving' ? t('saving') : t('saveRules'),
        ),
        h('span', { class: 'saved', id: 'rules-status' }, state.rulesSaving === 'saved' ? t('rulesSaved') : state.rulesDirty ? t('unsaved') : ''),
      ),
    );

  void load();

  return {
    title: () => t('callnowTitle'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const heading = h('h1', { id: 'callnow-title' }, t('callnowTitle'));
      if (extensionId === null) return h('section', {}, heading, h('p', { class: 'notice' }, t('noExtension')));
      if (extension?.type === 'callback') return h('section', {}, heading, h('p', { class: 'notice' }, t('callbackExtension', { number: extension.number })));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError });
      if (waiting) return waiting;
      const saved = state.saved;
      return h(
        'div',
        { class: 'callnow' },
        heading,
        extension ? h('p', { class: 'lead' }, t('callnowIntro', { number: extension.number, name: extension.name })) : null,
        saved ? null : h('p', { class: 'notice' }, t('notSetUp')),
        state.callnowAllowed ? null : h('p', { class: 'notice', id: 'cn-switched-off', role: 'note' }, tx('switchedOff')),
        saved?.warning ? warning(saved.warning) : null,
        h(
          'div',
          { class: 'layout' },
          h('div', { class: 'side' }, saved ? linkCard(saved) : null),
          h('div', { class: 'forms' }, preferencesForm(), rulesSection()),
        ),
      );
    },
  };
}

export const routes: PortalRoute[] = [
  { path: 'callnow', access: ownsExtension('phone'), nav: { text: () => t('navCallnow'), order: 10 }, page: callnowPage },
  { path: 'extensions/:id/callnow', access: manager, page: callnowPage },
];
