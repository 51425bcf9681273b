/**
 * An error the domain raises for input or state it refuses. `code` is stable and
 * machine-readable (API clients and flows match on it); `message` is for people.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
