/**
 * Interop tests need real peer binaries. A missing one fails the tests with the command
 * that installs it (scripts/install-test-deps.sh installs them all); nothing is skipped.
 */
import { which } from './processes.js';

const PACKAGE_OF: Record<string, string> = { sipp: 'sip-tester', baresip: 'baresip', sox: 'sox', chromium: 'chromium' };

export interface PeerRequirement {
  readonly missing: readonly string[];
  /** Human-readable reason when something is missing. */
  readonly reason: string | undefined;
  /** Throws when something is missing; call it in beforeAll so CI fails loudly. */
  assertAvailable(): void;
}


export function requirePeers(...commands: string[]): PeerRequirement {
  const missing = commands.filter((command) => which(command) === undefined);
  const reason =
    missing.length === 0
      ? undefined
      : `missing ${missing.join(', ')}: run scripts/install-test-deps.sh (apt-get install ${[...new Set(missing.map((m) => PACKAGE_OF[m] ?? m))].join(' ')})`;
  return {
    missing,
    reason,
    assertAvailable() {
      if (reason !== undefined) throw new Error(`interop peers unavailable: ${reason}`);
    },
  };
}
