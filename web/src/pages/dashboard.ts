import { callsApi, formatMinutes, formatMoney, type DayFigures, type Stats } from '../api/calls.js';
import { BASE, describeError, manager, type Page, type PortalContext, type PortalRoute } from '../app.js';
import { h } from '../dom.js';
import { currentLanguage } from '../i18n.js';
import { defineTexts } from '../texts.js';
import './dashboard.css';

const tx = defineTexts(
  {
    navDashboard: 'Dashboard',
    title: 'Dashboard',
    intro: 'Today so far, and the last 30 days (days in UTC). Signed in as {role}.',
    today: 'Today',
    requests: 'Requests',
    calls: 'Answered calls',
    minutes: 'Minutes billed',
    cost: 'Cost',
    chartTitle: 'Cost per day, last 30 days',
    chartLabel: 'Bar chart of the cost per day for the last 30 days; the same figures are in the table below.',
    tableTitle: 'The last 30 days',
    date: 'Day',
    loading: 'Loading the figures…',
    refresh: 'Refresh',
    history: 'See every call in the call history',
    roleAdmin: 'the provider’s administrator (all accounts)',
    roleReseller: 'a reseller (your organizations)',
    roleManager: 'an organization manager',
  },
  {
    de: {
      navDashboard: 'Übersicht',
      title: 'Übersicht',
      intro: 'Heute bisher und die letzten 30 Tage (Tage in UTC). Angemeldet als {role}.',
      today: 'Heute',
      requests: 'Anfragen',
      calls: 'Angenommene Anrufe',
      minutes: 'Abgerechnete Minuten',
      cost: 'Kosten',
      chartTitle: 'Kosten pro Tag, letzte 30 Tage',
      chartLabel: 'Balkendiagramm der Kosten pro Tag der letzten 30 Tage; dieselben Zahlen stehen in der Tabelle darunter.',
      tableTitle: 'Die letzten 30 Tage',
      date: 'Tag',
      loading: 'Die Zahlen werden geladen…',
      refresh: 'Aktualisieren',
      history: 'Alle Anrufe im Anrufverlauf ansehen',
      roleAdmin: 'Administrator des Anbieters (alle Konten)',
      roleReseller: 'Wiederverkäufer (Ihre Organisationen)',
      roleManager: 'Verwalter einer Organisation',
    },
    fr: {
      navDashboard: 'Tableau de bord',
      title: 'Tableau de bord',
      intro: 'Aujourd’hui jusqu’ici, et les 30 derniers jours (jours en UTC). Connecté en tant que {role}.',
      today: 'Aujourd’hui',
      requests: 'Demandes',
      calls: 'Appels aboutis',
      minutes: 'Minutes facturées',
      cost: 'Coût',
      chartTitle: 'Coût par jour, 30 derniers jours',
      chartLabel: 'Histogramme du coût par jour des 30 derniers jours ; les mêmes chiffres sont dans le tableau ci-dessous.',
      tableTitle: 'Les 30 derniers jours',
      date: 'Jour',
      loading: 'Chargement des chiffres…',
      refresh: 'Actualiser',
      history: 'Voir tous les appels dans l’historique',
      roleAdmin: 'administrateur du fournisseur (tous les comptes)',
      roleReseller: 'revendeur (vos organisations)',
      roleManager: 'gestionnaire d’organisation',
    },
    es: {
      navDashboard: 'Panel',
      title: 'Panel',
      intro: 'Hoy hasta ahora y los últimos 30 días (días en UTC). Sesión iniciada como {role}.',
      today: 'Hoy',
      requests: 'Solicitudes',
      calls: 'Llamadas contestadas',
      minutes: 'Minutos facturados',
      cost: 'Coste',
      chartTitle: 'Coste por día, últimos 30 días',
      chartLabel: 'Gráfico de barras del coste por día de los últimos 30 días; las mismas cifras están en la tabla de abajo.',
      tableTitle: 'Los últimos 30 días',
      date: 'Día',
      loading: 'Cargando las cifras…',
      refresh: 'Actualizar',
      history: 'Ver todas las llamadas en el historial',
      roleAdmin: 'administrador del proveedor (todas las cuentas)',
      roleReseller: 'revendedor (sus organizaciones)',
      roleManager: 'gestor de la organización',
    },
  },
);

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** "2 Dec" in the portal's language, for a UTC day. */
const shortDay = (date: string) => new Intl.DateTimeFormat(currentLanguage(), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

/** Bars of the cost per day: drawn as SVG with attributes only (the CSP allows no inline styles). */
function costChart(days: DayFigures[], currency: string | null): SVGElement {
  const width = 600;
  const height = 200;
  const left = 8;
  const bottom = 24;
  const top = 18;
  // Bar heights are geometry: numbers are fine here; the label shows the API's own figure.
  const values = days.map((d) => Number(d.cost));
  const max = Math.max(...values, 0);
  const maxLabel = days[values.indexOf(max)]?.cost ?? '0';
  const step = (width - left * 2) / days.length;
  const bars = days.map((day, index) => {
    const value = values[index] ?? 0;
    const barHeight = max > 0 ? ((height - bottom - top) * value) / max : 0;
    const x = left + index * step + step * 0.15;
    const y = height - bottom - barHeight;
    const label = `${shortDay(day.date)}: ${formatMoney(day.cost, currency)}`;
    return svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: (step * 0.7).toFixed(1), height: Math.max(barHeight, value > 0 ? 1 : 0).toFixed(1), class: index === days.length - 1 ? 'bar today' : 'bar' }, svg('title', {}, label));
  });
  // A date under today's bar and every 7th day before it.
  const labels = days.flatMap((day, index) =>
    (days.length - 1 - index) % 7 === 0 ? [svg('text', { x: (left + index * step + step / 2).toFixed(1), y: height - 6, 'text-anchor': 'middle', class: 'axis' }, shortDay(day.date))] : [],
  );
  return svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'dash-chart-title dash-chart-desc', class: 'chart' },
    svg('desc', { id: 'dash-chart-desc' }, tx('chartLabel')),
    svg('line', { x1: left, x2: width - left, y1: height - bottom, y2: height - bottom, class: 'baseline' }),
    svg('text', { x: left, y: 12, class: 'axis' }, formatMoney(maxLabel, currency)),
    ...bars,
    ...labels,
  );
}

