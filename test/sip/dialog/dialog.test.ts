import { describe, expect, it } from 'vitest';
import { Dialog, DialogRequestError } from '../../../src/sip/dialog/dialog.js';
import { createResponse, getHeader, getHeaders, parseMessage, parseUri, serializeMessage } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.js';

const ourContact = parseUri('sip:dialback@198.51.100.1:5060');

function invite(extra = ''): SipRequest {
  return parseMessage(
    Buffer.from(
      'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n' +
        'Max-Forwards: 70\r\n' +
        'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
        'To: <sip:bob@biloxi.example.com>\r\n' +
        'Call-ID: a84b4c76e66710\r\n' +
        'CSeq: 314159 INVITE\r\n' +
        'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
        extra +
        'Content-Length: 0\r\n\r\n',
    ),
  ) as SipRequest;
}

function answer(request: SipRequest, extra: { name: string; value: string }[]): SipResponse {
  const response = createResponse(request, 200, 'OK', { toTag: 'a6c85cf', headers: [{ name: 'Contact', value: '<sip:bob@192.0.2.4>' }, ...extra] });
  return parseMessage(serializeMessage(response)) as SipResponse;
}

describe('dialogs (RFC 3261 §12)', () => {
  it('UAC: the route set is the Record-Route of the 2xx reversed; requests go loose-routed to the remote target', () => {
    const request = invite();
    const dialog = Dialog.asUac(request, answer(request, [
      { name: 'Record-Route', value: '<sip:p2.example.com;lr>' },
      { name: 'Record-Route', value: '<sip:p1.example.com;lr>' },
    ]), ourContact);
    expect(dialog.state).toBe('confirmed');
    expect(dialog.routeSet.map((r) => r.uri.host)).toEqual(['p1.example.com', 'p2.example.com']);
    expect(dialog.nextHop.host).toBe('p1.example.com');

    const bye = dialog.createRequest('BYE');
    expect(bye.uri.host).toBe('192.0.2.4');
    expect(getHeaders(bye, 'Route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(getHeader(bye, 'CSeq')).toBe('314160 BYE');
    expect(getHeader(bye, 'From')).toContain('tag=1928301774');
    expect(getHeader(bye, 'To')).toContain('tag=a6c85cf');
    // ACK keeps the INVITE's number; other requests count up.
    expect(getHeader(dialog.createRequest('ACK', { cseq: 314159 }), 'CSeq')).toBe('314159 ACK');
    expect(getHeader(dialog.createRequest('INFO'), 'CSeq')).toBe('314161 INFO');
  });

  it('strict routing: the first route becomes the Request-URI and the remote target goes last', () => {
    const request = invite();
    const dialog = Dialog.asUac(request, answer(request, [{ name: 'Record-Route', value: '<sip:strict.example.com>' }]), ourContact);
    const bye = dialog.createRequest('BYE');
    expect(bye.uri.host).toBe('strict.example.com');
    expect(getHeaders(bye, 'Route')).toEqual(['<sip:bob@192.0.2.4>']);
  });

  it('UAS: the route set is the Record-Route in order; CSeq out of order is refused with 500; re-INVITE refreshes the target', () => {
    const request = invite('Record-Route: <sip:p1.example.com;lr>\r\nRecord-Route: <sip:p2.example.com;lr>\r\n');
    const dialog = Dialog.asUas(request, 'uas-tag', ourContact, true);
    expect(dialog.routeSet.map((r) => r.uri.host)).toEqual(['p1.example.com', 'p2.example.com']);
    expect(dialog.remoteTarget.host).toBe('pc33.atlanta.example.com');
    expect(getHeader(dialog.createRequest('BYE'), 'To')).toContain('tag=1928301774');

    const reinvite = invite();
    reinvite.headers = reinvite.headers.map((h) =>
      h.name === 'CSeq' ? { name: 'CSeq', value: '314160 INVITE' } : h.name === 'Contact' ? { name: 'Contact', value: '<sip:alice@203.0.113.9>' } : h,
    );
    dialog.receiveRequest(reinvite);
    expect(dialog.remoteTarget.host).toBe('203.0.113.9');
    expect(() => dialog.receiveRequest(invite())).toThrow(DialogRequestError);
    try {
      dialog.receiveRequest(invite());
    } catch (error) {
      expect((error as DialogRequestError).status).toBe(500);
    }
    dialog.terminate();
    expect(() => dialog.receiveRequest(reinvite)).toThrow(/Does Not Exist/);
  });

  it('refuses a dialog-creating request without Contact or From tag', () => {
    const noContact = invite();
    noContact.headers = noContact.headers.filter((h) => h.name !== 'Contact');
    expect(() => Dialog.asUas(noContact, 't', ourContact, true)).toThrow(/needs a Contact/);
    const noTag = invite();
    noTag.headers = noTag.headers.map((h) => (h.name === 'From' ? { name: 'From', value: '<sip:alice@atlanta.example.com>' } : h));
    expect(() => Dialog.asUas(noTag, 't', ourContact, true)).toThrow(/From tag/);
  });
});
