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
    'why-outside-hours': 'outside your hours',
    'why-on-the-phone': 'you were on the phone',
    'why-rule-rejected': 'a rule rejects this number',
    'why-number-not-allowed': 'calls to this number are not allowed',
    'why-out-of-credit': 'not enough credit',
    'why-concurrent-calls': 'the licence allows no more calls at once',
    'why-daily-spend-cap': "the day's spend cap was reached",
    'why-unavailable': 'not reachable',
    'why-busy': 'the line was busy',
    'why-no-answer': 'nobody answered',
    'why-declined': 'declined',
    'why-hung-up': 'hung up',
    'why-internal-error': 'an error on the server',
    'why-credit-exhausted': 'the credit ran out',
    'why-cancelled': 'cancelled',
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
      'why-outside-hours': 'außerhalb Ihrer Zeiten',
      'why-on-the-phone': 'Sie waren im Gespräch',
      'why-rule-rejected': 'eine Regel lehnt diese Nummer ab',
      'why-number-not-allowed': 'Anrufe zu dieser Nummer sind nicht erlaubt',
      'why-out-of-credit': 'nicht genug Guthaben',
      'why-concurrent-calls': 'die Lizenz erlaubt keine weiteren gleichzeitigen Anrufe',
      'why-daily-spend-cap': 'die tägliche Ausgabengrenze ist erreicht',
      'why-unavailable': 'nicht erreichbar',
      'why-busy': 'die Leitung war besetzt',
      'why-no-answer': 'niemand hat abgenommen',
      'why-declined': 'abgelehnt',
      'why-hung-up': 'aufgelegt',
      'why-internal-error': 'ein Fehler auf dem Server',
      'why-credit-exhausted': 'das Guthaben war aufgebraucht',
      'why-cancelled': 'abgebrochen',
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
      'why-outside-hours': 'en dehors de vos horaires',
      'why-on-the-phone': 'vous étiez en ligne',
      'why-rule-rejected': 'une règle refuse ce numéro',
      'why-number-not-allowed': 'les appels vers ce numéro ne sont pas autorisés',
      'why-out-of-credit': 'crédit insuffisant',
      'why-concurrent-calls': 'la licence n’autorise pas plus d’appels simultanés',
      'why-daily-spend-cap': 'le plafond de dépense du jour est atteint',
      'why-unavailable': 'injoignable',
      'why-busy': 'la ligne était occupée',
      'why-no-answer': 'personne n’a répondu',
      'why-declined': 'refusé',
      'why-hung-up': 'raccroché',
      'why-internal-error': 'une erreur sur le serveur',
      'why-credit-exhausted': 'le crédit est épuisé',
      'why-cancelled': 'annulé',
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
      'why-outside-hours': 'fuera de su horario',
      'why-on-the-phone': 'estaba al teléfono',
      'why-rule-rejected': 'una regla rechaza este número',
      'why-number-not-allowed': 'no se permiten llamadas a este número',
      'why-out-of-credit': 'saldo insuficiente',
      'why-concurrent-calls': 'la licencia no permite más llamadas simultáneas',
      'why-daily-spend-cap': 'se alcanzó el límite de gasto del día',
      'why-unavailable': 'no disponible',
      'why-busy': 'la línea estaba ocupada',
      'why-no-answer': 'nadie contestó',
      'why-declined': 'rechazada',
      'why-hung-up': 'colgó',
      'why-internal-error': 'un error en el servidor',
      'why-credit-exhausted': 'se agotó el saldo',
      'why-cancelled': 'cancelada',
    },
  },
);

/**
 * The list follows the server's live stream (Server-Sent Events): each event has the list read
 * again. It is also read every SAFETY_POLL_MS (events are delivered at most once: one sent while
 * a node's database listener reconnects is lost), and every POLL_MS where no stream can be had.
 */
