/**
 * Finding message boundaries in a TCP byte stream (RFC 3261 §18.3): the header block ends
 * at the first empty line and the body is Content-Length bytes long. Works on raw bytes
 * so a half-received message costs no parsing.
 */
export type Frame =
  | { kind: 'incomplete' }
  | { kind: 'keepalive'; length: number; ping: boolean }
  | { kind: 'message'; length: number }
  | { kind: 'oversized'; reason: string }
  | { kind: 'invalid'; reason: string };

const CR = 13;
const LF = 10;
const HEADER_END = Buffer.from('\r\n\r\n');
// Content-Length or its compact form "l", at the start of a header line.
const CONTENT_LENGTH = /(?:^|\r\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i;

export function findMessageEnd(buffer: Buffer, maxMessageBytes: number): Frame {
  // Leading CRLFs between messages are keep-alives (RFC 5626 §3.5.1 uses CRLFCRLF as a ping).
  let leading = 0;
  while (leading < buffer.length && (buffer[leading] === CR || buffer[leading] === LF)) leading++;
  if (leading > 0) {
    if (leading === buffer.length && leading < 4) return { kind: 'incomplete' };
    const ping = leading >= 4 && buffer.subarray(0, 4).equals(HEADER_END);
    return { kind: 'keepalive', length: ping ? 4 : leading, ping };
  }
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) {
    return buffer.length > maxMessageBytes
      ? { kind: 'oversized', reason: `no end of headers within ${maxMessageBytes} bytes` }
      : { kind: 'incomplete' };
  }
  const head = buffer.toString('latin1', 0, headerEnd);
  const match = CONTENT_LENGTH.exec(head);
  // A stream message without Content-Length has no body we could find (§18.3 makes it mandatory).
  const lengthText = match?.[1]?.trim() ?? '0';
  if (!/^\d{1,9}$/.test(lengthText)) return { kind: 'invalid', reason: `bad Content-Length "${lengthText.slice(0, 20)}"` };
  const total = headerEnd + 4 + Number(lengthText);
  if (total > maxMessageBytes) return { kind: 'oversized', reason: `message of ${total} bytes is over ${maxMessageBytes}` };
  if (buffer.length < total) return { kind: 'incomplete' };
  return { kind: 'message', length: total };
}
