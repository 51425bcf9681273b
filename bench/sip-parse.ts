/**
 * Parser throughput for a typical INVITE with SDP: `npx tsx bench/sip-parse.ts [seconds]`.
 * Not a test; prints messages per second on one core.
 */
import { parseMessage, serializeMessage } from '../src/sip/message/index.js';

const sdp = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const invite = Buffer.from(
  [
    'INVITE sip:+4915112345678@sip.example.net;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;rport',
    'Via: SIP/2.0/UDP 203.0.113.20:5060;branch=z9hG4bK1a2b3c4d;received=203.0.113.20',
    'Max-Forwards: 69',
    'From: "Alice Example" <sip:alice@example.com>;tag=1928301774',
    'To: <sip:+4915112345678@sip.example.net;user=phone>',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@198.51.100.7:5060;transport=udp>',
    'Record-Route: <sip:proxy.example.net;lr>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY',
    'Supported: replaces, timer, 100rel',
    'User-Agent: Example-UA/1.2.3',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

const seconds = Number(process.argv[2] ?? 3);
// Warm up so the JIT has settled before timing.
for (let i = 0; i < 20_000; i++) parseMessage(invite);

let count = 0;
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < deadline) {
  for (let i = 0; i < 1000; i++) parseMessage(invite);
  count += 1000;
  now = process.hrtime.bigint();
}
const elapsed = Number(now - start) / 1e9;
const rate = Math.round(count / elapsed);
console.log(`parseMessage: ${rate.toLocaleString('en-US')} INVITEs/s (${invite.length} bytes each, ${count} in ${elapsed.toFixed(2)} s)`);

const msg = parseMessage(invite);
let n = 0;
const s2 = process.hrtime.bigint();
for (; n < 200_000; n++) serializeMessage(msg);
const e2 = Number(process.hrtime.bigint() - s2) / 1e9;
console.log(`serializeMessage: ${Math.round(n / e2).toLocaleString('en-US')} messages/s`);