const POLL_MS = 3000;
const SAFETY_POLL_MS = 30_000;
const LIMIT = 25;
/** The reasons the flows give, said in words; another one shows as the code. */
const REASONS = ['outside-hours', 'on-the-phone', 'rule-rejected', 'number-not-allowed', 'out-of-credit', 'concurrent-calls', 'daily-spend-cap', 'unavailable', 'busy', 'no-answer', 'declined', 'hung-up', 'internal-error', 'credit-exhausted', 'cancelled'] as const;
type Reason = (typeof REASONS)[number];
const reasonText = (reason: string) => ((REASONS as readonly string[]).includes(reason) ? tx(`why-${reason as Reason}`) : reason);
const ACTIVE: ReadonlySet<RequestState> = new Set(['received', 'calling-owner', 'calling-requester', 'connected']);
const GOOD: ReadonlySet<RequestState> = new Set(['completed', 'connected']);

function requestsPage(context: PortalContext, params: RouteParams): Page {
  const extensionId = extensionIdOf(context, params);
  const state = {
    requests: null as CallnowRequest[] | null,
    error: null as string | null,
    updatedAt: null as Date | null,
    hidden: document.hidden,
    mode: 'poll' as 'stream' | 'poll',
  };
  let disposed = false;
  let stopped = false;
  let timer: number | undefined;
  let stream: EventSource | null = null;
  let loading = false;
  let again = false;

  /** Redraws only the list, so an update never moves focus or the scroll position. */
  const redrawList = () => {
    const holder = document.getElementById('requests-live');
    if (holder) holder.replaceChildren(listView());
    else context.refresh();
  };

  const schedule = () => {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = disposed || stopped || document.hidden ? undefined : window.setTimeout(() => void load(), state.mode === 'stream' ? SAFETY_POLL_MS : POLL_MS);
  };

  /** Reads the list; a read asked for while one runs follows it, so the last event is never missed. */
  const load = async (): Promise<void> => {
    if (disposed || stopped || extensionId === null) return;
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const { requests } = await callsApi.requests(extensionId, LIMIT);
      state.requests = requests;
      state.error = null;
      state.updatedAt = new Date();
    } catch (error) {
      if (context.endsSession(error)) {
        stop();
        return;
      }
      state.error = describeError(error);
      // A 404 will not mend itself: stop asking.
      if (error instanceof ApiError && error.status === 404) {
        stop();
        if (!disposed) context.refresh();
        return;
      }
    } finally {
      loading = false;
    }
    if (disposed) return;
    redrawList();
    schedule();
    if (again) {
      again = false;
      void load();
    }
  };

  const closeStream = () => {
    stream?.close();
    stream = null;
  };
  const stop = () => {
    stopped = true;
    closeStream();
    if (timer !== undefined) window.clearTimeout(timer);
    timer = undefined;
  };

  const openStream = () => {
    if (extensionId === null || typeof EventSource === 'undefined') {
      void load();
      return;
    }
    closeStream();
    const source = new EventSource(callsApi.requestEventsUrl(extensionId));
    stream = source;
    // Subscribed: read the list now, so nothing between the last read and the subscription is missed.
    source.addEventListener('ready', () => {
      state.mode = 'stream';
      void load();
    });
    source.addEventListener('request', () => void load());
    source.addEventListener('error', () => {
      if (stream !== source) return;
      // Reconnecting (the server ended the stream, the network dropped): the browser retries by itself.
      // Refused (signed out, too many streams): read the list every few seconds instead; a 401 ends the session.
      state.mode = 'poll';
      if (source.readyState === EventSource.CLOSED) closeStream();
      void load();
    });
  };

  const onVisibility = () => {
    if (disposed || stopped) return;
    if (document.hidden) {
      // Hidden tabs hold no stream open on the server.
      closeStream();
      state.hidden = true;
      state.mode = 'poll';
      if (timer !== undefined) window.clearTimeout(timer);
      timer = undefined;
      redrawList();
      return;
    }
    state.hidden = false;
    openStream();
  };
  document.addEventListener('visibilitychange', onVisibility);
  if (document.hidden) {
    state.hidden = true;
    void load();
  } else openStream();

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
      h('p', { class: state.error ? 'live-status off' : 'live-status', id: 'requests-status', 'data-mode': state.mode }, status),
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
              { header: tx('state'), cell: (r) => h('span', {}, stateBadge(r), r.reason ? h('span', { class: 'hint' }, ' ', tx('because', { reason: reasonText(r.reason) })) : null) },
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
      stop();
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
