/**
 * A command the domain refuses, with the reason a person can act on. Workflows turn it
 * into a non-retryable ApplicationFailure of the same `kind`; the API turns that into
 * problem+json (Invalid → 422, Conflict → 409, NotFound → 404, Forbidden → 403).
 *
 * @example
 * throw new Rejection('Invalid', 'date 2019-01-01 is before the campaign starts (2019-09-01)', 'date');
 */
export type RejectionKind = 'Invalid' | 'Conflict' | 'NotFound' | 'Forbidden';

export class Rejection extends Error {
  constructor(
    readonly kind: RejectionKind,
    message: string,
    /** The request field at fault, when there is one. */
    readonly field?: string,
    /** Facts the caller needs to act, e.g. an item's current state. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}
