import { ApiError } from '../api.js';
import { callsApi, formatMinutes, formatMoney, type CallFilters, type CallLeg, type CallList } from '../api/calls.js';
import { describeError, signedIn, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDateTime, formatDuration } from '../texts.js';
import { alertBox, busyButton, checkField, dataTable, pager, textField, type Column } from '../ui.js';

const tx = defineTexts(
  {
    navCalls: 'Call history',
    title: 'Call history',
    intro: 'Every call leg with what it cost, newest first. Times are shown in your browser’s time zone; the dates you filter by are UTC days.',
    filters: 'Filters',
    from: 'From (day)',
    to: 'Until (day)',
    number: 'Number contains',
    numberHint: 'Digits of the calling or called number.',
    answered: 'Answered calls only',
    apply: 'Show',
    clear: 'Clear filters',
    exportCsv: 'Export CSV',
    caption: 'Call legs',
    summary: 'Call legs: {total} · minutes billed: {minutes} · cost: {cost}',
    empty: 'No calls match.',
    started: 'Started',
    leg: 'Leg',
    extension: 'Extension',
    fromNumber: 'From',
    toNumber: 'To',
    duration: 'Duration',
    billed: 'Billed',
    cost: 'Cost',
    result: 'Result',
    loading: 'Loading calls…',
    roleOwner: 'Your phone',
    roleRequester: 'Caller called back',
    roleCaller: 'Incoming',
    roleCallback: 'Callback',
    roleDestination: 'Destination',
    roleSource: 'Source',
    kindCallnow: 'CallNow',
    kindCallback: 'Callback',
    unanswered: 'not answered',
  },
  {
    de: {
      navCalls: 'Anrufverlauf',
      title: 'Anrufverlauf',
      intro: 'Jeder Gesprächsabschnitt mit seinen Kosten, neueste zuerst. Zeiten in der Zeitzone Ihres Browsers; die Tage zum Filtern sind UTC-Tage.',
      filters: 'Filter',
      from: 'Ab (Tag)',
      to: 'Bis (Tag)',
      number: 'Nummer enthält',
      numberHint: 'Ziffern der anrufenden oder angerufenen Nummer.',
      answered: 'Nur angenommene Anrufe',
      apply: 'Anzeigen',
      clear: 'Filter zurücksetzen',
      exportCsv: 'Als CSV exportieren',
      caption: 'Gesprächsabschnitte',
      summary: 'Abschnitte: {total} · abgerechnete Minuten: {minutes} · Kosten: {cost}',
      empty: 'Keine passenden Anrufe.',
      started: 'Beginn',
      leg: 'Abschnitt',
      extension: 'Nebenstelle',
      fromNumber: 'Von',
      toNumber: 'An',
      duration: 'Dauer',
      billed: 'Abgerechnet',
      cost: 'Kosten',
      result: 'Ergebnis',
      loading: 'Anrufe werden geladen…',
      roleOwner: 'Ihr Telefon',
      roleRequester: 'Rückruf an Anfragenden',
      roleCaller: 'Eingehend',
      roleCallback: 'Rückruf',
      roleDestination: 'Ziel',
      roleSource: 'Quelle',
      kindCallnow: 'CallNow',
      kindCallback: 'Rückruf',
      unanswered: 'nicht angenommen',
    },
    fr: {
      navCalls: 'Historique',
      title: 'Historique des appels',
      intro: 'Chaque tronçon d’appel avec son coût, du plus récent au plus ancien. Heures dans le fuseau de votre navigateur ; les jours des filtres sont des jours UTC.',
      filters: 'Filtres',
      from: 'Du (jour)',
      to: 'Au (jour)',
      number: 'Le numéro contient',
      numberHint: 'Chiffres du numéro appelant ou appelé.',
      answered: 'Appels aboutis seulement',
      apply: 'Afficher',
      clear: 'Effacer les filtres',
      exportCsv: 'Exporter en CSV',
      caption: 'Tronçons d’appel',
      summary: 'Tronçons : {total} · minutes facturées : {minutes} · coût : {cost}',
      empty: 'Aucun appel ne correspond.',
      started: 'Début',
      leg: 'Tronçon',
      extension: 'Poste',
      fromNumber: 'De',
      toNumber: 'Vers',
      duration: 'Durée',
      billed: 'Facturé',
      cost: 'Coût',
      result: 'Résultat',
      loading: 'Chargement des appels…',
      roleOwner: 'Votre téléphone',
      roleRequester: 'Rappel du demandeur',
      roleCaller: 'Entrant',
      roleCallback: 'Rappel',
      roleDestination: 'Destination',
      roleSource: 'Source',
      kindCallnow: 'CallNow',
      kindCallback: 'Rappel',
      unanswered: 'sans réponse',
    },
    es: {
      navCalls: 'Historial',
      title: 'Historial de llamadas',
      intro: 'Cada tramo de llamada con su coste, del más reciente al más antiguo. Horas en la zona horaria de su navegador; los días de los filtros son días UTC.',
      filters: 'Filtros',
      from: 'Desde (día)',
      to: 'Hasta (día)',
      number: 'El número contiene',
      numberHint: 'Dígitos del número que llama o al que se llama.',
      answered: 'Solo llamadas contestadas',
      apply: 'Mostrar',
      clear: 'Borrar filtros',
      exportCsv: 'Exportar CSV',
      caption: 'Tramos de llamada',
      summary: 'Tramos: {total} · minutos facturados: {minutes} · coste: {cost}',
      empty: 'Ninguna llamada coincide.',
      started: 'Inicio',
      leg: 'Tramo',
      extension: 'Extensión',
      fromNumber: 'De',
      toNumber: 'A',
      duration: 'Duración',
      billed: 'Facturado',
      cost: 'Coste',
      result: 'Resultado',
      loading: 'Cargando llamadas…',
      roleOwner: 'Su teléfono',
      roleRequester: 'Devolución al solicitante',
      roleCaller: 'Entrante',
      roleCallback: 'Devolución',
      roleDestination: 'Destino',
      roleSource: 'Origen',
      kindCallnow: 'CallNow',
      kindCallback: 'Devolución',
      unanswered: 'sin respuesta',
    },
  },
);

