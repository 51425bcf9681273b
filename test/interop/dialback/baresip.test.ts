// Dialback's registrar and calls against baresip, a real softphone, driven over ctrl_tcp.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requirePeers } from '../../helpers/peers/availability.js';
import { startBaresip, type BaresipPeer } from '../../helpers/peers/baresip.js';
import { ANSWER_SDP, startDialback, waitUntil, type DialbackUnderTest } from './harness.js';

const peers = requirePeers('baresip', 'sox');

describe('baresip registers with Dialback and calls both ways', () => {
  let dialback: DialbackUnderTest;
  const phones: BaresipPeer[] = [];
  beforeAll(() => peers.assertAvailable());
  beforeEach(async () => {
    dialback = await startDialback();
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.stop()));
    await dialback.stop();
  });

  async function phone(answerMode: 'auto' | 'manual' = 'auto'): Promise<BaresipPeer> {
    const p = await startBaresip({ name: 'desk', answerMode });
    phones.push(p);
    return p;
  }

  const account = (transport: 'udp' | 'tcp', password = 'a-long-secret') =>
    `<sip:001002@${dialback.address}${transport === 'tcp' ? ';transport=tcp' : ''}>;auth_pass=${password};regint=60;answermode=auto`;

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers with digest auth, receives a call from Dialback and hangs up (${transport})`, async () => {
      const desk = await phone();
      const registered = await desk.addAccount(account(transport));
      expect(registered?.type).toBe('REGISTER_OK');
      await waitUntil(() => dialback.service.location.lookup('001002').length === 1);
      const [binding] = dialback.service.location.lookup('001002');
      expect(binding?.source.protocol).toBe(transport.toUpperCase());

      const outcome = await dialback.service.dialer.callExtension('001002', { name: 'Mary Requester', number: '+61412345678' }, { sdp: ANSWER_SDP, ringTimeoutMs: 5_000 });
      if (!outcome.answered) throw new Error(`not answered: ${outcome.cause} ${outcome.status}`);
      const established = await desk.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 5_000 });
      expect(JSON.stringify(established)).toContain('+61412345678');
      expect(dialback.service.dialer.activity.isOnThePhone('001002')).toBe(true);

      await outcome.session.bye();
      await desk.waitForEvent('CALL_CLOSED', { timeoutMs: 5_000 });
      expect(dialback.service.dialer.activity.isOnThePhone('001002')).toBe(false);
    });

    it(`makes an authenticated call to a colleague and hangs up from the phone (${transport})`, async () => {
      const desk = await phone();
      expect((await desk.addAccount(account(transport)))?.type).toBe('REGISTER_OK');
      const ended = new Promise<string>((resolve) => {
        dialback.onCall = (call) => {
          const session = call.answer(ANSWER_SDP);
          session.whenEnded(resolve);
        };
      });
      await desk.dial(`sip:001100@${dialback.address}${transport === 'tcp' ? ';transport=tcp' : ''}`, { from: `sip:001002@${dialback.address}` });
      await desk.waitForEvent('CALL_ESTABLISHED', { timeoutMs: 5_000 });
      expect(dialback.calls[0]?.route).toMatchObject({ kind: 'extension', caller: { number: '001002' }, destination: { number: '001100' } });
      await desk.hangup();
      expect(await ended).toBe('remote-bye');
    });
  }

  it('a wrong password fails registration and is counted', async () => {
    const desk = await phone();
    const result = await desk.addAccount(account('udp', 'not-the-password'));
    expect(result?.type).toBe('REGISTER_FAIL');
    expect(dialback.service.location.lookup('001002')).toEqual([]);
    expect(dialback.service.authenticator.failuresBySource.size).toBe(1);
  });

  it('a ringing phone that the caller gives up on is cancelled', async () => {
    const desk = await phone('manual');
    expect((await desk.addAccount(account('udp').replace(';answermode=auto', ';answermode=manual')))?.type).toBe('REGISTER_OK');
    const outcome = await dialback.service.dialer.callExtension('001002', { name: null, number: '+61412345678' }, { sdp: ANSWER_SDP, ringTimeoutMs: 1_000 });
    expect(outcome).toMatchObject({ answered: false, cause: 'no-answer' });
    await desk.waitForEvent('CALL_CLOSED', { timeoutMs: 5_000 });
  });
});
