import type { CollectResult } from '../media/dtmf.js';
import type { PlayOutcome } from '../media/player.js';
import type { PromptLanguage } from '../media/speech.js';
import type { FailureCause } from '../sip/ua/causes.js';
import type { TrunkTarget } from '../sip/ua/dialer.js';

/**
 * The call-control interface: everything a flow (CallNow, callback extension, PIN/ANI/DID,
 * web callback) does with calls. Flows never see SIP messages or RTP packets; they read
 * like the product's description of the call.
 */

/** How a connected call ended. */
export type HangupCause =
  /** The other party hung up. */
  | 'remote-hangup'
  /** We hung up (the flow, a bridge that ended, shutdown). */
  | 'local-hangup'
  /** No RTP from the peer for the media timeout: it vanished without a BYE. */
  | 'media-timeout'
  /** The signalling failed (our 200 was never acknowledged, a transport error). */
  | 'failed';

export interface CallEnd {
  cause: HangupCause;
  /** Milliseconds since the epoch. */
  at: number;
}

/** A prompt to say: shipped prompt names (or an account's recordings by the same names), in one language. */
export interface Say {
  prompts: readonly string[];
  language: PromptLanguage;
  /** Play this account's sound-library recordings where it (or an account above it) has one by that name. */
  account?: number;
  /** The shipped prompt to play (and log) when a name is neither a recording nor a shipped prompt. */
  fallback?: string;
  /** Stops the prompt early (e.g. "please wait" once the other side answers). */
  signal?: AbortSignal;
  /** Stop playing when the listener presses a key; the key is kept for the next collect. */
  bargeIn?: boolean;
}

export interface CollectOptions {
  /** Stop after this many digits (the terminator not counted). */
  maxLength: number;
  /** Ends collection and is not included; default '#', '' for none. */
  terminator?: string;
  /** Longest wait between two digits, from the first. */
  interDigitTimeoutMs?: number;
  /** Longest wait overall, including for the first digit. */
  timeoutMs?: number;
  /** Forget digits pressed before this collect began (default: keep them, "type-ahead"). */
  discardTypeAhead?: boolean;
}

/** One answered leg: ours to talk to, listen to, and hang up. */
export interface Call {
  /** The SIP Call-ID: joins the CDR to the signalling. */
  readonly id: string;
  readonly answeredAt: number;
  /** Aborted when the call ends, however it ends: pass it to everything that waits on the call. */
  readonly signal: AbortSignal;
  /** Resolves once, when the call has ended. */
  readonly ended: Promise<CallEnd>;
  /** 'interrupted' when a key was pressed (barge-in) or the call ended first. */
  say(say: Say): Promise<PlayOutcome>;
  /** Collects keypad digits (RFC 4733 and SIP INFO alike). A hang-up resolves with reason 'aborted'. */
  collectDigits(options: CollectOptions): Promise<CollectResult>;
  /** Hangs up (BYE). Safe to call more than once, and after the peer hung up. */
  hangup(): Promise<void>;
}

export type Originated =
  | { answered: true; call: Call }
  | { answered: false; cause: FailureCause; status: number; reason: string };

export interface OriginateOptions {
  /** Give up (CANCEL) when nobody answered within this time. */
  ringSeconds: number;
  /** Aborting cancels the attempt (e.g. the requester left). */
  signal?: AbortSignal;
  /** The callee's phone is ringing (first 180/183). */
  onRinging?: () => void;
}

export interface ExtensionCallOptions extends OriginateOptions {
  /** What the phone's display shows: the caller's name and number. */
  caller: { name: string | null; number: string | null };
}

export interface NumberCallOptions extends OriginateOptions {
  trunk: TrunkTarget;
  /** E.164 caller ID presented to the callee (From and P-Asserted-Identity); null withholds it. */
  callerId: string | null;
  callerName?: string | null;
}

/** Two calls talking to each other through Dialback. */
export interface Bridge {
  /** When both parties were connected (talk time counts from here). */
  readonly startedAt: number;
  /** Whole seconds talked so far; a started second counts. */
  talkSeconds(now?: number): number;
  /** Resolves when either side hangs up (or the bridge is stopped), with the side that left first. */
  readonly ended: Promise<{ first: Call | null; at: number }>;
  /** Stops relaying to `side` and says something to it (e.g. "your credit is exhausted"). */
  interrupt(side: Call, say: Omit<Say, 'bargeIn'>): Promise<PlayOutcome>;
  /** Stops relaying; both calls stay up. */
  stop(): void;
}

/** A call someone is making to us, not answered yet. */
export interface IncomingLeg {
  /**
   * The caller's number as the carrier asserts it (P-Asserted-Identity, else From), or null
   * when it is withheld (Privacy: id, anonymous).
   */
  readonly callerId: string | null;
  /** The number dialled (the Request-URI's user). */
  readonly dialled: string | null;
  /** Resolves if the caller hangs up before we answer or refuse. */
  readonly abandoned: Promise<void>;
  /** Lets it ring (180). */
  ring(): void;
  /** Refuses it without answering, so the caller is charged nothing: busy 486, unavailable 480, declined 603. */
  reject(cause: 'busy' | 'unavailable' | 'declined'): void;
}

export interface CallControl {
  /** Rings every registered phone of an extension; the first to answer gets the call. */
  callExtension(extension: string, options: ExtensionCallOptions): Promise<Originated>;
  /** Calls an E.164 number through a carrier trunk. */
  callNumber(e164: string, options: NumberCallOptions): Promise<Originated>;
  /** Connects two answered calls. When one side hangs up, the bridge ends; hanging up the other is the flow's choice. */
  bridge(a: Call, b: Call): Bridge;
  /** True while the extension has a call ringing or up, in either direction. */
  isOnThePhone(extension: string): boolean;
}