const PAGE_SIZE = 25;

/** The day after a YYYY-MM-DD day; what is not a date is passed on for the API to refuse. */
function nextDay(day: string): string {
  const at = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(at) ? day : new Date(at + 86_400_000).toISOString().slice(0, 10);
}
const ROLE_TEXT = {
  owner: 'roleOwner',
  requester: 'roleRequester',
  caller: 'roleCaller',
  callback: 'roleCallback',
  destination: 'roleDestination',
  source: 'roleSource',
} as const;
const FILTER_FIELDS = ['from', 'to', 'number'] as const;
type FilterField = (typeof FILTER_FIELDS)[number];

function callsPage(context: PortalContext): Page {
  const draft = { from: '', to: '', number: '', answered: false };
  const state = {
    applied: {} as CallFilters,
    page: 1,
    loading: true,
    list: null as CallList | null,
    error: null as string | null,
    fieldErrors: {} as Partial<Record<FilterField, string>>,
  };
  let disposed = false;
  let generation = 0;

  const load = async () => {
    const mine = ++generation;
    state.loading = true;
    state.error = null;
    state.fieldErrors = {};
    if (!disposed) context.refresh();
    try {
      const list = await callsApi.list(state.applied, (state.page - 1) * PAGE_SIZE, PAGE_SIZE);
      // A newer request (another page, other filters) may have overtaken this one.
      if (mine !== generation) return;
      state.list = list;
    } catch (error) {
      if (mine !== generation) return;
      if (context.endsSession(error)) return;
      const field = error instanceof ApiError ? FILTER_FIELDS.find((f) => f === error.field) : undefined;
      if (field && error instanceof ApiError) state.fieldErrors[field] = error.message;
      else state.error = describeError(error);
    }
    state.loading = false;
    if (disposed) return;
    context.refresh();
    const failed = FILTER_FIELDS.find((f) => state.fieldErrors[f]);
    if (failed) document.getElementById(`calls-${failed}`)?.focus();
  };

  const apply = () => {
    state.applied = {
      ...(draft.from ? { from: draft.from } : {}),
      // The API's "to" is exclusive; people mean the whole day they pick.
      ...(draft.to ? { to: nextDay(draft.to) } : {}),
      ...(draft.number.trim() ? { number: draft.number.replace(/[\s().-]/g, '') } : {}),
      ...(draft.answered ? { answered: true } : {}),
    };
    state.page = 1;
    void load();
  };

  void load();

  const legText = (call: CallLeg) => {
    const kind = call.kind === 'callnow' ? tx('kindCallnow') : call.kind === 'callback' ? tx('kindCallback') : call.kind;
    return [kind, tx(ROLE_TEXT[call.role])].filter(Boolean).join(' · ');
  };

  const columns = (currency: string | null): Column<CallLeg>[] => [
    { header: tx('started'), cell: (c) => formatDateTime(c.startedAt) },
    { header: tx('leg'), cell: legText },
    { header: tx('extension'), cell: (c) => c.extensionNumber ?? '' },
    { header: tx('fromNumber'), cell: (c) => c.fromNumber ?? '' },
    { header: tx('toNumber'), cell: (c) => c.toNumber },
    { header: tx('duration'), numeric: true, cell: (c) => (c.answeredAt ? formatDuration(c.durationSeconds) : tx('unanswered')) },
    { header: tx('billed'), numeric: true, cell: (c) => formatDuration(c.billedSeconds) },
    { header: tx('cost'), numeric: true, cell: (c) => formatMoney(c.cost, currency) },
    { header: tx('result'), cell: (c) => c.cause ?? '' },
  ];

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const list = state.list;
      const dateField = (name: 'from' | 'to') =>
        textField({ id: `calls-${name}`, label: tx(name), type: 'date', value: draft[name], error: state.fieldErrors[name], oninput: (value) => (draft[name] = value) });
      const filters = h(
        'form',
        {
          class: 'card',
          id: 'calls-filters',
          'aria-labelledby': 'calls-filters-title',
          novalidate: true,
          onsubmit: (event: Event) => {
            event.preventDefault();
            apply();
          },
        },
        h('h2', { id: 'calls-filters-title' }, tx('filters')),
        h(
          'div',
          { class: 'toolbar' },
          dateField('from'),
          dateField('to'),
          textField({ id: 'calls-number', label: tx('number'), hint: tx('numberHint'), value: draft.number, error: state.fieldErrors.number, attributes: { inputmode: 'tel', autocomplete: 'off', maxlength: 32 }, oninput: (value) => (draft.number = value) }),
        ),
        checkField({ id: 'calls-answered', label: tx('answered'), checked: draft.answered, onchange: (checked) => (draft.answered = checked) }),
        h(
          'div',
          { class: 'actions' },
          busyButton({ id: 'calls-apply', type: 'submit', text: tx('apply'), busyText: tx('loading'), busy: state.loading }),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              id: 'calls-clear',
              onclick: () => {
                Object.assign(draft, { from: '', to: '', number: '', answered: false });
                apply();
              },
            },
            tx('clear'),
          ),
          h('a', { href: callsApi.exportUrl(state.applied), id: 'calls-export', download: '' }, tx('exportCsv')),
        ),
      );
      return h(
        'div',
        { class: 'calls' },
        h('h1', {}, tx('title')),
        h('p', { class: 'lead' }, tx('intro')),
        filters,
        alertBox(state.error),
        list
          ? h(
              'section',
              { 'aria-busy': state.loading ? 'true' : null },
              h('p', { id: 'calls-summary' }, tx('summary', { total: list.total, minutes: formatMinutes(list.totalBilledSeconds), cost: formatMoney(list.totalCost, list.currency) })),
              dataTable({ id: 'calls-table', caption: tx('caption'), columns: columns(list.currency), rows: list.calls, empty: tx('empty'), rowId: (c) => String(c.id) }),
              pager({
                id: 'calls-pager',
                page: state.page,
                pageSize: PAGE_SIZE,
                total: list.total,
                onPage: (page) => {
                  state.page = page;
                  void load();
                },
              }),
            )
          : state.loading
            ? h('p', { class: 'loading' }, tx('loading'))
            : null,
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'calls', access: signedIn, nav: { text: () => tx('navCalls'), order: 80 }, page: callsPage }];
