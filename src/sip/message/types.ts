/**
 * SIP message model (RFC 3261 §7, §20, §25). Parsing fills it; serializing writes it.
 * Header names are kept in their canonical long form ("Via", "Call-ID", "CSeq"); compact
 * forms (v, i, f, t, m, l, c, k, s, e, o, r, u, x, y, ...) are expanded by the parser.
 */

/** Header and URI parameters: name (lower case) → value; null for a parameter without "=". */
export type Params = Map<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** Unescaped user part (tel: the number); null when absent. */
  user: string | null;
  password: string | null;
  /** Host name (lower case) or IPv4 address, or IPv6 reference WITH brackets: "[2001:db8::1]". */
  host: string;
  port: number | null;
  params: Params;
  /** URI headers (?a=b&c=d), unescaped. */
  headers: Map<string, string>;
}

/** From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity: name-addr or addr-spec with parameters. */
export interface NameAddress {
  displayName: string | null;
  uri: SipUri;
  params: Params;
}

/** Contact may also be "*" (REGISTER removal of all bindings). */
export type ContactValue = NameAddress | '*';

export interface Via {
  /** "UDP", "TCP", "TLS", "WS", ... upper case. */
  transport: string;
  host: string;
  port: number | null;
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** One header field line as received or to be sent: canonical name, raw value (unfolded, trimmed). */
export interface HeaderField {
  name: string;
  value: string;
}

export interface SipMessageBase {
  /** All header fields in order; a comma-joined list stays one field here (split by accessors). */
  headers: HeaderField[];
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  /** Upper-case token as received (extension methods allowed). */
  method: string;
  uri: SipUri;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;
