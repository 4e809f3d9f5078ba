/**
 * The secret consumers read, with Secrets Manager's version stages: `AWSCURRENT` is what consumers
 * get, `AWSPENDING` a version being rotated in, `AWSPREVIOUS` the one before the current. Each call
 * says what a failure leaves behind.
 */
export interface SecretStore {
  /**
   * Creates the secret (with no value) if it does not exist, and says whether consumers can read a
   * value (some version holds AWSCURRENT). When not, the next stored value becomes AWSCURRENT at
   * once (AWS's first-version rule): store only a verified token. Failure ⇒ nothing created.
   */
  ensureSecret(secretId: string): Promise<{ hasCurrent: boolean }>;
  /**
   * Stores `value` as version `versionId` with stage AWSPENDING; repeating with the same id and value is a no-op. Failure ⇒ no version,
   * or the same one.
   */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** The value of one version, or null when there is no such version. */
  getVersion(secretId: string, versionId: string): Promise<string | null>;
  /**
   * Moves AWSCURRENT to `versionId` (the old current becomes AWSPREVIOUS) and takes AWSPENDING off
   * it. Idempotent. Failure ⇒ consumers still read the old current version.
   */
  promote(secretId: string, versionId: string): Promise<void>;
}
