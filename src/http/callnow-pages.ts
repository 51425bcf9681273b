import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatMoney } from '../domain/money.js';
import { clientAddressKey } from '../domain/request-limits.js';
import { oneStepKey, submitCallnowRequest, type CallnowDependencies, type SubmissionResult } from '../flows/callnow.js';
import type { RequestStatus } from '../flows/request-events.js';
import { callnowRequestByToken, FINAL_STATES, loadCallnowTarget, type CallnowTarget } from '../store/callnow.js';
import { readSettings } from '../store/settings.js';
import { LANGUAGE_NAMES, PAGE_LANGUAGES, PAGE_TEXT, isPageLanguage, languageFromHeader, type PageLanguage, type PageText } from './callnow-text.js';
import type { CaptchaStore } from './captcha.js';

export interface CallnowPagesOptions {
  flows: CallnowDependencies;
  captcha: CaptchaStore;
  /** For numbers typed without a country code when the organization names none. */
  /** The provider's default country now (it can change while the server runs). */
  defaultCountry: () => string;
  /** Open live-status streams at most (each holds a socket). */
  maxStatusStreams?: number;
}

/** CAPTCHA images one client address may fetch a minute. */
const IMAGES_PER_MINUTE = 60;

interface FormValues {
  name: string;
  phone: string;
}

interface FormState {
  target: CallnowTarget;
  language: PageLanguage;
  values: FormValues;
  error: string | null;
  status: number;
}

