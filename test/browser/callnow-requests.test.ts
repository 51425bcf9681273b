// CallNow requests over HTTP against the whole server (no browser needed to see the answers):
// refusals with their reasons, form errors, limits, idempotency, the one-step link, the
// CAPTCHA, the 404 page, and the owner's phone declining or not answering.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipPeer } from '../helpers/peers/baresip.js';
import { startBaresip } from '../helpers/peers/baresip.js';
import { requirePeers } from '../helpers/peers/availability.js';
import { startSipp } from '../helpers/peers/sipp.js';
import { ledgerEntries } from '../../src/store/credit-accounts.js';
import { demoWith, startApp, type AppUnderTest } from './harness.js';

const peers = requirePeers('baresip', 'sipp');

interface Answer {
  status: number;
  location: string | null;
  html: string;
  headers: Headers;
}

async function get(server: AppUnderTest, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.baseUrl}${path}`, { redirect: 'manual', headers });
  return { status: response.status, location: response.headers.get('location'), html: await response.text(), headers: response.headers };
}

async function post(server: AppUnderTest, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text(), headers: response.headers };
}

/** Follows a 303 to the status page and waits until it shows a final state; returns the page's text. */
async function statusOf(server: AppUnderTest, answer: Answer, until: RegExp = /data-final="true"/): Promise<string> {
  expect(answer.status, answer.html).toBe(303);
  expect(answer.location).toMatch(/^\/callnow\/requests\/[\w-]+$/);
  let html = '';
  const deadline = Date.now() + 15_000;
  for (;;) {
    html = (await get(server, answer.location!)).html;
    if (until.test(html) || Date.now() > deadline) return html;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const requests = (server: AppUnderTest) => server.store.db.selectFrom('callbackRequests').selectAll().orderBy('id').execute();

// Sunday 2026-12-06 12:00 in Sydney: outside the demo's office hours (Mon-Fri 09-17).
const SUNDAY_NOON_SYDNEY = Date.parse('2026-12-06T01:00:00Z');
// Monday 2026-12-07 10:00 in Sydney.
const MONDAY_TEN_SYDNEY = Date.parse('2026-12-06T23:00:00Z');

describe('CallNow requests', () => {
  let server: AppUnderTest | null = null;
  let phone: BaresipPeer | null = null;
  beforeAll(() => peers.assertAvailable());
  afterEach(async () => {
    await phone?.stop();
    phone = null;
    await server?.stop();
    server = null;
  });

  it('an unknown and a disabled CallNow ID give the same 404 page', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('id: john_doe\n          enabled: true', 'id: john_doe\n          enabled: false')));
    const unknown = await get(server, '/callnow/nobody_here');
    const disabled = await get(server, '/callnow/john_doe');
    const legacy = await get(server, '/callnow/index.php?call=john_doe');
    expect([unknown.status, disabled.status, legacy.status]).toEqual([404, 404, 404]);
    expect(disabled.html).toBe(unknown.html);
    expect(disabled.html).not.toContain('John');
  });

  it('shows the page: welcome message escaped, the name only when shown, required fields, security headers', async () => {
    server = await startApp(
      demoWith(5090, (y) => y.replace('message: "Leave your number and I will call you back."', 'message: "<script>alert(1)</script> & welcome"').replace('showName: true', 'showName: false')),
    );
    const page = await get(server, '/callnow/john_doe');
    expect(page.status).toBe(200);
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; welcome');
    expect(page.html).not.toContain('<script>alert');
    expect(page.html).not.toContain('John Doe');
    expect(page.html).toMatch(/<input id="myname" name="myname"[^>]*required/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // The legacy address serves the same form.
    expect((await get(server, '/callnow/index.php?call=john_doe')).html).toContain('name="phone"');
  });

  it('offers a language selector when the language is the caller\'s choice, and follows Accept-Language', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('language: en           # a language code, or "caller" for the caller\'s choice', 'language: caller')));
    const german = await get(server, '/callnow/john_doe', { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' });
    expect(german.html).toContain('<html lang="de">');
    expect(german.html).toContain('Rückruf');
    expect(german.html).toContain('<select id="lang" name="lang">');
    const french = await get(server, '/callnow/john_doe?lang=fr');
    expect(french.html).toContain('Rappelez-moi');
  });

  it('refuses with the reason on the page: outside the owner\'s hours', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('availability: Anytime', 'availability: Office hours')), { clock: () => SUNDAY_NOON_SYDNEY });
    const page = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' }));
    expect(page).toContain('The request cannot be placed.');
    expect(page).toContain('The owner is not available at this time.');
    expect((await requests(server))[0]).toMatchObject({ state: 'refused', reason: 'outside-hours' });
  });

  it('refuses a blocked destination (premium rate) and a rule that says reject', async () => {
    server = await startApp(demoWith(5090), { clock: () => MONDAY_TEN_SYDNEY });
    const premium = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '+1 900 555 0123' }));
    expect(premium).toContain('Calls to this number are not allowed.');
    const rejected = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'A test caller', phone: '0298765432' }));
    expect(rejected).toContain('The owner does not accept requests from this number.');
    expect((await requests(server)).map((r) => r.reason)).toEqual(['number-not-allowed', 'rule-rejected']);
  });

  it('refuses while the owner is on the phone', async () => {
    server = await startApp(demoWith(5090));
    server.app.sip.dialer.activity.begin('001002', 'a-call');
    const page = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' }));
    expect(page).toContain('The owner is on the phone right now.');
  });

  it('refuses when the owner cannot afford the destination', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('credit: "50.00"', 'credit: "0.01"')));
    const page = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' }));
    expect(page).toContain('The owner&#39;s account has no credit for this call.');
  });

  it('keeps bad input on the form with a clear message and records nothing', async () => {
    server = await startApp(demoWith(5090));
    const noName = await post(server, '/callnow/john_doe', { myname: '  ', phone: '0298765432' });
    expect(noName.status).toBe(400);
    expect(noName.html).toContain('Please enter your name.');
    const badPhone = await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '12ab' });
    expect(badPhone.status).toBe(400);
    expect(badPhone.html).toMatch(/That phone number cannot be used: .+/);
    expect(badPhone.html).toContain('value="Jane"');
    expect(await requests(server)).toHaveLength(0);
  });

  it('a form posted twice is one request, and the repeats do not count against the limits', async () => {
    server = await startApp(demoWith(5090), { clock: () => SUNDAY_NOON_SYDNEY });
    const fields = { myname: 'Jane', phone: '0298765432', requestKey: 'k2u8JkVb0SXxk5f1yqV7aA' };
    const first = await post(server, '/callnow/john_doe', fields);
    expect(first.status).toBe(303);
    for (let i = 0; i < 10; i++) expect((await post(server, '/callnow/john_doe', fields)).location).toBe(first.location);
    expect(await requests(server)).toHaveLength(1);
  });

  it('limits requests for one number: the eighth in 15 minutes is refused with Retry-After', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('availability: Anytime', 'availability: Office hours')), { clock: () => SUNDAY_NOON_SYDNEY });
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' }));
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303, 303, 303, 303, 303, 429]);
    expect(Number(answers[7]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answers[7]?.html).toMatch(/Too many requests\. Please try again in \d+ minutes\./);
    expect(await requests(server)).toHaveLength(7);
  });

  it('limits how many different numbers one address may ask for', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('availability: Anytime', 'availability: Office hours')), { clock: () => SUNDAY_NOON_SYDNEY });
    const statuses: number[] = [];
    for (const number of ['0298765431', '0298765432', '0298765433', '0298765434']) {
      statuses.push((await post(server, '/callnow/john_doe', { myname: 'Jane', phone: number })).status);
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
  });

  it('behind a trusted proxy, limits key on the client address it forwards (IPv6 by /64)', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('availability: Anytime', 'availability: Office hours')), { clock: () => SUNDAY_NOON_SYDNEY }, { trustProxy: 1 });
    const from = (address: string, number: string) => post(server!, '/callnow/john_doe', { myname: 'Jane', phone: number }, { 'x-forwarded-for': address });
    const statuses: number[] = [];
    // Four numbers, each from another client: no address asks for more than three.
    for (const [i, address] of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'].entries()) statuses.push((await from(address, `029876543${i}`)).status);
    // One IPv6 subscriber with a fresh address each time is still one client.
    for (const [i, address] of ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2::c', '2001:db8:1:2::d'].entries()) statuses.push((await from(address, `029876544${i}`)).status);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 303, 303, 429]);
    expect((await requests(server)).map((r) => r.clientAddress).slice(0, 2)).toEqual(['198.51.100.1', '198.51.100.2']);
  });

  it('the one-step link places the request at once; with image validation on it shows the filled form and the image', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('availability: Anytime', 'availability: Office hours')), { clock: () => SUNDAY_NOON_SYDNEY });
    const oneStep = await get(server, '/callnow/index.php?call=john_doe&myname=Jane%20Roe&phone=0298765432');
    expect(await statusOf(server, oneStep)).toContain('The owner is not available at this time.');
    // Reloading the link within minutes is the same request.
    const again = await get(server, '/callnow/index.php?call=john_doe&myname=Jane%20Roe&phone=0298765432');
    expect(again.location).toBe(oneStep.location);
    expect(await requests(server)).toHaveLength(1);
    await server.stop();

    server = await startApp(demoWith(5090, (y) => y.replace('captcha: false', 'captcha: true')));
    const form = await get(server, '/callnow/index.php?call=john_doe&myname=Jane%20Roe&phone=0298765432');
    expect(form.status).toBe(200);
    expect(form.html).toContain('value="Jane Roe"');
    expect(form.html).toContain('value="0298765432"');
    const image = /src="(\/callnow\/captcha\/[\w-]+\.png)"/.exec(form.html)?.[1];
    expect(image).toBeDefined();
    const png = await fetch(`${server.baseUrl}${image}`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    // A wrong answer is refused, consumes that image and shows a new one; nothing is recorded.
    const captchaId = /name="captchaId" value="([\w-]+)"/.exec(form.html)?.[1] ?? '';
    const wrong = await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432', captchaId, captcha: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('The characters did not match the image.');
    expect(wrong.html).not.toContain(captchaId);
    expect((await fetch(`${server.baseUrl}${image}`)).status).toBe(404);
    expect(await requests(server)).toHaveLength(0);
  });

  it('serves a bounded number of CAPTCHA images a minute to one address', async () => {
    server = await startApp(demoWith(5090, (y) => y.replace('captcha: false', 'captcha: true')));
    const form = await get(server, '/callnow/john_doe');
    const image = /src="(\/callnow\/captcha\/[\w-]+\.png)"/.exec(form.html)?.[1] ?? '';
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await fetch(`${server.baseUrl}${image}`)).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
  });

  it('the owner declines with 2: "The owner declined the call."', async () => {
    server = await startApp(demoWith(5090), { clock: () => MONDAY_TEN_SYDNEY });
    phone = await startBaresip({ name: 'owner', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
    expect((await phone.addAccount(`<sip:001002@${server.sipAddress}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
    const answered = phone.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 10_000 });
    const submitted = await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' });
    await answered;
    await phone.command('uafind', `sip:001002@${server.sipAddress}`);
    await phone.sendDtmf('2');
    const page = await statusOf(server, submitted);
    expect(page).toContain('The owner declined the call.');
    expect((await requests(server))[0]).toMatchObject({ state: 'owner-declined', reason: 'declined', costMicros: 0 });
  });

  it('the requester\'s line is busy: "nobody answered", and the owner\'s reserved credit is released', async () => {
    const carrier = await startSipp({ scenario: 'uas-busy', timeoutMs: 30_000 });
    try {
      server = await startApp(demoWith(carrier.localPort), { clock: () => MONDAY_TEN_SYDNEY });
      phone = await startBaresip({ name: 'owner', answerMode: 'auto', accountParams: 'audio_codecs=PCMU' });
      expect((await phone.addAccount(`<sip:001002@${server.sipAddress}>;auth_pass=a-long-secret;regint=60;answermode=auto;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
      // A mobile number: the demo's first rule accepts it without asking the owner.
      const page = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0412 345 678' }));
      expect(page).toContain('We called you but nobody answered.');
      expect(page).toContain('The line was busy.');
      await phone.waitForEvent('CALL_CLOSED', { timeoutMs: 10_000 });
      const request = (await requests(server))[0];
      expect(request).toMatchObject({ state: 'requester-no-answer', reason: 'busy', costMicros: 0 });
      const extension = await server.store.db.selectFrom('extensions').select('creditAccountId').where('number', '=', '001002').executeTakeFirstOrThrow();
      const entries = (await ledgerEntries(server.store.db, extension.creditAccountId)).map((e) => e.kind);
      expect(entries).toEqual(['recharge', 'reservation', 'release']);
    } finally {
      await carrier.stop(0);
    }
  });

  it('the owner does not answer, or is not registered at all', async () => {
    server = await startApp(demoWith(5090), { clock: () => MONDAY_TEN_SYDNEY, callnow: { ownerRingSeconds: 1 } });
    const unregistered = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765431' }));
    expect(unregistered).toContain('The owner did not answer.');
    phone = await startBaresip({ name: 'owner', answerMode: 'manual', accountParams: 'audio_codecs=PCMU' });
    expect((await phone.addAccount(`<sip:001002@${server.sipAddress}>;auth_pass=a-long-secret;regint=60;audio_codecs=PCMU`))?.type).toBe('REGISTER_OK');
    const ringing = await statusOf(server, await post(server, '/callnow/john_doe', { myname: 'Jane', phone: '0298765432' }));
    expect(ringing).toContain('The owner did not answer.');
    expect((await requests(server)).map((r) => [r.state, r.reason])).toEqual([
      ['owner-no-answer', 'unavailable'],
      ['owner-no-answer', 'no-answer'],
    ]);
  });
});
