/** The prover market's errors: a caller's mistake (an id, an amount, time) or a broken ledger. */
import { NrxError } from "../util/errors.ts";
import type { Wei } from "./types.ts";

export class UnknownIdError extends NrxError {
  override name = "UnknownIdError";
  constructor(
    readonly kind: "account" | "block" | "request",
    readonly id: string | number,
  ) {
    super(`no ${kind} ${id}`);
  }
}

/** A prover registered twice, or a block or request id already live. */
export class DuplicateIdError extends NrxError {
  override name = "DuplicateIdError";
  constructor(
    readonly kind: "prover" | "block" | "request",
    readonly id: string | number,
  ) {
    super(`${kind} ${id} already exists`);
  }
}

/** A block or request the rules do not admit: `problem` says which rule. */
export class InvalidRequestError extends NrxError {
  override name = "InvalidRequestError";
  constructor(
    readonly id: string | number,
    readonly problem: string,
  ) {
    super(`invalid ${id}: ${problem}`);
  }
}

/** A deposit, escrow or stake movement larger than the free funds. */
export class InsufficientFundsError extends NrxError {
  override name = "InsufficientFundsError";
  constructor(
    readonly account: string,
    readonly needed: Wei,
    readonly available: Wei,
  ) {
    super(`${account} has ${available} wei, needs ${needed}`);
  }
}

/** `now` earlier than a time the market was already given: the market only moves forward. */
export class TimeWentBackwardsError extends NrxError {
  override name = "TimeWentBackwardsError";
  constructor(
    readonly now: number,
    readonly last: number,
  ) {
    super(`time ${now} is before the market's time ${last}`);
  }
}

/** `closeAuction` asked before the bidding end. */
export class AuctionNotOverError extends NrxError {
  override name = "AuctionNotOverError";
  constructor(
    readonly request: string,
    readonly biddingEnds: number,
  ) {
    super(`the auction of ${request} runs until ${biddingEnds}`);
  }
}

/** The ledger does not add up: a bug, never a market outcome. */
export class ConservationError extends NrxError {
  override name = "ConservationError";
}
