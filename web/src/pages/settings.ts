import { announce } from '../announce.js';
import { ApiError } from '../api.js';
import { providerApi, type ServerSettings } from '../api/provider.js';
import { describeError, roleIs, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts } from '../texts.js';
import { alertBox, busyButton, loadingOrError, textField } from '../ui.js';

const tx = defineTexts(
  {
    nav: 'Settings',
    title: 'Server settings',
    currency: 'Currency',
    currencyHint: 'The ISO 4217 code of the one currency of all amounts, e.g. AUD, EUR, USD.',
    currencyLocked: 'Credit exists in {currency}, so the currency can no longer change: every balance is an amount in it.',
    defaultCountry: 'Default country',
    defaultCountryHint: 'Two letters (AU, DE…) for numbers written without a country code, where an account sets none.',
    save: 'Save',
    saved: 'Settings saved.',
  },
  {
    de: {
      nav: 'Einstellungen',
      title: 'Servereinstellungen',
      currency: 'Währung',
      currencyHint: 'Der ISO-4217-Code der einen Währung aller Beträge, z. B. AUD, EUR, USD.',
      currencyLocked: 'Es gibt Guthaben in {currency}, daher kann die Währung nicht mehr geändert werden: jeder Saldo ist ein Betrag in ihr.',
      defaultCountry: 'Standardland',
      defaultCountryHint: 'Zwei Buchstaben (AU, DE…) für Nummern ohne Landesvorwahl, wo ein Konto keines festlegt.',
      save: 'Speichern',
      saved: 'Einstellungen gespeichert.',
    },
    fr: {
      nav: 'Réglages',
      title: 'Réglages du serveur',
      currency: 'Devise',
      currencyHint: 'Le code ISO 4217 de l’unique devise de tous les montants, p. ex. AUD, EUR, USD.',
      currencyLocked: 'Du crédit existe en {currency}, la devise ne peut donc plus changer : chaque solde est un montant dans cette devise.',
      defaultCountry: 'Pays par défaut',
      defaultCountryHint: 'Deux lettres (AU, DE…) pour les numéros sans indicatif de pays, quand un compte n’en fixe pas.',
      save: 'Enregistrer',
      saved: 'Réglages enregistrés.',
    },
    es: {
      nav: 'Ajustes',
      title: 'Ajustes del servidor',
      currency: 'Moneda',
      currencyHint: 'El código ISO 4217 de la única moneda de todos los importes, p. ej. AUD, EUR, USD.',
      currencyLocked: 'Hay crédito en {currency}, así que la moneda ya no puede cambiar: cada saldo es un importe en ella.',
      defaultCountry: 'País predeterminado',
      defaultCountryHint: 'Dos letras (AU, DE…) para números sin prefijo de país, cuando una cuenta no fija ninguno.',
      save: 'Guardar',
      saved: 'Ajustes guardados.',
    },
  },
);

type Field = 'currency' | 'defaultCountry';

export function settingsPage(context: PortalContext): Page {
  const state = {
    loading: true,
    loadError: null as string | null,
    settings: null as ServerSettings | null,
    draft: { currency: '', defaultCountry: '' } as Record<Field, string>,
    errors: {} as Partial<Record<Field | 'form', string>>,
    saving: false,
    saved: false,
  };
  let disposed = false;

  const take = (settings: ServerSettings) => {
    state.settings = settings;
    state.draft = { currency: settings.currency ?? '', defaultCountry: settings.defaultCountry ?? '' };
  };

  const load = async () => {
    try {
      take(await providerApi.settings());
    } catch (error) {
      if (context.endsSession(error)) return;
      state.loadError = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };

  const save = async () => {
    if (state.saving || !state.settings) return;
    state.errors = {};
    state.saved = false;
    const fields: { currency?: string; defaultCountry?: string } = {};
    const currency = state.draft.currency.trim().toUpperCase();
    const country = state.draft.defaultCountry.trim().toUpperCase();
    if (currency !== (state.settings.currency ?? '')) fields.currency = currency;
    if (country !== (state.settings.defaultCountry ?? '')) fields.defaultCountry = country;
    state.saving = true;
    context.refresh();
    try {
      take(Object.keys(fields).length > 0 ? await providerApi.saveSettings(fields) : state.settings);
      state.saved = true;
      announce(tx('saved'));
    } catch (error) {
      if (context.endsSession(error)) return;
      const field = error instanceof ApiError && (error.field === 'currency' || error.field === 'defaultCountry') ? error.field : null;
      if (field) state.errors[field] = error instanceof Error ? error.message : '';
      else state.errors.form = describeError(error);
    }
    state.saving = false;
    if (disposed) return;
    context.refresh();
    const failed = (['currency', 'defaultCountry'] as const).find((f) => state.errors[f]);
    if (failed) document.getElementById(`settings-${failed}`)?.focus();
  };

  void load();

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const heading = h('h1', {}, tx('title'));
      const waiting = loadingOrError([heading], { loading: state.loading, error: state.loadError, ready: state.settings !== null });
      if (waiting || !state.settings) return waiting ?? heading;
      const locked = state.settings.currencyLocked;
      return h(
        'section',
        { class: 'card narrow-form' },
        heading,
        h(
          'form',
          { id: 'settings-form', novalidate: true, 'aria-busy': state.saving ? 'true' : null, onsubmit: (e: Event) => (e.preventDefault(), void save()) },
          textField({
            id: 'settings-currency',
            label: tx('currency'),
            hint: locked ? tx('currencyLocked', { currency: state.settings.currency ?? '' }) : tx('currencyHint'),
            error: state.errors.currency,
            value: state.draft.currency,
            oninput: (v) => {
              state.draft.currency = v;
              state.saved = false;
            },
            attributes: { maxlength: 3, autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false', readonly: locked },
          }),
          textField({
            id: 'settings-defaultCountry',
            label: tx('defaultCountry'),
            hint: tx('defaultCountryHint'),
            error: state.errors.defaultCountry,
            value: state.draft.defaultCountry,
            oninput: (v) => {
              state.draft.defaultCountry = v;
              state.saved = false;
            },
            attributes: { maxlength: 2, autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false' },
          }),
          alertBox(state.errors.form),
          h('div', { class: 'actions' }, busyButton({ id: 'settings-save', type: 'submit', text: tx('save'), busy: state.saving }), h('span', { class: 'saved', role: 'status' }, state.saved ? tx('saved') : '')),
        ),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'settings', access: roleIs('admin'), nav: { text: () => tx('nav'), order: 70 }, page: (context) => settingsPage(context) }];
