import { ApiError } from '../api.js';
import { callsApi, formatMoney, type CallnowRequest, type RequestState } from '../api/calls.js';
import { describeError, extensionIdOf, manager, ownsExtension, type Page, type PortalContext, type PortalRoute, type RouteParams } from '../app.js';
import { h } from '../dom.js';
import { defineTexts, formatDateTime } from '../texts.js';
import { alertBox, dataTable } from '../ui.js';

const tx = defineTexts(
  {
    navRequests: 'Requests',
    title: 'CallNow requests',
    intro: 'People who asked to be called back through your CallNow link, newest first. The list follows new requests and their progress by itself.',
    live: 'Live: updated {time}',
    paused: 'Paused while this tab is hidden',
    offline: 'Not updating: {message}. Trying again…',
    caption: 'The latest {n} requests',
    empty: 'No requests yet. Share your CallNow link to get some.',
    when: 'When',
    caller: 'Caller',
    number: 'Number',
    state: 'State',
    cost: 'Cost',
    anonymous: '(no name)',
    received: 'Received',
    refused: 'Refused',
    'calling-owner': 'Ringing you',
    'owner-declined': 'You declined',
    'owner-no-answer': 'You did not answer',
    'calling-requester': 'Calling the caller',
    'requester-no-answer': 'Caller did not answer',
    connected: 'Connected',
    completed: 'Completed',
    failed: 'Failed',
    because: 'Why: {reason}',
  },
  {
    de: {
      navRequests: 'Anfragen',
      title: 'CallNow-Anfragen',
      intro: 'Menschen, die über Ihren CallNow-Link um Rückruf gebeten haben, neueste zuerst. Die Liste zeigt neue Anfragen und ihren Fortschritt von selbst.',
      live: 'Live: aktualisiert {time}',
      paused: 'Angehalten, solange dieser Tab verborgen ist',
      offline: 'Keine Aktualisierung: {message}. Neuer Versuch…',
      caption: 'Die letzten {n} Anfragen',
      empty: 'Noch keine Anfragen. Teilen Sie Ihren CallNow-Link.',
      when: 'Wann',
      caller: 'Anrufer',
      number: 'Nummer',
      state: 'Stand',
      cost: 'Kosten',
      anonymous: '(kein Name)',
      received: 'Eingegangen',
      refused: 'Abgelehnt',
      'calling-owner': 'Es klingelt bei Ihnen',
      'owner-declined': 'Von Ihnen abgelehnt',
      'owner-no-answer': 'Von Ihnen nicht angenommen',
      'calling-requester': 'Anrufer wird angerufen',
      'requester-no-answer': 'Anrufer nimmt nicht ab',
      connected: 'Verbunden',
      completed: 'Beendet',
      failed: 'Fehlgeschlagen',
      because: 'Grund: {reason}',
    },
    fr: {
      navRequests: 'Demandes',
      title: 'Demandes CallNow',
      intro: 'Les personnes qui ont demandé à être rappelées par votre lien CallNow, de la plus récente à la plus ancienne. La liste suit d’elle-même les nouvelles demandes et leur avancement.',
      live: 'En direct : mis à jour {time}',
      paused: 'En pause tant que cet onglet est caché',
      offline: 'Pas de mise à jour : {message}. Nouvel essai…',
      caption: 'Les {n} dernières demandes',
      empty: 'Aucune demande pour l’instant. Partagez votre lien CallNow.',
      when: 'Quand',
      caller: 'Demandeur',
      number: 'Numéro',
      state: 'État',
      cost: 'Coût',
      anonymous: '(sans nom)',
      received: 'Reçue',
      refused: 'Refusée',
      'calling-owner': 'Votre téléphone sonne',
      'owner-declined': 'Refusée par vous',
      'owner-no-answer': 'Vous n’avez pas répondu',
      'calling-requester': 'Appel du demandeur',
      'requester-no-answer': 'Le demandeur n’a pas répondu',
      connected: 'En communication',
      completed: 'Terminée',
      failed: 'Échec',
      because: 'Motif : {reason}',
    },
    es: {
      navRequests: 'Solicitudes',
      title: 'Solicitudes CallNow',
      intro: 'Personas que pidieron que las llamara a través de su enlace CallNow, de la más reciente a la más antigua. La lista sigue sola las nuevas solicitudes y su avance.',
      live: 'En directo: actualizado {time}',
      paused: 'En pausa mientras esta pestaña está oculta',
      offline: 'Sin actualizar: {message}. Reintentando…',
      caption: 'Las últimas {n} solicitudes',
      empty: 'Aún no hay solicitudes. Comparta su enlace CallNow.',
      when: 'Cuándo',
      caller: 'Solicitante',
      number: 'Número',
      state: 'Estado',
      cost: 'Coste',
      anonymous: '(sin nombre)',
      received: 'Recibida',
      refused: 'Rechazada',
      'calling-owner': 'Sonando en su teléfono',
      'owner-declined': 'Rechazada por usted',
      'owner-no-answer': 'No contestó',
      'calling-requester': 'Llamando al solicitante',
      'requester-no-answer': 'El solicitante no contestó',
      connected: 'Conectada',
      completed: 'Terminada',
      failed: 'Fallida',
      because: 'Motivo: {reason}',
    },
  },
);

