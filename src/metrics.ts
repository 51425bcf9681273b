import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Refusal reasons that are the fraud guard's (SPEC §7): velocity limits, licence caps, destination policy. */
export const FRAUD_GUARD_REASONS: ReadonlySet<string> = new Set([
  'too-many-for-number',
  'too-many-numbers-from-address',
  'too-many-from-address',
  'too-many-for-callnow-id',
  'too-many-callbacks-for-number',
  'too-many-callbacks-for-extension',
  'concurrent-calls',
  'daily-spend-cap',
  'number-not-allowed',
]);

function counter<Label extends string>(registry: Registry, name: string, help: string, labelNames: readonly Label[]): Counter<Label> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<Label extends string>(registry: Registry, name: string, help: string, labelNames: readonly Label[]): Gauge<Label> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** The kinds of request the flows run. */
export type FlowKind = 'callnow' | 'callback';

/**
 * What the server counts for Prometheus (SPEC §7: metrics, and the fraud guard's alerts): the
 * requests by how they went, what the fraud guard refused and why, the paid calls, their
 * minutes and cost. One registry per server, so tests can run several side by side. Labels
 * are the product's bounded words (states, reasons), never numbers or names.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Requests taken in: accepted, or refused with the reason (outside-hours, out-of-credit, concurrent-calls, ...). */
  readonly requests = counter(this.registry, 'dialback_requests_total', 'CallNow requests and callback triggers taken in, by kind, result (accepted, refused) and reason of a refusal', ['kind', 'result', 'reason'] as const);

  /** Requests that reached a final state. */
  readonly requestsEnded = counter(this.registry, 'dialback_requests_ended_total', 'Requests that reached a final state, by kind and state (completed, owner-no-answer, destination-refused, ...)', ['kind', 'state'] as const);

  /** Refusals of the fraud guard: velocity limits, licence caps, destination policy. Alert on these. */
  readonly fraudGuardRefusals = counter(this.registry, 'dialback_fraud_guard_refusals_total', 'Calls the fraud guard refused, by kind and reason (too-many-for-number, concurrent-calls, daily-spend-cap, number-not-allowed, ...)', ['kind', 'reason'] as const);

  /** Paid legs by how they ended: talked, not-answered, no-credit, limited. */
  readonly paidCalls = counter(this.registry, 'dialback_paid_calls_total', 'Paid calls to a requester or destination, by kind and outcome (talked, not-answered, no-credit, limited)', ['kind', 'outcome'] as const);

  readonly paidCallsInProgress = gauge(this.registry, 'dialback_paid_calls_in_progress', 'Paid calls being dialled or talking now in this process, by kind', ['kind'] as const);

  readonly billedSeconds = counter(this.registry, 'dialback_billed_seconds_total', 'Seconds billed on paid calls, by kind', ['kind'] as const);

  /** Micro-units of the server currency (1/1,000,000), so the sum stays exact in a float64 far longer than any meter runs. */
  readonly costMicros = counter(this.registry, 'dialback_call_cost_micros_total', 'What paid calls cost, in micro-units (1/1,000,000) of the server currency, by kind', ['kind'] as const);

  /** A request taken in; a refusal by the fraud guard counts there too, and a refused request has ended. */
  requestTakenIn(kind: FlowKind, refusal: string | null): void {
    this.requests.inc({ kind, result: refusal ? 'refused' : 'accepted', reason: refusal ?? '' });
    if (refusal === null) return;
    if (FRAUD_GUARD_REASONS.has(refusal)) this.fraudGuardRefusals.inc({ kind, reason: refusal });
    this.requestsEnded.inc({ kind, state: 'refused' });
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    // The process's own (CPU, memory, event loop lag), as every Node service exports them.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'dialback_' });
  }

  /** Registers a gauge read when Prometheus scrapes (SIP registrations, say). */
  scrapedGauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}