// Pages carry no third-party anything: scripts and images from us only, nothing may frame them.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f23;line-height:1.5}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.6rem;margin:0 0 .5rem}
.message{background:#fff;border-left:4px solid #2f6fde;margin:1rem 0;padding:.75rem 1rem;white-space:pre-line}
label{display:block;font-weight:600;margin-top:1rem}
input,select{font:inherit;width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #8a939c;border-radius:6px;background:#fff}
.hint{font-size:.9rem;color:#4a535c;margin:.25rem 0 0}
button{font:inherit;font-weight:600;margin-top:1.25rem;padding:.75rem 1.5rem;border:0;border-radius:6px;background:#2f6fde;color:#fff;width:100%}
.lang{display:flex;gap:.5rem;align-items:end}.lang button{width:auto;margin:0}
.error{background:#fde8e8;border:1px solid #c81e1e;border-radius:6px;padding:.75rem;color:#8a1414}
#status{background:#fff;border-radius:6px;padding:1rem;margin:1rem 0}
.state{font-size:1.25rem;font-weight:600;margin:0}
img.captcha{display:block;margin-top:.5rem;border:1px solid #8a939c;border-radius:6px;max-width:100%;height:auto}
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function page(language: PageLanguage, title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(html);
}

function notFound(reply: FastifyReply, language: PageLanguage): FastifyReply {
  const text = PAGE_TEXT[language];
  return send(reply, 404, page(language, text.notFoundTitle, `<h1>${escapeHtml(text.notFoundTitle)}</h1>\n<p>${escapeHtml(text.notFound)}</p>`));
}

/**
 * The public CallNow pages (SPEC §2), server-rendered and complete without JavaScript: the
 * form at /callnow/<id> (and the old /callnow/index.php?call=<id>, with the one-step
 * request), the request's status page, and its live status over Server-Sent Events.
 */
export function callnowPages(app: FastifyInstance, options: CallnowPagesOptions): Promise<void> {
  const { flows, captcha } = options;
  const db = flows.db;
  const maxStreams = options.maxStatusStreams ?? 10_000;
  let openStreams = 0;

  // Forms post application/x-www-form-urlencoded; a small, strict parser (no nesting, no arrays).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_request, body, done) => {
    const params = new URLSearchParams(body as string);
    const fields: Record<string, string> = {};
    for (const [key, value] of params) if (!(key in fields)) fields[key] = value;
    done(null, fields);
  });

  const languageFor = (target: CallnowTarget, request: FastifyRequest, chosen: string | undefined): PageLanguage => {
    if (target.preferences.language !== 'caller') return isPageLanguage(target.preferences.language) ? target.preferences.language : 'en';
    return isPageLanguage(chosen) ? chosen : languageFromHeader(request.headers['accept-language']);
  };

  const load = async (id: string | undefined): Promise<CallnowTarget | null> => {
    if (!id || id.length > 64) return null;
    const target = await loadCallnowTarget(db, id, options.defaultCountry());
    // A disabled CallNow looks exactly like an unknown one: the page must not reveal who exists.
    return target && target.preferences.enabled ? target : null;
  };

  const renderForm = (reply: FastifyReply, state: FormState): FastifyReply => {
    const { target, language, values } = state;
    const text = PAGE_TEXT[language];
    const prefs = target.preferences;
    const action = `/callnow/${encodeURIComponent(target.callnowId)}`;
    const parts: string[] = [`<h1>${escapeHtml(text.title)}</h1>`];
    parts.push(`<p>${escapeHtml(prefs.showName ? fill(text.introNamed, { name: target.extension.name }) : text.intro)}</p>`);
    if (prefs.message.trim() !== '') parts.push(`<p class="message">${escapeHtml(prefs.message)}</p>`);
    if (prefs.language === 'caller') {
      const choices = PAGE_LANGUAGES.map((l) => `<option value="${l}"${l === language ? ' selected' : ''} lang="${l}">${LANGUAGE_NAMES[l]}</option>`).join('');
      parts.push(
        `<form method="get" action="${action}" class="lang"><div style="flex:1"><label for="lang">${escapeHtml(text.language)}</label><select id="lang" name="lang">${choices}</select></div><button type="submit">${escapeHtml(text.choose)}</button></form>`,
      );
    }
    if (state.error) parts.push(`<p class="error" role="alert">${escapeHtml(state.error)}</p>`);
    const fields: string[] = [
      `<input type="hidden" name="requestKey" value="${randomBytes(16).toString('base64url')}">`,
      `<input type="hidden" name="lang" value="${language}">`,
      `<label for="myname">${escapeHtml(prefs.askName ? text.name : text.nameOptional)}</label>`,
      `<input id="myname" name="myname" autocomplete="name" maxlength="64" value="${escapeHtml(values.name)}"${prefs.askName ? ' required' : ''}>`,
      `<label for="phone">${escapeHtml(text.phone)}</label>`,
      `<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="32" required aria-describedby="phone-hint" value="${escapeHtml(values.phone)}">`,
      `<p class="hint" id="phone-hint">${escapeHtml(text.phoneHint)}</p>`,
    ];
    if (prefs.captcha) {
      const challenge = captcha.create(target.callnowId);
      fields.push(
        `<input type="hidden" name="captchaId" value="${challenge.id}">`,
        `<label for="captcha">${escapeHtml(text.captcha)}</label>`,
        `<img class="captcha" src="/callnow/captcha/${challenge.id}.png" width="200" height="70" alt="${escapeHtml(text.captcha)}">`,
        `<input id="captcha" name="captcha" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="12" required aria-describedby="captcha-hint">`,
        `<p class="hint" id="captcha-hint">${escapeHtml(text.captchaHint)}</p>`,
      );
    }
    parts.push(`<form method="post" action="${action}">\n${fields.join('\n')}\n<button type="submit">${escapeHtml(text.submit)}</button>\n</form>`);
    return send(reply, state.status, page(language, text.title, parts.join('\n')));
  };

  /** Places the request; answers with the status page (303) or the form with what is wrong. */
  const place = async (reply: FastifyReply, target: CallnowTarget, language: PageLanguage, values: FormValues, clientAddress: string, key: string | null) => {
    const result: SubmissionResult = await submitCallnowRequest(flows, target, {
      name: values.name,
      phone: values.phone,
      clientAddress,
      language,
      idempotencyKey: key,
    });
    const text = PAGE_TEXT[language];
    if (result.kind === 'invalid') {
      const error =
        result.problem.reason === 'invalid-phone' ? fill(text.errors['invalid-phone'], { detail: result.problem.message }) : text.errors['name-required'];
      return renderForm(reply, { target, language, values, error, status: 400 });
    }
    if (result.kind === 'limited') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      const error = fill(text.errors.limited, { minutes: String(Math.max(1, Math.ceil(result.retryAfterSeconds / 60))) });
      return renderForm(reply, { target, language, values, error, status: 429 });
    }
    return reply.code(303).headers(SECURITY_HEADERS).header('location', `/callnow/requests/${result.request.publicToken}`).send();
  };

  const showForm = async (request: FastifyRequest, reply: FastifyReply, id: string | undefined, query: Record<string, string | undefined>) => {
    const target = await load(id);
    if (!target) return notFound(reply, languageFromHeader(request.headers['accept-language']));
    const language = languageFor(target, request, query.lang);
    const values = { name: query.myname ?? '', phone: query.phone ?? '' };
    // The one-step link places the request at once, unless the owner wants the image solved.
    if (query.phone !== undefined && !target.preferences.captcha) {
      return place(reply, target, language, values, request.ip, oneStepKey(target.callnowId, values.phone, request.ip, flows.clock()));
    }
    return renderForm(reply, { target, language, values, error: null, status: 200 });
  };

  const pageQuery = {
    type: 'object',
    properties: {
      lang: { type: 'string', maxLength: 8 },
      myname: { type: 'string', maxLength: 200 },
      phone: { type: 'string', maxLength: 64 },
      call: { type: 'string', maxLength: 64 },
    },
  } as const;

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/callnow/:id',
    { schema: { hide: true, querystring: pageQuery } },
    (request, reply) => showForm(request, reply, request.params.id, request.query),
  );

  // Links people already have (SPEC §2): /callnow/index.php?call=<id>[&myname=..&phone=..].
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/callnow/index.php',
    { schema: { hide: true, querystring: pageQuery } },
    (request, reply) => showForm(request, reply, request.query.call, request.query),
  );

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>('/callnow/:id', { schema: { hide: true } }, async (request, reply) => {
    const target = await load(request.params.id);
    if (!target) return notFound(reply, languageFromHeader(request.headers['accept-language']));
    const body = request.body ?? {};
    const language = languageFor(target, request, body.lang);
    const values = { name: (body.myname ?? '').slice(0, 200), phone: (body.phone ?? '').slice(0, 64) };
    if (target.preferences.captcha && !captcha.verify(body.captchaId ?? '', target.callnowId, body.captcha ?? '')) {
      return renderForm(reply, { target, language, values, error: PAGE_TEXT[language].errors['captcha-wrong'], status: 400 });
    }
    const key = typeof body.requestKey === 'string' && /^[\w-]{16,64}$/.test(body.requestKey) ? `form:${target.callnowId}:${body.requestKey}` : null;
    return place(reply, target, language, values, request.ip, key);
  });

  // Drawing an image costs a few milliseconds of CPU: a client gets a bounded number a minute.
  const imagesByAddress = new Map<string, { since: number; count: number }>();
  const imageAllowed = (address: string): boolean => {
    const now = flows.clock();
    const entry = imagesByAddress.get(address);
    if (!entry || now - entry.since >= 60_000) {
      if (imagesByAddress.size >= 100_000) imagesByAddress.clear();
      imagesByAddress.set(address, { since: now, count: 1 });
      return true;
    }
    entry.count++;
    return entry.count <= IMAGES_PER_MINUTE;
  };

  app.get<{ Params: { file: string } }>('/callnow/captcha/:file', { schema: { hide: true } }, (request, reply) => {
    if (!imageAllowed(clientAddressKey(request.ip))) return reply.code(429).headers(SECURITY_HEADERS).header('retry-after', '60').type('text/plain').send('too many images');
    const id = /^([\w-]{1,64})\.png$/.exec(request.params.file)?.[1];
    const image = id ? captcha.image(id) : null;
    if (!image) return reply.code(404).headers(SECURITY_HEADERS).type('text/plain').send('no such image');
    return reply.headers(SECURITY_HEADERS).type('image/png').send(image);
  });

  const statusView = (text: PageText, status: RequestStatus, currency: string | null, language: PageLanguage) => ({
    state: status.state,
    stateText: text.states[status.state] ?? status.state,
    reasonText: status.reason ? (text.reasons[status.reason] ?? status.reason) : '',
    costText: status.state === 'completed' && currency && status.costMicros !== undefined ? `${text.cost}: ${formatMoney(status.costMicros, currency, language)}` : '',
    final: FINAL_STATES.has(status.state),
  });

  app.get<{ Params: { token: string } }>('/callnow/requests/:token', { schema: { hide: true } }, async (request, reply) => {
    const record = /^[\w-]{10,64}$/.test(request.params.token) ? await callnowRequestByToken(db, request.params.token) : null;
    if (!record) return notFound(reply, languageFromHeader(request.headers['accept-language']));
    const language = isPageLanguage(record.language) ? record.language : 'en';
    const text = PAGE_TEXT[language];
    const { currency } = await readSettings(db);
    const view = statusView(text, { state: record.state, reason: record.reason, costMicros: record.costMicros }, currency, language);
    const again = await db
      .selectFrom('callnowPreferences')
      .select('callnowId')
      .where('extensionId', '=', record.extensionId)
      .executeTakeFirst();
    const body = [
      `<h1>${escapeHtml(text.statusTitle)}</h1>`,
      `<div id="status" role="status" aria-live="polite" data-state="${view.state}" data-final="${String(view.final)}" data-events="/callnow/requests/${record.publicToken}/events">`,
      `<p class="state">${escapeHtml(view.stateText)}</p>`,
      `<p class="reason">${escapeHtml(view.reasonText)}</p>`,
      `<p class="cost">${escapeHtml(view.costText)}</p>`,
      `</div>`,
      view.final ? '' : `<noscript><p class="hint">${escapeHtml(text.noScript)}</p></noscript>`,
      again ? `<p><a href="/callnow/${encodeURIComponent(again.callnowId)}">${escapeHtml(text.again)}</a></p>` : '',
      `<script src="/callnow/assets/status.js" defer></script>`,
    ].join('\n');
    // Without JavaScript the page reloads itself until the request is over.
    const head = view.final ? '' : '<noscript><meta http-equiv="refresh" content="3"></noscript>';
    return send(reply, 200, page(language, text.statusTitle, body, head));
  });

  app.get<{ Params: { token: string } }>('/callnow/requests/:token/events', { schema: { hide: true } }, async (request, reply) => {
    const record = /^[\w-]{10,64}$/.test(request.params.token) ? await callnowRequestByToken(db, request.params.token) : null;
    if (!record) return reply.code(404).type('text/plain').send('no such request');
    if (openStreams >= maxStreams) return reply.code(503).header('retry-after', '5').type('text/plain').send('too many live pages');
    const language = isPageLanguage(record.language) ? record.language : 'en';
    const text = PAGE_TEXT[language];
    const { currency } = await readSettings(db);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    openStreams++;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      openStreams--;
      unsubscribe();
      clearInterval(heartbeat);
      raw.end();
    };
    const push = (status: RequestStatus) => {
      if (closed) return;
      const view = statusView(text, status, currency, language);
      raw.write(`event: status\ndata: ${JSON.stringify(view)}\n\n`);
      if (view.final) close();
    };
    const unsubscribe = flows.events.subscribe(record.publicToken, push);
    // Comments keep proxies from closing a quiet stream.
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    request.raw.on('close', close);
    // The state may have moved between reading the record and subscribing: send the latest.
    const latest = await callnowRequestByToken(db, record.publicToken);
    if (latest) push({ state: latest.state, reason: latest.reason, costMicros: latest.costMicros });
  });

  app.get('/callnow/assets/status.js', { schema: { hide: true } }, (_request, reply) =>
    reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=3600' }).type('text/javascript; charset=utf-8').send(STATUS_SCRIPT),
  );
  return Promise.resolve();
}

/** Live status: follows the request's events and updates the page in place; without EventSource it reloads. */
const STATUS_SCRIPT = `(function () {
  var box = document.getElementById('status');
  if (!box) return;
  var set = function (selector, text) { var el = box.querySelector(selector); if (el) el.textContent = text; };
  if (box.dataset.final === 'true') return;
  if (!window.EventSource) { setTimeout(function () { location.reload(); }, 3000); return; }
  var source = new EventSource(box.dataset.events);
  source.addEventListener('status', function (event) {
    var view = JSON.parse(event.data);
    box.dataset.state = view.state;
    box.dataset.final = String(view.final);
    set('.state', view.stateText);
    set('.reason', view.reasonText);
    set('.cost', view.costText);
    if (view.final) source.close();
  });
})();
`;
