/**
 * The discrete-event simulator of proof mode (DESIGN.md §7, issue 5): each slot a block from the
 * model's stream; for each of its proof types a request in the real `ProofMarket`; prover
 * clusters (one block at a time) that bid, prove, deliver, fail, get slashed and rescue; altruistic
 * provers that start when the market says a slot passed without the block's proofs.
 *
 * Choices (why):
 * - A prover starts proving as soon as it bids (speculatively, before the auction closes), as a
 *   real-time prover must: the published latencies are measured from the block, so waiting for
 *   the auction would add its length to every proof. A loser stops at the close and pays for the
 *   GPU time it spent.
 * - A prover bids only if it expects to finish by the deadline at its p90 time (nominal × the
 *   latency multiplier's 90th percentile) after the work it already holds, and only above cost.
 * - Work nobody holds (a sealed auction without bids, an unlocked Dutch request, a slashed
 *   winner's request after its window) goes to a pool that idle provers of that type take, oldest
 *   first: this is how rescues happen.
 * - A failed attempt is dropped (not retried): the market slashes the winner at the deadline and
 *   the request goes to the pool.
 */
import { ProofMarket } from "../market/market.ts";
import type { MarketEvent, Wei } from "../market/types.ts";
import { Rng } from "../util/prng.ts";
import type { SimConfig } from "./config.ts";
import { EventQueue } from "./events.ts";
import { type Block, sampleBlock } from "./model/blocks.ts";
import { provingCostUsd, provingTime, sampleOutage } from "./model/provers.ts";
import {
  askFor,
  freeAt,
  type Job,
  newJob,
  newProverState,
  type ProverOutcome,
  type ProverState,
  provingCostWei,
} from "./prover.ts";
import { dutchLockTime, maxPriceOf, payFor, proofRequest } from "./requests.ts";

/** The raw outcome of a run, summarized by `buildReport`. */
export interface SimOutcome {
  readonly slots: number;
  readonly slotSeconds: number;
  /** Per block: seconds from its slot start to its k-th proof; NaN if never proven. */
  readonly latencies: Float64Array;
  /** Winning price of each won request, in wei, with the slot it was for. */
  readonly clearing: { slot: number; price: Wei }[];
  readonly provers: ProverOutcome[];
  readonly slashes: number;
  readonly missedSlots: number;
  readonly penaltiesPaid: Wei;
  readonly abandonedBlocks: number;
  readonly burned: Wei;
  /** Requests that ended without a proof (expired or given up). */
  readonly expiredRequests: number;
  /** The market's conservation check passed at the end (it throws otherwise). */
  readonly conserved: true;
}

/** Options of one run; `onProgress` is called now and then with the slots simulated. */
export interface RunOptions {
  readonly seed?: number;
  readonly slots?: number;
  readonly onProgress?: (slotsDone: number, slots: number) => void;
}

type BlockInfo = { time: number; block: Block; delivered: Set<string> };

type PoolItem = {
  request: string | null;
  block: number;
  proofType: string;
  exclude: string | null;
  taken: boolean;
};

type SimEvent =
  | { kind: "slot"; slot: number }
  | { kind: "tick" }
  | { kind: "done"; prover: ProverState; job: Job; seconds: number; failed: boolean }
  | { kind: "lock"; prover: ProverState; job: Job }
  | { kind: "down"; prover: ProverState; until: number }
  | { kind: "up"; prover: ProverState };

const PROPOSER = "proposer";
const PROGRESS_EVERY = 1000;

/**
 * Runs the simulation and returns its raw outcome (deterministic for a seed).
 *
 * @example
 * const outcome = runSimulation(loadSimConfig("examples/sp1-hypercube.json"), { slots: 1000 });
 * buildReport(config, outcome).shareWithin12s; // ≈ 0.93
 */
export function runSimulation(config: SimConfig, options: RunOptions = {}): SimOutcome {
  return new Simulation(config, options).run();
}