function dashboardPage(context: PortalContext): Page {
  const state = { loading: true, error: null as string | null, stats: null as Stats | null };
  let disposed = false;

  const load = async () => {
    state.loading = true;
    state.error = null;
    if (!disposed) context.refresh();
    try {
      state.stats = await callsApi.stats();
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
    }
    state.loading = false;
    if (!disposed) context.refresh();
  };
  void load();

  const role = () => {
    const r = context.me?.user.role;
    return r === 'admin' ? tx('roleAdmin') : r === 'reseller' ? tx('roleReseller') : tx('roleManager');
  };

  const tile = (id: string, label: string, value: string) => h('div', { class: 'tile', id: `dash-${id}` }, h('dt', {}, label), h('dd', {}, value));

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
    },
    render: () => {
      const stats = state.stats;
      const heading = h('h1', {}, tx('title'));
      const refresh = h('button', { type: 'button', id: 'dash-refresh', class: state.loading ? 'secondary busy' : 'secondary', disabled: state.loading, onclick: () => void load() }, tx('refresh'));
      if (!stats) {
        return h('section', { 'aria-busy': state.loading ? 'true' : null }, heading, state.error ? h('p', { class: 'alert', role: 'alert' }, state.error) : h('p', { class: 'loading' }, tx('loading')), state.error ? refresh : null);
      }
      const { today, currency, days } = stats;
      return h(
        'div',
        { class: 'dashboard', 'aria-busy': state.loading ? 'true' : null },
        heading,
        h('p', { class: 'lead' }, tx('intro', { role: role() })),
        state.error ? h('p', { class: 'alert', role: 'alert' }, state.error) : null,
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'dash-today-title' },
          h('h2', { id: 'dash-today-title' }, tx('today')),
          h(
            'dl',
            { class: 'tiles' },
            tile('requests', tx('requests'), String(today.requests)),
            tile('calls', tx('calls'), String(today.calls)),
            tile('minutes', tx('minutes'), formatMinutes(today.billedSeconds)),
            tile('cost', tx('cost'), formatMoney(today.cost, currency)),
          ),
          h('div', { class: 'actions' }, refresh, h('a', { href: `${BASE}calls`, 'data-route': true }, tx('history'))),
        ),
        h('section', { class: 'card', 'aria-labelledby': 'dash-chart-title' }, h('h2', { id: 'dash-chart-title' }, tx('chartTitle')), costChart(days, currency)),
        h(
          'section',
          { class: 'card' },
          h(
            'details',
            {},
            h('summary', {}, tx('tableTitle')),
            h(
              'div',
              { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': tx('tableTitle') },
              h(
                'table',
                { class: 'data', id: 'dash-days' },
                h('thead', {}, h('tr', {}, ...[tx('date'), tx('requests'), tx('calls'), tx('minutes'), tx('cost')].map((text, i) => h('th', { scope: 'col', class: i > 0 ? 'num' : null }, text)))),
                h(
                  'tbody',
                  {},
                  ...[...days].reverse().map((day) =>
                    h(
                      'tr',
                      {},
                      h('td', { 'data-label': tx('date') }, shortDay(day.date)),
                      h('td', { class: 'num', 'data-label': tx('requests') }, String(day.requests)),
                      h('td', { class: 'num', 'data-label': tx('calls') }, String(day.calls)),
                      h('td', { class: 'num', 'data-label': tx('minutes') }, formatMinutes(day.billedSeconds)),
                      h('td', { class: 'num', 'data-label': tx('cost') }, formatMoney(day.cost, currency)),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    },
  };
}

export const routes: PortalRoute[] = [{ path: 'dashboard', access: manager, nav: { text: () => tx('navDashboard'), order: 5 }, page: dashboardPage }];
