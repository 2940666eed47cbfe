/**
 * The market's money: each account's free balance, bonded stake and stake locked as collateral,
 * the requests a prover holds against its stake, and the totals that leave circulation (escrow,
 * burns, penalties). Every wei that enters through `deposit` or `registerProver` is accounted
 * for until `withdraw` or `unbond` takes it out.
 */
import { DuplicateIdError, InsufficientFundsError, UnknownIdError } from "./errors.ts";
import type { AccountView, Wei } from "./types.ts";

export type Account = { id: string; balance: Wei; stake: Wei; locked: Wei; held: number; prover: boolean };

/**
 * @example
 * const ledger = new Ledger(ETHER);
 * ledger.registerProver("p1", 4n * ETHER);
 * ledger.canHold(ledger.existing("p1"), ETHER / 10n); // undefined: it may
 */
export class Ledger {
  readonly accounts = new Map<string, Account>();
  /** Wei that entered the market (deposits, stake) less what left it (withdrawals). */
  supply = 0n;
  /** Wei held for live requests: payments and bounties. */
  escrowed = 0n;
  burned = 0n;
  penalties = 0n;

  /** @param stakePerRequest the stake each request a prover holds needs (0: no limit). */
  constructor(private readonly stakePerRequest: Wei) {}

  deposit(id: string, amount: Wei): void {
    if (amount < 0n) throw new RangeError(`cannot deposit ${amount}`);
    this.account(id).balance += amount;
    this.supply += amount;
  }

  withdraw(id: string, amount: Wei): void {
    const a = this.existing(id);
    if (amount < 0n) throw new RangeError(`cannot withdraw ${amount}`);
    if (a.balance < amount) throw new InsufficientFundsError(id, amount, a.balance);
    a.balance -= amount;
    this.supply -= amount;
  }

  registerProver(id: string, stake: Wei): void {
    if (stake < 0n) throw new RangeError(`cannot stake ${stake}`);
    const a = this.account(id);
    if (a.prover) throw new DuplicateIdError("prover", id);
    a.prover = true;
    a.stake += stake;
    this.supply += stake;
  }

  unbond(id: string, amount: Wei): void {
    const a = this.existing(id);
    if (amount < 0n) throw new RangeError(`cannot unbond ${amount}`);
    if (a.stake < amount) throw new InsufficientFundsError(id, amount, a.stake);
    a.stake -= amount;
    this.supply -= amount;
  }

  view(id: string): AccountView {
    const a = this.existing(id);
    return { balance: a.balance, stake: a.stake, locked: a.locked, held: a.held, limit: this.limit(a) };
  }

  /** The prover `id`, or undefined when there is no such prover. */
  prover(id: string): Account | undefined {
    const a = this.accounts.get(id);
    return a?.prover ? a : undefined;
  }

  /** Requests a prover may hold at once: its bonded stake over `stakePerRequest`. */
  limit(a: Account): number {
    if (this.stakePerRequest === 0n) return Number.POSITIVE_INFINITY;
    return Number((a.stake + a.locked) / this.stakePerRequest);
  }

  canHold(p: Account, collateral: Wei): "concurrency-limit" | "insufficient-stake" | undefined {
    if (p.held >= this.limit(p)) return "concurrency-limit";
    if (p.stake < collateral) return "insufficient-stake";
    return undefined;
  }

  /** Locks `collateral` of `p`'s stake for one request it holds. */
  reserve(p: Account, collateral: Wei): void {
    p.stake -= collateral;
    p.locked += collateral;
    p.held += 1;
  }

  release(p: Account, collateral: Wei): void {
    p.locked -= collateral;
    p.stake += collateral;
    p.held -= 1;
  }

  /** The account `id`, opened empty if new. */
  account(id: string): Account {
    let a = this.accounts.get(id);
    if (!a) {
      a = { id, balance: 0n, stake: 0n, locked: 0n, held: 0, prover: false };
      this.accounts.set(id, a);
    }
    return a;
  }

  existing(id: string): Account {
    const a = this.accounts.get(id);
    if (!a) throw new UnknownIdError("account", id);
    return a;
  }
}
