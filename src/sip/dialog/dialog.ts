import {
  callId,
  contacts,
  cseq,
  formatNameAddress,
  formatUri,
  fromHeader,
  routes,
  tag,
  toHeader,
} from '../message/index.js';
import type { HeaderField, NameAddress, SipRequest, SipResponse, SipUri } from '../message/types.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** §12: a dialog is identified by Call-ID, local tag and remote tag. */
export function dialogKey(id: { callId: string; localTag: string; remoteTag: string }): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/** The dialog key of an in-dialog request as the receiving side sees it (local = To tag). */
export function requestDialogKey(request: SipRequest): string | null {
  const localTag = tag(toHeader(request));
  const remoteTag = tag(fromHeader(request));
  if (!localTag || !remoteTag) return null;
  return dialogKey({ callId: callId(request), localTag, remoteTag });
}

/** The dialog key of a response as the UAC sees it (local = From tag, remote = To tag). */
export function responseDialogKey(response: SipResponse): string | null {
  const localTag = tag(fromHeader(response));
  const remoteTag = tag(toHeader(response));
  if (!localTag || !remoteTag) return null;
  return dialogKey({ callId: callId(response), localTag, remoteTag });
}

/** Why an in-dialog request is refused (§12.2.2). */
export class DialogRequestError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Dialog state of RFC 3261 §12: identifiers, sequence numbers, the remote target and the
 * route set; it builds in-dialog requests (§12.2.1.1) and checks incoming ones (§12.2.2).
 * It sends nothing itself: the user agent layer does, through transactions.
 */
export class Dialog {
  state: DialogState;
  localSeq: number;
  remoteSeq: number | null;
  remoteTarget: SipUri;
  /** In the order requests must traverse it (§12.1.1 / §12.1.2). */
  readonly routeSet: NameAddress[];

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** Our address-of-record with our tag: From of requests we send. */
    readonly localUri: NameAddress,
    /** Theirs with their tag: To of requests we send. */
    readonly remoteUri: NameAddress,
    readonly localContact: SipUri,
    init: { localSeq: number; remoteSeq: number | null; remoteTarget: SipUri; routeSet: NameAddress[]; state: DialogState },
  ) {
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.state = init.state;
  }

  get key(): string {
    return dialogKey(this);
  }

  /** §12.1.2: the UAC's dialog, from a 1xx (with To tag) or 2xx to its INVITE. */
  static asUac(request: SipRequest, response: SipResponse, localContact: SipUri): Dialog {
    const remote = toHeader(response);
    const local = fromHeader(request);
    const remoteTag = tag(remote);
    const localTag = tag(local);
    if (!remoteTag || !localTag) throw new DialogRequestError(400, 'a dialog needs tags on both sides');
    const contact = contacts(response).find((c) => c !== '*');
    return new Dialog(callId(request), localTag, remoteTag, local, remote, localContact, {
      localSeq: cseq(request).seq,
      remoteSeq: null,
      // A 2xx must carry Contact; an early dialog may lack it, and then the Request-URI stands in.
      remoteTarget: contact ? contact.uri : request.uri,
      routeSet: routes(response, 'Record-Route').reverse(),
      state: response.status >= 200 ? 'confirmed' : 'early',
    });
  }

  /** §12.1.1: the UAS's dialog, from a dialog-creating request and the tag we put in To. */
  static asUas(request: SipRequest, localTag: string, localContact: SipUri, confirmed: boolean): Dialog {
    const remote = fromHeader(request);
    const remoteTag = tag(remote);
    if (!remoteTag) throw new DialogRequestError(400, 'the request has no From tag');
    const localAddress = toHeader(request);
    const local: NameAddress = { ...localAddress, params: new Map(localAddress.params).set('tag', localTag) };
    const contact = contacts(request).find((c) => c !== '*');
    if (!contact) throw new DialogRequestError(400, 'a dialog-creating request needs a Contact');
    return new Dialog(callId(request), localTag, remoteTag, local, remote, localContact, {
      localSeq: 0,
      remoteSeq: cseq(request).seq,
      remoteTarget: contact.uri,
      routeSet: routes(request, 'Record-Route'),
      state: confirmed ? 'confirmed' : 'early',
    });
  }

  /**
   * §12.2.1.1: a request within the dialog. CSeq rises by one for every request but ACK
   * (which reuses the INVITE's number) and CANCEL (not built here). The top Via is the
   * sender's to add. Loose routing when the first route has ;lr, strict routing otherwise.
   */
  createRequest(method: string, options: { body?: Buffer; contentType?: string; headers?: HeaderField[]; cseq?: number } = {}): SipRequest {
    let seq: number;
    if (method === 'ACK') {
      seq = options.cseq ?? this.localSeq;
    } else {
      this.localSeq = this.localSeq === 0 ? Math.floor(Math.random() * 2 ** 30) + 1 : this.localSeq + 1;
      seq = this.localSeq;
    }
    let requestUri = this.remoteTarget;
    let routeValues = this.routeSet.map((r) => formatNameAddress(r));
    const first = this.routeSet[0];
    if (first && !first.uri.params.has('lr')) {
      // §12.2.1.1 strict routing: the first route becomes the Request-URI, the remote target goes last.
      requestUri = { ...first.uri, params: new Map(first.uri.params) };
      routeValues = [...this.routeSet.slice(1).map((r) => formatNameAddress(r)), `<${formatUri(this.remoteTarget)}>`];
    }
    const headers: HeaderField[] = [
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: formatNameAddress(this.localUri) },
      { name: 'To', value: formatNameAddress(this.remoteUri) },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
      ...routeValues.map((value) => ({ name: 'Route', value })),
      { name: 'Contact', value: `<${formatUri(this.localContact)}>` },
      ...(options.headers ?? []),
    ];
    const body = options.body ?? Buffer.alloc(0);
    if (body.length > 0) headers.push({ name: 'Content-Type', value: options.contentType ?? 'application/sdp' });
    return { kind: 'request', method, uri: requestUri, headers, body };
  }

  /** Where the next request goes first: the first route, or the remote target (§12.2.1.1, §8.1.2). */
  get nextHop(): SipUri {
    return this.routeSet[0]?.uri ?? this.remoteTarget;
  }

  /**
   * §12.2.2: accept an in-dialog request from the peer. CSeq lower than the last one seen
   * is refused with 500; a target refresh (re-INVITE, UPDATE) replaces the remote target.
   */
  receiveRequest(request: SipRequest): void {
    if (this.state === 'terminated') throw new DialogRequestError(481, 'Call/Transaction Does Not Exist');
    const { seq } = cseq(request);
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this.remoteSeq !== null && seq <= this.remoteSeq) {
        // Equal is a retransmission the transaction layer absorbs; lower is out of order.
        throw new DialogRequestError(500, 'CSeq out of order');
      }
      this.remoteSeq = seq;
    }
    if (request.method === 'INVITE' || request.method === 'UPDATE') this.refreshTarget(request);
  }

  /** A 2xx to our re-INVITE (target refresh) may carry a new Contact. */
  receiveTargetRefreshResponse(response: SipResponse): void {
    const contact = contacts(response).find((c) => c !== '*');
    if (contact) this.remoteTarget = contact.uri;
  }

  confirm(): void {
    if (this.state === 'early') this.state = 'confirmed';
  }

  terminate(): void {
    this.state = 'terminated';
  }

  private refreshTarget(request: SipRequest): void {
    const contact = contacts(request).find((c) => c !== '*');
    if (contact) this.remoteTarget = contact.uri;
  }
}
