import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * SIPp scenarios for callback tests, written per test since the digits differ.
 *
 * The carrier (one trunk carries both legs Dialback places): an INVITE to the traveller's
 * number is the callback — answered, then the traveller "presses" keys as SIP INFO
 * (application/dtmf-relay), one per key, in groups with pauses between (as a person waits
 * for the next prompt), then either hangs up after `hangUpAfterMs` or waits for Dialback
 * to hang up. Any other INVITE is the destination: answered, then waits for Dialback's BYE.
 */
export interface CarrierScript {
  /** E.164 of the traveller, as Dialback calls it back. */
  traveller: string;
  /** Key groups, e.g. ['4711#', '0298765432#']; each group's keys 150 ms apart. */
  keys: string[];
  /** Pause before each group, ms (the first after the answer). */
  pauseBeforeGroupMs: number;
  /** The traveller hangs up this long after the last key; null: waits for Dialback's BYE. */
  hangUpAfterMs: number | null;
  /** Whether the destination answers (false: 486 busy). */
  destinationAnswers?: boolean;
}

const SDP = `v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
      a=sendrecv`;

function reply(status: string, withSdp = false): string {
  return `  <send${withSdp ? ' retrans="500"' : ''}>
    <![CDATA[

      SIP/2.0 ${status}
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
      ${withSdp ? 'Content-Type: application/sdp\n      Content-Length: [len]\n\n      ' + SDP : 'Content-Length: 0'}

    ]]>
  </send>`;
}

function request(method: string, cseq: number, body?: string): string {
  const content = body === undefined ? 'Content-Length: 0' : `Content-Type: application/dtmf-relay\n      Content-Length: [len]\n\n      ${body}`;
  return `  <send retrans="500">
    <![CDATA[

      ${method} [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      From:[$local_to];tag=[pid]SIPpTag01[call_number]
      To:[$remote_from]
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Max-Forwards: 70
      ${content}

    ]]>
  </send>
  <recv response="200" crlf="true"/>`;
}

const ANSWER_BYE = `  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;

export function writeCarrierScenario(script: CarrierScript): string {
  const travellerUser = script.traveller.replace('+', '\\+');
  let cseq = 1;
  const keySteps = script.keys
    .map((group) => {
      const presses = [...group].map((key) => `${request('INFO', cseq++, `Signal=${key}\n      Duration=160`)}\n  <pause milliseconds="150"/>`).join('\n');
      return `  <pause milliseconds="${script.pauseBeforeGroupMs}"/>\n${presses}`;
    })
    .join('\n');
  const ending =
    script.hangUpAfterMs === null
      ? `  <recv request="BYE"/>\n${ANSWER_BYE}`
      : `  <pause milliseconds="${script.hangUpAfterMs}"/>\n${request('BYE', cseq++)}`;
  const destination =
    script.destinationAnswers === false
      ? `${reply('486 Busy Here')}\n  <recv request="ACK" next="end"/>`
      : `${reply('180 Ringing')}\n${reply('200 OK', true)}\n  <recv request="ACK" crlf="true"/>\n  <recv request="BYE"/>\n${ANSWER_BYE}\n  <nop next="end"/>`;
  const xml = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="callback-carrier">
  <recv request="INVITE" crlf="true" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="local_to"/>
      <ereg regexp="^INVITE sip:${travellerUser}@" search_in="msg" check_it="false" assign_to="traveller"/>
    </action>
  </recv>
${reply('100 Trying')}
  <nop test="traveller" next="traveller"/>
${destination}
  <label id="traveller"/>
${reply('180 Ringing')}
${reply('200 OK', true)}
  <recv request="ACK" crlf="true"/>
${keySteps}
${ending}
  <label id="end"/>
</scenario>
`;
  const dir = mkdtempSync(join(tmpdir(), 'dialback-callback-'));
  const path = join(dir, 'carrier.xml');
  writeFileSync(path, xml);
  return path;
}

/** The traveller's trigger: INVITE to the DID, ringing, then refused; ACK. */
export function writeTriggerScenario(options: { expectStatus: number }): string {
  const xml = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="callback-trigger">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK[pid]-[call_number]-inv;rport
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
      [privacy]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      ${SDP}

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180"/>
  <recv response="${options.expectStatus}" rtd="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK[pid]-[call_number]-inv;rport
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;
  const dir = mkdtempSync(join(tmpdir(), 'dialback-trigger-'));
  const path = join(dir, 'trigger.xml');
  writeFileSync(path, xml);
  return path;
}
