import { DeadlineReachedError, LeaseLostError } from './errors.js';

/**
 * A lease that ends with the run holding it. It is taken for a short heartbeat (not for the
 * longest a run could last) and renewed while the run is alive, and never past the run's deadline
 * plus a margin: a process killed with SIGKILL, or an invocation Lambda stopped at its timeout,
 * blocks the next run for at most one heartbeat.
 *
 *   take ──renew──renew──renew── release          (alive: renewed every heartbeat / 3)
 *   take ──renew──✕ killed       … expires ≤ heartbeat later; the next run takes it over
 *
 * `confirm()` goes before every write to the Hub: it throws once the lease was lost (a renewal —
 * conditional on this run being the owner, the fencing token — found another owner: this run must
 * write nothing more) or the deadline passed (the lease is still ours for the margin, long enough
 * to record where the run stopped). `check()` is the same without the round trip.
 */

export interface LeaseOps {
  /** Takes the lease for `ttlMs` (throws `LeaseHeldError` when someone else holds it). */
  acquire(ttlMs: number): Promise<void>;
  /** Extends our lease to `ttlMs` from now; throws `LeaseLostError` when we no longer hold it. */
  renew(ttlMs: number): Promise<void>;
  release(): Promise<void>;
}

export interface LeaseTiming {
  /** Epoch ms by which the run must be done (real time). */
  deadline: number;
  heartbeatMs?: number;
  /** Kept after the deadline: time to record where the run stopped. */
  marginMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 60_000;
const DEFAULT_MARGIN_MS = 10_000;

export class HeldLease {
  #lost: unknown;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  private constructor(
    readonly what: string,
    readonly ops: LeaseOps,
    readonly timing: Required<LeaseTiming>,
  ) {}

  static async take(what: string, ops: LeaseOps, timing: LeaseTiming): Promise<HeldLease> {
    return HeldLease.#start(what, ops, timing, (ttl) => ops.acquire(ttl));
  }

  /**
   * Takes up a lease this owner was handed (`handOver`) by its previous invocation: a conditional
   * renewal, so `LeaseLostError` when another run has taken it since.
   */
  static async adopt(what: string, ops: LeaseOps, timing: LeaseTiming): Promise<HeldLease> {
    return HeldLease.#start(what, ops, timing, (ttl) => ops.renew(ttl));
  }

  static async #start(what: string, ops: LeaseOps, timing: LeaseTiming, first: (ttlMs: number) => Promise<void>): Promise<HeldLease> {
    const lease = new HeldLease(what, ops, { heartbeatMs: DEFAULT_HEARTBEAT_MS, marginMs: DEFAULT_MARGIN_MS, ...timing });
    await first(lease.ttl());
    lease.#timer = setInterval(
      () => {
        if (lease.#lost) return;
        ops.renew(lease.ttl()).catch((error: unknown) => {
          lease.#lost = error;
        });
      },
      Math.max(100, Math.floor(lease.timing.heartbeatMs / 3)),
    );
    lease.#timer.unref();
    return lease;
  }

  /** A heartbeat, but never past the deadline plus the margin. */
  ttl(): number {
    return Math.max(1000, Math.min(this.timing.heartbeatMs, this.timing.deadline + this.timing.marginMs - Date.now()));
  }

  /** Throws when the run must not start `next`: the lease is lost, or the deadline passed. */
  check(next: string): void {
    if (this.#lost) throw new LeaseLostError(this.what, { cause: this.#lost });
    if (Date.now() >= this.timing.deadline) throw new DeadlineReachedError(next);
  }

  /**
   * The fence before a write: `check`, then a conditional renewal (it succeeds only while this run
   * is the lease's owner), so a run that lost its lease learns it before the write, not after.
   */
  async confirm(next: string): Promise<void> {
    this.check(next);
    try {
      await this.ops.renew(this.ttl());
    } catch (error) {
      if (error instanceof LeaseLostError) this.#lost = error;
      throw error;
    }
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /**
   * Keeps the lease for the next invocation of the same job instead of releasing it: renewed once
   * for `ttlMs` (the wait before the next batch plus its start), then no longer heartbeated. If no
   * invocation adopts it by then — the execution was stopped or died — it expires by itself.
   */
  async handOver(ttlMs: number): Promise<void> {
    clearInterval(this.#timer);
    if (this.#released || this.#lost) return;
    this.#released = true;
    await this.ops.renew(ttlMs);
  }

  /** Gives the lease back (once: a second call does nothing). */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#released) return;
    this.#released = true;
    if (!this.#lost) await this.ops.release().catch(() => undefined);
  }
}