class Simulation {
  private readonly market: ProofMarket;
  private readonly rng: Rng;
  private readonly outageRng: Rng;
  private readonly agenda = new EventQueue<SimEvent>();
  private readonly provers: ProverState[];
  private readonly byId = new Map<string, ProverState>();
  private readonly blocks = new Map<number, BlockInfo>();
  /** Tentative jobs per request, to stop the losers when the request is won. */
  private readonly bidders = new Map<string, { prover: ProverState; job: Job }[]>();
  private readonly pool: PoolItem[] = [];
  private readonly slots: number;
  private readonly latencies: Float64Array;
  private readonly clearing: { slot: number; price: Wei }[] = [];
  private slashes = 0;
  private missedSlots = 0;
  private penaltiesPaid = 0n;
  private abandoned = 0;
  private expired = 0;

  constructor(
    private readonly config: SimConfig,
    private readonly options: RunOptions,
  ) {
    const m = config.market;
    this.market = new ProofMarket({
      slotSeconds: config.slotSeconds,
      genesisTime: 0,
      missedSlotPenalty: m.missedSlotPenalty,
      slashBurnBasisPoints: m.slashBurnBasisPoints,
      stakePerRequest: m.stakePerRequest,
      slotsBeforeNoop: m.slotsBeforeNoop,
    });
    this.rng = new Rng(options.seed ?? config.model.seed);
    // Outages draw from their own stream, so adding them leaves every block and proof as it was.
    this.outageRng = new Rng(((options.seed ?? config.model.seed) ^ 0x07a6e5) >>> 0);
    this.slots = options.slots ?? config.slots;
    this.latencies = new Float64Array(this.slots).fill(Number.NaN);
    this.provers = config.provers.map(newProverState);
    for (const p of this.provers) {
      this.byId.set(p.spec.id, p);
      this.market.registerProver(p.spec.id, p.spec.altruistic ? 0n : p.spec.stake);
    }
  }

  run(): SimOutcome {
    for (let s = 0; s < this.slots; s++)
      this.agenda.schedule(s * this.config.slotSeconds, { kind: "slot", slot: s });
    for (const p of this.provers) this.scheduleOutage(p, 0);
    for (let e = this.agenda.next(); e; e = this.agenda.next()) this.handle(e.at, e.event);
    // Settle what is left: every block is proven, given up, or its requests expired by then.
    const end = this.slots * this.config.slotSeconds + this.config.market.expirySeconds;
    const settle = end + this.config.slotSeconds * (this.config.market.slotsBeforeNoop + 1);
    this.market.advanceTo(settle);
    this.react(this.market.takeEvents(), settle);
    this.market.checkConservation();
    this.options.onProgress?.(this.slots, this.slots);
    return {
      slots: this.slots,
      slotSeconds: this.config.slotSeconds,
      latencies: this.latencies,
      clearing: this.clearing,
      provers: this.provers.map((p) => p.out),
      slashes: this.slashes,
      missedSlots: this.missedSlots,
      penaltiesPaid: this.penaltiesPaid,
      abandonedBlocks: this.abandoned,
      burned: this.market.burned,
      expiredRequests: this.expired,
      conserved: true,
    };
  }

  private handle(now: number, e: SimEvent): void {
    this.market.advanceTo(now);
    this.react(this.market.takeEvents(), now);
    switch (e.kind) {
      case "slot":
        this.openSlot(e.slot, now);
        if (e.slot % PROGRESS_EVERY === 0) this.options.onProgress?.(e.slot, this.slots);
        break;
      case "tick":
        break;
      case "done":
        this.finishAttempt(e.prover, e.job, e.seconds, e.failed, now);
        break;
      case "lock":
        this.tryLock(e.prover, e.job, now);
        break;
      case "down":
        this.goDown(e.prover, e.until, now);
        break;
      case "up":
        e.prover.downUntil = 0;
        if (e.prover.current === null) this.startNext(e.prover, now);
        this.scheduleOutage(e.prover, now);
        break;
    }
    this.react(this.market.takeEvents(), now);
  }

