/**
 * The base of every error the project names. `message` says what went wrong in one line a user
 * can read; `cause` is the error underneath, if any; `details` carries the facts a caller acts
 * on (a field, a reason, an index), typed by each subclass.
 *
 * @example
 * class DeployError extends NrxError<{ chainId: bigint }> {
 *   override name = "DeployError";
 * }
 * throw new DeployError("the L2 chain id 1 is the L1's", { details: { chainId: 1n } });
 */
export class NrxError<Details extends object = Record<string, never>> extends Error {
  override name = "NrxError";
  readonly details: Details;

  constructor(message: string, options: { cause?: unknown; details?: Details } = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.details = options.details ?? ({} as Details);
  }
}

/** A command's arguments are wrong: the message says which and how to call it. */
export class UsageError extends NrxError {
  override name = "UsageError";
}
