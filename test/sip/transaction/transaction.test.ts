import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponse, getHeader, parseMessage, serializeMessage } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.js';
import { TransactionLayer } from '../../../src/sip/transaction/layer.js';
import type { ServerTransaction } from '../../../src/sip/transaction/server.js';
import type { ClientTransactionUser } from '../../../src/sip/transaction/transaction.js';
import type { Endpoint, Inbound, TransportProtocol } from '../../../src/sip/transport/types.js';

/** A transport that records what would go on the wire. */
class RecordingTransport {
  sent: { message: SipRequest | SipResponse; at: number }[] = [];
  fail = false;
  send(message: SipRequest | SipResponse): Promise<void> {
    if (this.fail) return Promise.reject(new Error('network unreachable'));
    this.sent.push({ message, at: Date.now() });
    return Promise.resolve();
  }
  sendResponse(response: SipResponse): Promise<void> {
    return this.send(response);
  }
  times(predicate: (m: SipRequest | SipResponse) => boolean): number[] {
    return this.sent.filter((s) => predicate(s.message)).map((s) => s.at);
  }
}

function request(method: string, branch: string, protocol: TransportProtocol = 'UDP', extra = ''): SipRequest {
  const text =
    `${method} sip:bob@127.0.0.1:5060 SIP/2.0\r\n` +
    `Via: SIP/2.0/${protocol} 127.0.0.1:5070;branch=${branch}\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:alice@127.0.0.1>;tag=a1\r\n` +
    `To: <sip:bob@127.0.0.1>\r\n` +
    `Call-ID: call-${branch}\r\n` +
    `CSeq: 1 ${method}\r\n` +
    extra +
    `Content-Length: 0\r\n\r\n`;
  return parseMessage(Buffer.from(text)) as SipRequest;
}

function inbound(message: SipRequest | SipResponse, protocol: TransportProtocol = 'UDP', address = '127.0.0.1'): Inbound {
  return { message, source: { protocol, address, port: 5070 }, connectionId: null, receivedAt: Date.now() };
}

/** A response as it would come back over the wire (re-parsed, so nothing is shared). */
function responseTo(req: SipRequest, status: number, toTag = 'b1'): SipResponse {
  const response = createResponse(req, status, undefined, status > 100 ? { toTag } : undefined);
  return parseMessage(serializeMessage(response)) as SipResponse;
}

function recordingUser() {
  const events: string[] = [];
  const user: ClientTransactionUser = {
    onResponse: (r) => events.push(String(r.status)),
    onTimeout: () => events.push('timeout'),
    onTransportError: (e) => events.push(`error:${e.message}`),
  };
  return { user, events };
}

const target = (protocol: TransportProtocol = 'UDP'): Endpoint => ({ protocol, address: '127.0.0.1', port: 5060 });

