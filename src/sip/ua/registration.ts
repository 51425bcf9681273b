import { formatUri, getHeaders } from '../message/index.js';
import type { SipRequest, SipResponse, SipUri } from '../message/types.js';
import type { Endpoint } from '../transport/types.js';
import { syntheticResponse, type UserAgentCore } from './core.js';
import { DigestClient } from './digest.js';

export interface RegistrationOptions {
  registrar: Endpoint;
  /** The address-of-record to register, e.g. sip:acme@carrier.example. */
  aor: SipUri;
  credentials?: { username: string; password: string };
  expires: number;
  callId?: string;
}

/**
 * One REGISTER (RFC 3261 §10.2), answering a 401/407 challenge once: how Dialback
 * registers to a carrier that wants it, and how tests play a phone.
 */
export async function register(core: UserAgentCore, options: RegistrationOptions): Promise<SipResponse> {
  const callId = options.callId ?? core.newCallId();
  const fromTag = core.newTag();
  const requestUri: SipUri = { ...options.aor, user: null, password: null, params: new Map(), headers: new Map() };
  const digest = options.credentials ? new DigestClient(options.credentials) : null;
  let seq = 1;
  const build = (authorization?: { name: string; value: string }): SipRequest => ({
    kind: 'request',
    method: 'REGISTER',
    uri: requestUri,
    headers: [
      core.viaFor(options.registrar.protocol),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<${formatUri(options.aor)}>;tag=${fromTag}` },
      { name: 'To', value: `<${formatUri(options.aor)}>` },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: `${seq++} REGISTER` },
      { name: 'Contact', value: `<${formatUri(core.contactFor(options.registrar.protocol, options.aor.user))}>` },
      { name: 'Expires', value: String(options.expires) },
      ...core.agentHeader('User-Agent'),
      ...(authorization ? [authorization] : []),
    ],
    body: Buffer.alloc(0),
  });
  const send = (request: SipRequest) =>
    new Promise<SipResponse>((resolve) => {
      core.transactions.sendRequest(request, options.registrar, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: () => resolve(syntheticResponse(request, 408, 'Request Timeout')),
        onTransportError: () => resolve(syntheticResponse(request, 503, 'Service Unavailable')),
      });
    });
  const first = await send(build());
  if ((first.status !== 401 && first.status !== 407) || !digest) return first;
  const proxy = first.status === 407;
  const authorization = digest.respond(getHeaders(first, proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'), {
    method: 'REGISTER',
    uri: formatUri(requestUri),
  });
  return send(build({ name: proxy ? 'Proxy-Authorization' : 'Authorization', value: authorization }));
}
