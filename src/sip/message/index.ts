/** The SIP message layer (RFC 3261 §7, §19, §20, §25): model, parser, accessors, serializer. */
export type * from './types.js';
export { MAX_MESSAGE_BYTES, SipParseError, parseMessage } from './parse.js';
export type { PartialRequest } from './parse.js';
export { formatUri, parseUri, uriEquals } from './uri.js';
export { formatNameAddress, parseNameAddress, tag } from './address.js';
export {
  addHeader,
  callId,
  canonicalHeaderName,
  contacts,
  contentType,
  cseq,
  expires,
  formatVia,
  fromHeader,
  getHeader,
  getHeaders,
  maxForwards,
  parseCSeq,
  parseVia,
  removeHeader,
  routes,
  setHeader,
  splitHeaderList,
  toHeader,
  topVia,
  vias,
} from './headers.js';
export { createResponse, reasonPhrase, responseForParseError, serializeMessage } from './serialize.js';
export type { ResponseOptions } from './serialize.js';