  // ── Slots and requests ──────────────────────────────────────────────────────────────────

  private openSlot(slot: number, now: number): void {
    const m = this.config.market;
    const block = sampleBlock(this.config.model.stream, this.rng);
    this.blocks.set(slot, { time: now, block, delivered: new Set() });
    this.market.openBlock(
      { block: slot, slot, proposer: PROPOSER, proofTypes: m.proofTypes, required: m.required },
      now,
    );
    const maxPrice = maxPriceOf(this.config, block, slot);
    for (const proofType of m.proofTypes) {
      const id = `${slot}/${proofType}`;
      // The proposer pays as it goes; a penalty debt (the market lets it go negative) is paid first.
      const balance = this.market.accountOf(PROPOSER).balance;
      if (balance < maxPrice) this.market.deposit(PROPOSER, maxPrice - balance);
      this.market.openRequest(proofRequest(m, { id, slot, proofType, gas: block.gas, maxPrice }, now), now);
      for (const p of this.provers) {
        if (!p.spec.altruistic && p.spec.model.zkvm.name === proofType)
          this.considerBid(p, id, slot, block, maxPrice, now);
      }
      // An unlocked Dutch request is open to anyone at the ramp's price: with no bidder, pool it.
      if (m.rule === "dutch" && !this.bidders.has(id)) this.poolRequest(id, null, now);
      // Closing the auction (or the end of the Dutch ramp) and the deadline are when work can
      // change hands, so the simulator looks at the market then.
      this.agenda.schedule(now + m.biddingSeconds, { kind: "tick" });
      this.agenda.schedule(now + m.deadlineSeconds, { kind: "tick" });
    }
  }

  /** Bids (or plans a Dutch lock) if the prover expects to meet the deadline above its cost. */
  private considerBid(
    p: ProverState,
    request: string,
    slot: number,
    block: Block,
    maxPrice: Wei,
    now: number,
  ): void {
    const m = this.config.market;
    if (now < p.downUntil) return;
    const ask = askFor(p, block, maxPrice, this.config.fees.ethUsd);
    if (ask === undefined) return;
    const { price, expected } = ask;
    // Expecting to miss the deadline it does not bid (a slash would follow), but it still proves
    // the block speculatively: if nobody wins it, anyone may deliver it, for the max price.
    const bids = freeAt(p, now) + expected <= now + m.deadlineSeconds;
    const job = newJob({
      block: slot,
      proofType: p.spec.model.zkvm.name,
      request,
      tentative: true,
      expected,
    });
    if (!bids) {
      job.shadow = true;
    } else if (m.rule === "sealed-bid") {
      if (!this.market.submitBid(request, p.spec.id, price, now).ok) return;
    } else {
      this.agenda.schedule(dutchLockTime(this.market, request, price, now, m.biddingSeconds), {
        kind: "lock",
        prover: p,
        job,
      });
    }
    const list = this.bidders.get(request) ?? [];
    this.bidders.set(request, list);
    list.push({ prover: p, job });
    this.enqueue(p, job, now);
  }

  private tryLock(p: ProverState, job: Job, now: number): void {
    if (job.cancelled || !job.tentative || job.request === null) return;
    const r = this.market.lock(job.request, p.spec.id, now);
    if (!r.ok) this.cancel(p, job, now);
  }

  // ── Provers ─────────────────────────────────────────────────────────────────────────────

  private enqueue(p: ProverState, job: Job, now: number): void {
    p.queue.push(job);
    if (!p.current) this.startNext(p, now);
  }

