/**
 * Every error the project throws on purpose. Adapters translate SDK and HTTP failures into these
 * classes, so the core branches on `instanceof` and never sees an SDK type or parses message text.
 *
 * Messages say what was wrong, where, and how to fix it. They never carry a secret: adapters pass
 * status codes and API error summaries, not request headers or bodies they sent.
 */

/** Base class: everything below is an `AppError`, so a handler can tell ours from a bug. */
export class AppError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** The configuration file or environment is invalid. `problems` lists each one with its path. */
export class ConfigError extends AppError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Which outside system an `UpstreamError` came from. */
export type Upstream =
  'okta' | 'huggingface' | 'dynamodb' | 'secrets' | 'eventbridge' | 's3' | 'stepfunctions' | 'oidc' | 'cloudwatch-logs' | 'datadog';

/**
 * A call to Okta, the Hub, DynamoDB or Secrets Manager failed after our retries.
 * `status` is the HTTP status when there was one; `operation` names the call in domain words.
 */
export class UpstreamError extends AppError {
  readonly upstream: Upstream;
  readonly operation: string;
  readonly status: number | undefined;
  constructor(upstream: Upstream, operation: string, detail: string, status?: number, options?: ErrorOptions) {
    super(`${upstream}: ${operation} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`, options);
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.operation = operation;
    this.status = status;
  }
}

/** The credentials were refused (401/403). Retrying will not help; the message says which secret to check. */
export class AuthenticationError extends UpstreamError {
  constructor(upstream: Upstream, operation: string, detail: string, status: number, options?: ErrorOptions) {
    super(upstream, operation, detail, status, options);
    this.name = 'AuthenticationError';
  }
}

/** The thing asked for does not exist upstream (404). */
export class NotFoundError extends UpstreamError {
  constructor(upstream: Upstream, operation: string, detail: string, options?: ErrorOptions) {
    super(upstream, operation, detail, 404, options);
    this.name = 'NotFoundError';
  }
}

/** A read of Okta or the Hub failed or came back incomplete, so the run stops before any write. */
export class IncompleteReadError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IncompleteReadError';
  }
}

/** A conditional DynamoDB write lost a race (another run holds the lease, a record changed). */
export class ConflictError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** Another reconcile of the same organization is running; `holder` and `expiresAt` say which and until when. */
export class LeaseHeldError extends ConflictError {
  readonly holder: string;
  readonly expiresAt: string;
  /** `what` names the lease, e.g. `reconcile lease for "acme"`. */
  constructor(what: string, holder: string, expiresAt: string, options?: ErrorOptions) {
    super(
      `Another run (${holder}) holds the ${what} until ${expiresAt}; try again after it finishes (if that run is gone: hf-iam-sync unlock --run ${holder} --reason "…").`,
      options,
    );
    this.name = 'LeaseHeldError';
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

/**
 * A fresher decision about a member exists (see shared/reconcile/member-holds.ts): this run's
 * older decision must not be written over it.
 */
export class SupersededError extends ConflictError {
  constructor(
    readonly user: string,
    readonly by: string,
    decidedAtMs: number,
  ) {
    super(
      `${user} was decided by run ${by} from a read made at ${new Date(decidedAtMs).toISOString()}, later than this run's; this run's older decision was not written (the next run decides again)`,
    );
    this.name = 'SupersededError';
  }
}

/** The embedded store (LevelDB under .hf-iam-sync/) is open in another process; one process at a time. */
export class StoreBusyError extends ConflictError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/** An invocation payload or CLI argument was malformed. */
export class InputError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** Apply was asked to run a plan that carries errors (terraform's "Cannot apply failed plan"). */
export class PlanNotApplyableError extends AppError {
  constructor(reasons: readonly string[], options?: ErrorOptions) {
    super(`Cannot apply a plan with errors:\n${reasons.map((r) => `  - ${r}`).join('\n')}`, options);
    this.name = 'PlanNotApplyableError';
  }
}

/** The message of anything thrown, for logs and per-change results. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The Hub refused a token we minted or are checking (401/403 on whoami). */
export class TokenRejectedError extends AppError {
  readonly status: number;
  constructor(what: string, status: number, detail: string, options?: ErrorOptions) {
    super(`The Hub rejected ${what} (HTTP ${status}): ${detail}`, options);
    this.name = 'TokenRejectedError';
    this.status = status;
  }
}

/** A token-exchange request was refused because of configuration; `setting` names what to fix. */
export class TokenExchangeError extends AppError {
  readonly setting: string;
  readonly oauthError: string;
  constructor(oauthError: string, setting: string, message: string, options?: ErrorOptions) {
    super(`token exchange refused (${oauthError}): ${message} — fix ${setting}`, options);
    this.name = 'TokenExchangeError';
    this.setting = setting;
    this.oauthError = oauthError;
  }
}

/** A newly minted token did not answer as it should (wrong identity, no access to the organization). */
export class VerificationError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VerificationError';
  }
}

/**
 * A CI job's OIDC ID token was refused by verification (signature, issuer, audience, times, replay).
 * `description` tells the CI author what to fix; it never quotes the token.
 */
export class IdTokenRejectedError extends AppError {
  constructor(
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(`ID token refused: ${description}`, options);
    this.name = 'IdTokenRejectedError';
  }
}

/** The lease was taken over by another run (ours had expired): stop writing. */
export class LeaseLostError extends ConflictError {
  constructor(what: string, options?: ErrorOptions) {
    super(`The ${what} was taken over by another run while this one was still working; this run stopped and wrote nothing more.`, options);
    this.name = 'LeaseLostError';
  }
}

/** The run's own deadline passed (the Lambda invocation's time, or the CLI's): it stops between steps. */
export class DeadlineReachedError extends ConflictError {
  constructor(what: string) {
    super(`The run reached its deadline before ${what}; it stopped there, and the next run resumes.`);
    this.name = 'DeadlineReachedError';
  }
}

/** The rotation steps a `StepFailure` can name (create and store are reported apart). */
export type RotationStepName = 'create' | 'store' | 'verify' | 'promote' | 'delete-old' | 'revoke';

/**
 * A step failed; `step` is where (create and store are reported apart), `cause` why. `restart`:
 * this rotation cannot finish (its token is gone from the Hub), so the next run starts a new one.
 */
export class StepFailure extends AppError {
  constructor(
    readonly step: RotationStepName,
    cause: unknown,
    readonly restart = false,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StepFailure';
  }
}

/** A `Link` header that names `rel="next"` but does not parse, or points at another origin (see adapters/next-link.ts). */
export class LinkHeaderError extends AppError {
  constructor(message: string) {
    super(message);
    this.name = 'LinkHeaderError';
  }
}

/**
 * The errors the ReconcileJob state machine tells apart by name (state-machines/reconcile-job.yml:
 * a batch that lost its lease or was given bad input is not retried). A unit test keeps the two equal.
 */
export const STATE_MACHINE_ERROR_NAMES = ['LeaseLostError', 'InputError'] as const;
