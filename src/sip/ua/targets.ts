import type { SipUri } from '../message/types.js';
import type { Endpoint } from '../transport/types.js';

/**
 * Where a request for a URI goes (RFC 3263 simplified: no NAPTR/SRV, an explicit or
 * default port, the transport parameter). Host names are resolved by the socket layer.
 */
export function endpointOf(uri: SipUri): Endpoint {
  const transport = uri.params.get('transport')?.toLowerCase();
  const host = uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host;
  return { protocol: transport === 'tcp' ? 'TCP' : 'UDP', address: host, port: uri.port ?? 5060 };
}