  /** The prover's next outage after `from` (exponential up and down times), within the run. */
  private scheduleOutage(p: ProverState, from: number): void {
    const { upHours, downHours } = sampleOutage(p.spec.model, this.outageRng);
    const start = from + upHours * 3600;
    if (start < this.slots * this.config.slotSeconds) {
      this.agenda.schedule(start, { kind: "down", prover: p, until: start + downHours * 3600 });
    }
  }

  /** An outage: the work in hand is lost (its GPU time paid), nothing new until it is over. */
  private goDown(p: ProverState, until: number, now: number): void {
    p.downUntil = until;
    for (const job of p.queue) job.cancelled = true;
    p.queue = [];
    if (p.current !== null) this.cancel(p, p.current, now);
    this.agenda.schedule(until, { kind: "up", prover: p });
  }

  /** Starts the prover's next queued job, or takes one from the pool when it has none. */
  private startNext(p: ProverState, now: number): void {
    p.current = null;
    if (now < p.downUntil) return;
    let job: Job | undefined;
    let info: BlockInfo | undefined;
    // Skip jobs stopped while queued and blocks given up meanwhile.
    while (!info) {
      job = p.queue.shift();
      while (job?.cancelled) job = p.queue.shift();
      job ??= this.takeFromPool(p, now);
      if (!job) return;
      info = this.blocks.get(job.block);
    }
    if (!job) return;
    job.startedAt = now;
    p.current = job;
    const attempt = provingTime(p.spec.model, info.block, this.rng);
    this.agenda.schedule(now + attempt.seconds, {
      kind: "done",
      prover: p,
      job,
      seconds: attempt.seconds,
      failed: attempt.failed,
    });
  }

  private takeFromPool(p: ProverState, now: number): Job | undefined {
    const type = p.spec.model.zkvm.name;
    for (let i = 0; i < this.pool.length; i++) {
      const item = this.pool[i];
      if (item.taken || item.proofType !== type || item.exclude === p.spec.id) continue;
      const info = this.blocks.get(item.block);
      if (!info) continue;
      // Altruists act only on the market's altruistic-start; the pool is paid work, taken only
      // when it pays for the GPU time.
      if (p.spec.altruistic || item.request === null) continue;
      if (payFor(this.market, item.request, now) < provingCostWei(p, info.block, this.config.fees.ethUsd))
        continue;
      item.taken = true;
      this.pool.splice(i, 1);
      return newJob({ block: item.block, proofType: item.proofType, request: item.request, fromPool: true });
    }
    return undefined;
  }

  /** Stops a job: the GPU time so far is paid for, and the prover moves on. */
  private cancel(p: ProverState, job: Job, now: number): void {
    if (job.cancelled) return;
    job.cancelled = true;
    if (p.current === job) {
      p.out.costUsd += provingCostUsd(p.spec.model, now - job.startedAt);
      this.startNext(p, now);
    }
  }

  private finishAttempt(p: ProverState, job: Job, seconds: number, failed: boolean, now: number): void {
    if (job.cancelled) return;
    p.out.costUsd += provingCostUsd(p.spec.model, seconds);
    if (failed) {
      p.out.failures++;
      if (job.fromPool) this.addToPool({ ...job, exclude: null, taken: false }, now);
    } else {
      const r = this.market.deliverProof(job.block, job.proofType, p.spec.id, now);
      if (r.ok) p.out.delivered++;
      // A tentative winner of a Dutch request that nobody locked may still deliver at the price.
      if (!r.ok && r.reason === "auction-open") p.out.failures++;
    }
    job.cancelled = true;
    this.startNext(p, now);
  }

  // ── Work nobody holds ───────────────────────────────────────────────────────────────────

  private addToPool(item: PoolItem, now: number): void {
    this.pool.push(item);
    for (const p of this.provers) {
      if (!p.current && p.queue.length === 0 && p.spec.model.zkvm.name === item.proofType)
        this.startNext(p, now);
    }
  }

  private removeFromPool(match: (item: PoolItem) => boolean): void {
    for (let i = this.pool.length - 1; i >= 0; i--) if (match(this.pool[i])) this.pool.splice(i, 1);
  }

