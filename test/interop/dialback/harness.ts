import { readFileSync } from 'node:fs';
import { SipService, type IncomingRoute } from '../../../src/calls/sip-service.js';
import { createLogger } from '../../../src/logger.js';
import { applyPlan } from '../../../src/provisioning/apply.js';
import { parseProvisionFile } from '../../../src/provisioning/parse.js';
import { buildPlan } from '../../../src/provisioning/plan.js';
import type { Store } from '../../../src/store/db.js';
import { readSettings } from '../../../src/store/settings.js';
import type { IncomingCall } from '../../../src/sip/ua/incoming-call.js';
import { allocatePort, releasePorts } from '../../helpers/peers/ports.js';
import { openSqliteForTest } from '../../helpers/stores.js';

export const DEMO = readFileSync(new URL('../../../examples/demo.yaml', import.meta.url), 'utf8');

/** A PCMU answer, enough for signalling tests (no media flows in the SIP engine tests). */
export const ANSWER_SDP = Buffer.from(
  'v=0\r\no=dialback 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n',
);

/** RTP ports of Dialbacks under test: apart from the peers' ports (20000-29999) and the media tests' pools (31000-31399). */
export const TEST_RTP_PORTS = { first: 31400, last: 31999 };

export interface DialbackUnderTest {
  service: SipService;
  store: Store;
  port: number;
  /** host:port for peers to send to. */
  address: string;
  /** What the application does with routed calls; tests set it. */
  onCall: (call: IncomingCall, route: IncomingRoute) => void;
  calls: { call: IncomingCall; route: IncomingRoute }[];
  stop(): Promise<void>;
}

/** Dialback's SIP service on a provisioned store (examples/demo.yaml), on a port of its own. */
export async function startDialback(
  yaml: string = DEMO,
  algorithms: ('SHA-256' | 'MD5')[] = ['MD5'],
): Promise<DialbackUnderTest> {
  const store = await openSqliteForTest();
  await applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)));
  const port = await allocatePort();
  const service = new SipService({ sipHost: '127.0.0.1', sipPort: port, sipPublicAddress: null, sipDigestAlgorithms: algorithms, rtpPorts: TEST_RTP_PORTS }, store, createLogger('silent'), 'interop');
  await service.start();
  const under: DialbackUnderTest = {
    service,
    store,
    port,
    address: `127.0.0.1:${port}`,
    calls: [],
    onCall: (call) => call.answer(ANSWER_SDP),
    async stop() {
      await service.stop();
      await store.close();
      releasePorts(port);
    },
  };
  service.onIncomingCall = (call, route) => {
    under.calls.push({ call, route });
    under.onCall(call, route);
  };
  return under;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