describe('transactions (RFC 3261 §17, RFC 6026)', () => {
  let transport: RecordingTransport;
  let received: { request: SipRequest; transaction: ServerTransaction | null }[];
  let layer: TransactionLayer;

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    transport = new RecordingTransport();
    received = [];
    layer = new TransactionLayer({
      transport,
      onRequest: (req, transaction) => received.push({ request: req, transaction }),
      maxPendingPerSource: 3,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('INVITE client', () => {
    it('retransmits with Timer A doubling and times out with Timer B at 64*T1 over UDP', async () => {
      const { user, events } = recordingUser();
      layer.sendRequest(request('INVITE', 'z9hG4bKa'), target(), user);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(transport.times((m) => m.kind === 'request')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
      expect(events).toEqual(['timeout']);
      expect(layer.clientCount).toBe(0);
    });

    it('stops retransmitting on a provisional response and ACKs a failure in the same transaction', async () => {
      const { user, events } = recordingUser();
      const invite = request('INVITE', 'z9hG4bKb');
      layer.sendRequest(invite, target(), user);
      await vi.advanceTimersByTimeAsync(600);
      layer.handle(inbound(responseTo(invite, 180)));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(transport.times((m) => m.kind === 'request' && m.method === 'INVITE')).toEqual([0, 500]);

      layer.handle(inbound(responseTo(invite, 486)));
      const ack = transport.sent.at(-1)?.message as SipRequest;
      expect(ack.method).toBe('ACK');
      expect(getHeader(ack, 'Via')).toContain('branch=z9hG4bKb');
      expect(getHeader(ack, 'To')).toContain('tag=b1');
      expect(getHeader(ack, 'CSeq')).toBe('1 ACK');

      // A retransmitted 486 is ACKed again but not passed up.
      layer.handle(inbound(responseTo(invite, 486)));
      expect(transport.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK')).toHaveLength(2);
      expect(events).toEqual(['180', '486']);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(layer.clientCount).toBe(0);
    });

    it('passes 2xx retransmissions up in Accepted until Timer M (RFC 6026), never retransmitting over TCP', async () => {
      const { user, events } = recordingUser();
      const invite = request('INVITE', 'z9hG4bKc', 'TCP');
      layer.sendRequest(invite, target('TCP'), user);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(transport.sent).toHaveLength(1);
      layer.handle(inbound(responseTo(invite, 200), 'TCP'));
      layer.handle(inbound(responseTo(invite, 200), 'TCP'));
      expect(events).toEqual(['200', '200']);
      // No ACK from the transaction: the ACK of a 2xx is the dialog's (§13.2.2.4).
      expect(transport.sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(layer.clientCount).toBe(0);
    });

    it('reports a transport failure once', async () => {
      const { user, events } = recordingUser();
      transport.fail = true;
      layer.sendRequest(request('INVITE', 'z9hG4bKd'), target(), user);
      await vi.advanceTimersByTimeAsync(40_000);
      expect(events).toEqual(['error:network unreachable']);
      expect(layer.clientCount).toBe(0);
    });
  });

  describe('non-INVITE client', () => {
    it('retransmits with Timer E capped at T2 and times out with Timer F', async () => {
      const { user, events } = recordingUser();
      layer.sendRequest(request('OPTIONS', 'z9hG4bKe'), target(), user);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(transport.times(() => true)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      expect(events).toEqual(['timeout']);
    });

    it('retransmits every T2 in Proceeding and absorbs retransmitted finals during Timer K', async () => {
      const { user, events } = recordingUser();
      const options = request('REGISTER', 'z9hG4bKf');
      layer.sendRequest(options, target(), user);
      layer.handle(inbound(responseTo(options, 100)));
      await vi.advanceTimersByTimeAsync(9_000);
      expect(transport.times(() => true)).toEqual([0, 500, 4500, 8500]);
      layer.handle(inbound(responseTo(options, 200)));
      layer.handle(inbound(responseTo(options, 200)));
      expect(events).toEqual(['100', '200']);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(layer.clientCount).toBe(0);
    });
  });

  describe('INVITE server', () => {
    it('sends 100 Trying after 200 ms when the TU is silent, and repeats it for a retransmitted INVITE', async () => {
      const invite = request('INVITE', 'z9hG4bKg');
      layer.handle(inbound(invite));
      expect(received).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(250);
      expect(transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([100]);
      layer.handle(inbound(request('INVITE', 'z9hG4bKg')));
      expect(received).toHaveLength(1);
      expect(transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([100, 100]);
    });

    it('retransmits a failure with Timer G until the ACK, then absorbs ACKs for Timer I', async () => {
      layer.handle(inbound(request('INVITE', 'z9hG4bKh')));
      const transaction = received[0]?.transaction;
      transaction?.reply(486, undefined, { toTag: 't1' });
      await vi.advanceTimersByTimeAsync(8_000);
      expect(transport.times(() => true)).toEqual([0, 500, 1500, 3500, 7500]);
      layer.handle(inbound(request('ACK', 'z9hG4bKh')));
      expect(transaction?.state).toBe('confirmed');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(transport.sent).toHaveLength(5);
      expect(transaction?.state).toBe('terminated');
      // The ACK of a non-2xx belongs to the transaction: the TU never sees it.
      expect(received).toHaveLength(1);
    });

    it('gives up with Timer H when no ACK comes', async () => {
      layer.handle(inbound(request('INVITE', 'z9hG4bKi')));
      const transaction = received[0]?.transaction;
      const timeouts: string[] = [];
      if (transaction) transaction.events = { onAckTimeout: () => timeouts.push('H') };
      transaction?.reply(503);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(timeouts).toEqual(['H']);
      expect(layer.serverCount).toBe(0);
    });

    it('moves to Accepted on 2xx: INVITE retransmits are absorbed, the 2xx ACK goes to the TU (RFC 6026)', async () => {
      layer.handle(inbound(request('INVITE', 'z9hG4bKj')));
      const transaction = received[0]?.transaction;
      transaction?.reply(200, undefined, { toTag: 't2' });
      expect(transaction?.state).toBe('accepted');
      layer.handle(inbound(request('INVITE', 'z9hG4bKj')));
      expect(transport.sent).toHaveLength(1);
      expect(received).toHaveLength(1);
      layer.handle(inbound(request('ACK', 'z9hG4bKother')));
      expect(received.at(-1)).toMatchObject({ transaction: null });
      expect(received.at(-1)?.request.method).toBe('ACK');
      await vi.advanceTimersByTimeAsync(32_000);
      expect(layer.serverCount).toBe(0);
    });

    it('finds the INVITE a CANCEL refers to', () => {
      layer.handle(inbound(request('INVITE', 'z9hG4bKk')));
      layer.handle(inbound(request('CANCEL', 'z9hG4bKk')));
      const cancel = received[1];
      expect(cancel?.request.method).toBe('CANCEL');
      expect(layer.findInviteServerTransaction(cancel?.request as SipRequest)).toBe(received[0]?.transaction);
      expect(layer.findInviteServerTransaction(request('CANCEL', 'z9hG4bKnone'))).toBeUndefined();
    });
  });

  describe('non-INVITE server', () => {
    it('ignores retransmits before the answer, repeats the final after it, and ends with Timer J', async () => {
      layer.handle(inbound(request('OPTIONS', 'z9hG4bKl')));
      layer.handle(inbound(request('OPTIONS', 'z9hG4bKl')));
      expect(transport.sent).toHaveLength(0);
      expect(received).toHaveLength(1);
      received[0]?.transaction?.reply(200);
      layer.handle(inbound(request('OPTIONS', 'z9hG4bKl')));
      expect(transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([200, 200]);
      await vi.advanceTimersByTimeAsync(32_000);
      expect(layer.serverCount).toBe(0);
    });

    it('ends at once over TCP (Timer J is 0)', () => {
      layer.handle(inbound(request('OPTIONS', 'z9hG4bKm', 'TCP'), 'TCP'));
      received[0]?.transaction?.reply(200);
      expect(layer.serverCount).toBe(0);
    });
  });

  describe('limits', () => {
    it('bounds requests waiting for an answer per source address, serving other sources', () => {
      for (const branch of ['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3', 'z9hG4bK4']) layer.handle(inbound(request('INVITE', branch)));
      expect(received).toHaveLength(3);
      expect(transport.sent.map((s) => (s.message as SipResponse).status)).toEqual([503]);
      expect(layer.refusedForLoad).toBe(1);

      layer.handle(inbound(request('INVITE', 'z9hG4bK5'), 'UDP', '127.0.0.2'));
      expect(received).toHaveLength(4);

      // Answering one frees a place for the first source.
      received[0]?.transaction?.reply(486);
      layer.handle(inbound(request('INVITE', 'z9hG4bK6')));
      expect(received).toHaveLength(5);
    });

    it('passes responses that match nothing to the stray handler', () => {
      const strays: number[] = [];
      const own = new TransactionLayer({ transport, onRequest: () => undefined, onStrayResponse: (r) => strays.push(r.status) });
      own.handle(inbound(responseTo(request('INVITE', 'z9hG4bKzz'), 200)));
      expect(strays).toEqual([200]);
    });
  });
});