  // ── Market events ───────────────────────────────────────────────────────────────────────

  private react(events: MarketEvent[], now: number): void {
    for (const e of events) this.onEvent(e, now);
  }

  private onEvent(e: MarketEvent, now: number): void {
    switch (e.type) {
      case "locked": {
        const slot = Number.parseInt(e.request, 10);
        this.clearing.push({ slot, price: e.price });
        const winner = this.byId.get(e.prover)!;
        winner.out.won++;
        for (const b of this.bidders.get(e.request) ?? []) {
          if (b.prover === winner) b.job.tentative = false;
          else this.cancel(b.prover, b.job, now);
        }
        this.bidders.delete(e.request);
        return;
      }
      case "unassigned": {
        // A prover already proving it speculatively keeps it (the earliest); the rest stop.
        const shadows = (this.bidders.get(e.request) ?? []).filter((b) => !b.job.cancelled);
        this.bidders.delete(e.request);
        if (shadows.length === 0) {
          this.poolRequest(e.request, null, now);
          return;
        }
        shadows[0].job.tentative = false;
        for (const b of shadows.slice(1)) this.cancel(b.prover, b.job, now);
        return;
      }
      case "slashed": {
        this.slashes++;
        const p = this.byId.get(e.prover)!;
        p.out.slashes++;
        p.out.slashedWei += e.burned + e.bounty;
        this.poolRequest(e.request, e.prover, now);
        return;
      }
      case "paid":
        this.byId.get(e.prover)!.out.revenue += e.price;
        return;
      case "rescued": {
        const p = this.byId.get(e.prover)!;
        p.out.revenue += e.reward;
        p.out.rescues++;
        return;
      }
      case "expired":
        this.expired++;
        this.removeFromPool((i) => i.request === e.request);
        return;
      case "proof":
        this.blocks.get(e.block)?.delivered.add(e.proofType);
        return;
      case "block-proven": {
        const info = this.blocks.get(e.block)!;
        if (e.block < this.slots) this.latencies[e.block] = e.at - info.time;
        this.removeFromPool((i) => i.block === e.block && i.request === null);
        return;
      }
      case "slot-missed":
        this.missedSlots++;
        this.penaltiesPaid += e.penalty;
        return;
      case "altruistic-start":
        this.startAltruists(e.block, now);
        return;
      case "block-abandoned":
        this.abandoned++;
        this.dropBlock(e.block, now);
        return;
      case "request-opened":
        return;
    }
  }

  /** A request anyone (but `exclude`) may now deliver goes to the pool, unless the block is done. */
  private poolRequest(request: string, exclude: string | null, now: number): void {
    const slash = request.indexOf("/");
    const block = Number(request.slice(0, slash));
    const proofType = request.slice(slash + 1);
    if (this.blocks.get(block)?.delivered.has(proofType)) return;
    this.addToPool({ request, block, proofType, exclude, taken: false }, now);
  }

  /** Altruistic provers take the block's missing proof types (unpaid, or a bounty if slashed). */
  private startAltruists(block: number, now: number): void {
    const info = this.blocks.get(block);
    if (!info) return;
    for (const proofType of this.config.market.proofTypes) {
      if (info.delivered.has(proofType)) continue;
      for (const p of this.provers) {
        if (!p.spec.altruistic || p.spec.model.zkvm.name !== proofType) continue;
        this.enqueue(p, newJob({ block, proofType, request: null }), now);
        break;
      }
    }
  }

  /** A given-up block: its work stops and it is forgotten. */
  private dropBlock(block: number, now: number): void {
    this.removeFromPool((i) => i.block === block);
    for (const p of this.provers) {
      for (const j of p.queue) if (j.block === block) j.cancelled = true;
      if (p.current?.block === block) this.cancel(p, p.current, now);
    }
    this.blocks.delete(block);
  }
}