/** How often the list is read again while the page is shown. */
const POLL_MS = 3000;
const LIMIT = 25;
const ACTIVE: ReadonlySet<RequestState> = new Set(['received', 'calling-owner', 'calling-requester', 'connected']);
const GOOD: ReadonlySet<RequestState> = new Set(['completed', 'connected']);

function requestsPage(context: PortalContext, params: RouteParams): Page {
  const extensionId = extensionIdOf(context, params);
  const state = { requests: null as CallnowRequest[] | null, error: null as string | null, updatedAt: null as Date | null, hidden: document.hidden };
  let disposed = false;
  let timer: number | undefined;

  /** Redraws only the list, so a poll never moves focus or the scroll position. */
  const redrawList = () => {
    const holder = document.getElementById('requests-live');
    if (holder) holder.replaceChildren(listView());
    else context.refresh();
  };

  const poll = async () => {
    timer = undefined;
    if (disposed || extensionId === null) return;
    if (document.hidden) {
      state.hidden = true;
      redrawList();
      return;
    }
    state.hidden = false;
    try {
      const { requests } = await callsApi.requests(extensionId, LIMIT);
      state.requests = requests;
      state.error = null;
      state.updatedAt = new Date();
    } catch (error) {
      if (context.endsSession(error)) return;
      state.error = describeError(error);
      // A 404 will not mend itself: stop asking.
      if (error instanceof ApiError && error.status === 404) {
        if (!disposed) context.refresh();
        return;
      }
    }
    if (disposed) return;
    redrawList();
    timer = window.setTimeout(() => void poll(), POLL_MS);
  };

  const onVisibility = () => {
    if (!document.hidden && timer === undefined && !disposed) void poll();
  };
  document.addEventListener('visibilitychange', onVisibility);
  void poll();

  const stateBadge = (request: CallnowRequest) =>
    h(
      'span',
      { class: `badge ${GOOD.has(request.state) ? 'ok' : ACTIVE.has(request.state) ? 'active' : 'off'}`, 'data-state': request.state },
      ACTIVE.has(request.state) ? '● ' : '',
      tx(request.state),
    );

  const listView = (): HTMLElement => {
    const requests = state.requests;
    const status = state.hidden
      ? tx('paused')
      : state.error
        ? tx('offline', { message: state.error })
        : state.updatedAt
          ? tx('live', { time: state.updatedAt.toLocaleTimeString() })
          : '';
    return h(
      'div',
      {},
      h('p', { class: state.error ? 'live-status off' : 'live-status', id: 'requests-status' }, status),
      requests
        ? dataTable({
            id: 'requests-table',
            caption: tx('caption', { n: requests.length }),
            rows: requests,
            empty: tx('empty'),
            rowId: (r) => String(r.id),
            columns: [
              { header: tx('when'), cell: (r) => formatDateTime(r.createdAt) },
              { header: tx('caller'), cell: (r) => r.requesterName ?? tx('anonymous') },
              { header: tx('number'), cell: (r) => r.requesterNumber },
              { header: tx('state'), cell: (r) => h('span', {}, stateBadge(r), r.reason ? h('span', { class: 'hint' }, ' ', tx('because', { reason: r.reason })) : null) },
              { header: tx('cost'), numeric: true, cell: (r) => formatMoney(r.cost, r.currency) },
            ],
          })
        : h('p', { class: 'loading' }, '…'),
    );
  };

  return {
    title: () => tx('title'),
    dispose: () => {
      disposed = true;
      if (timer !== undefined) window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
    render: () =>
      h(
        'div',
        { class: 'requests' },
        h('h1', {}, tx('title')),
        h('p', { class: 'lead' }, tx('intro')),
        state.requests === null && state.error ? alertBox(state.error) : null,
        h('section', { id: 'requests-live', 'aria-live': 'off' }, listView()),
      ),
  };
}

export const routes: PortalRoute[] = [
  { path: 'callnow/requests', access: ownsExtension('phone'), nav: { text: () => tx('navRequests'), order: 12 }, page: requestsPage },
  { path: 'extensions/:id/requests', access: manager, page: requestsPage },
];
