/**
 * EWS throttling as Exchange Online (and Exchange Server 2013 and later) applies it to one budget
 * owner: a cap on concurrent requests (EWSMaxConcurrency) and a resource budget in milliseconds
 * (EwsMaxBurst, EwsRechargeRate, EwsCutoffBalance).
 *
 * What Microsoft documents ("EWS throttling in Exchange", "Exchange workload management"):
 * - EWSMaxConcurrency is 27 in Exchange Online and Exchange 2013 (10 in Exchange 2010). A connection
 *   is held from the moment a request is received until its response is sent; one more fails with
 *   ErrorExceededConnectionCount while the existing ones carry on.
 * - The budget: a caller may burst (EwsMaxBurst), the budget recharges at EwsRechargeRate
 *   milliseconds per hour, and a caller past its cutoff is blocked until its budget has recharged.
 *   A blocked request is answered ErrorServerBusy (HTTP 500) with BackOffMilliseconds, the time the
 *   client should wait before it resubmits.
 * - Impersonation: since Exchange 2010 SP2 RU4, and in Exchange Online, the calling account has a
 *   budget of its own for each mailbox it impersonates, apart from the user's own budget.
 *
 * What is inferred here (Microsoft publishes no Exchange Online values for the budget):
 * - The budget defaults are the GlobalThrottlingPolicy values of Exchange Server 2013 and later
 *   (EwsMaxBurst 300,000 ms, EwsRechargeRate 900,000 ms per hour, EwsCutoffBalance 3,000,000 ms).
 * - "Recharged" means back to zero: BackOffMilliseconds is the time until the balance reaches zero.
 * - A request costs the time the simulator spent running the operation (or a fixed charge for
 *   tests); Exchange charges the time a request spends in its resources.
 * - The micro-delays Exchange adds while a balance is below zero (before the cutoff) are not
 *   modelled: requests are answered at once until the cutoff.
 * - The ErrorExceededConnectionCount fault carries the details Exchange Online was reported to send
 *   (Policy, MaxConcurrencyLimit, ErrorMessage) in MessageXml.
 */

/** The throttling policy of the simulated server; `Infinity` is Exchange's `Unlimited`. */
export interface EwsThrottlingPolicy {
  /**
   * EWSMaxConcurrency: requests one budget owner may have in progress at once.
   * @default 27 (Exchange Online and Exchange 2013 and later, as Microsoft documents)
   */
  maxConcurrency: number;
  /**
   * EwsMaxBurst, in milliseconds of resource time: the budget a caller starts with and recharges up to.
   * @default 300_000 (Exchange Server 2013+ GlobalThrottlingPolicy; Exchange Online's is not published)
   */
  maxBurstMs: number;
  /**
   * EwsRechargeRate: milliseconds of budget regained per hour.
   * @default 900_000 (as maxBurstMs)
   */
  rechargeRateMsPerHour: number;
  /**
   * EwsCutoffBalance: once the balance is this far below zero, the caller is blocked (ErrorServerBusy)
   * until it has recharged to zero.
   * @default 3_000_000 (as maxBurstMs)
   */
  cutoffBalanceMs: number;
  /**
   * What one request costs, in milliseconds of budget. Unset: the time the simulator spent running
   * the operation. A fixed value makes tests of the budget deterministic.
   */
  chargePerRequestMs?: number;
}

/** The defaults; see {@link EwsThrottlingPolicy} for where each comes from. */
export const DEFAULT_EWS_THROTTLING: EwsThrottlingPolicy = {
  maxConcurrency: 27,
  maxBurstMs: 300_000,
  rechargeRateMsPerHour: 900_000,
  cutoffBalanceMs: 3_000_000,
};

const HOUR_MS = 3_600_000;

interface Budget {
  inFlight: number;
  balance: number;
  updatedAt: number;
}

/** An admitted request: report what it cost when it is done (once). */
export interface EwsAdmission {
  ok: true;
  done(elapsedMs: number): void;
}

/** Why a request was refused. */
export type EwsRefusal = { ok: false; reason: 'concurrency'; limit: number } | { ok: false; reason: 'budget'; backOffMs: number };

/**
 * The budgets of every budget owner, keyed by the caller's identity and (when it impersonates) the
 * mailbox it acts on. Idle, fully recharged budgets are dropped.
 */
export class EwsThrottle {
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly policy: EwsThrottlingPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits a request of `owner`, or says why not. */
  enter(owner: string): EwsAdmission | EwsRefusal {
    const at = this.now();
    let budget = this.budgets.get(owner);
    if (!budget) {
      budget = { inFlight: 0, balance: this.policy.maxBurstMs, updatedAt: at };
      this.budgets.set(owner, budget);
      if (this.budgets.size > 10_000) this.sweep();
    }
    this.recharge(budget, at);
    if (budget.inFlight >= this.policy.maxConcurrency) return { ok: false, reason: 'concurrency', limit: this.policy.maxConcurrency };
    if (budget.balance <= -this.policy.cutoffBalanceMs) {
      const perMs = this.policy.rechargeRateMsPerHour / HOUR_MS;
      return { ok: false, reason: 'budget', backOffMs: Math.max(1, Math.ceil(-budget.balance / perMs)) };
    }
    budget.inFlight++;
    const admitted = budget;
    let finished = false;
    return {
      ok: true,
      done: (elapsedMs) => {
        if (finished) return;
        finished = true;
        admitted.inFlight--;
        this.recharge(admitted, this.now());
        admitted.balance -= this.policy.chargePerRequestMs ?? Math.max(0, elapsedMs);
      },
    };
  }

  /** The current balance of an owner (for tests and the log); the full burst when it has none yet. */
  balance(owner: string): number {
    const budget = this.budgets.get(owner);
    if (!budget) return this.policy.maxBurstMs;
    this.recharge(budget, this.now());
    return budget.balance;
  }

  private recharge(budget: Budget, at: number): void {
    const elapsed = Math.max(0, at - budget.updatedAt);
    budget.updatedAt = at;
    if (!Number.isFinite(this.policy.rechargeRateMsPerHour)) {
      budget.balance = this.policy.maxBurstMs;
      return;
    }
    budget.balance = Math.min(this.policy.maxBurstMs, budget.balance + (elapsed * this.policy.rechargeRateMsPerHour) / HOUR_MS);
  }

  private sweep(): void {
    const at = this.now();
    for (const [owner, budget] of this.budgets) {
      this.recharge(budget, at);
      if (budget.inFlight === 0 && budget.balance >= this.policy.maxBurstMs) this.budgets.delete(owner);
    }
  }
}
