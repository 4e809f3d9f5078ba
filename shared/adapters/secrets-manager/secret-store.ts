import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../ports/secret-store.js';
import { UpstreamError } from '../../runtime/errors.js';

/**
 * `SecretStore` on AWS Secrets Manager with the stages its own rotation uses. Version ids are our
 * rotation ids (PutSecretValue's ClientRequestToken), so a retried write lands on the same version.
 * Errors name the secret and the AWS error, never a value.
 */

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

const errorName = (error: unknown) => (error as { name?: string }).name ?? 'Error';

export class SecretsManagerStore implements SecretStore {
  readonly #client: SecretsManagerClient;

  constructor(client: SecretsManagerClient) {
    this.#client = client;
  }

  async ensureSecret(secretId: string): Promise<{ hasCurrent: boolean }> {
    try {
      const described = await this.#client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { hasCurrent: Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes(CURRENT)) };
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw this.#wrap('describe', secretId, error);
    }
    if (secretId.startsWith('arn:')) {
      throw new UpstreamError(
        'secrets',
        `find secret ${secretId}`,
        'no such secret; create it, or name the secret (not an ARN) so hf-iam-sync can create it',
      );
    }
    try {
      await this.#client.send(
        new CreateSecretCommand({ Name: secretId, Description: 'Hugging Face token rotated by hf-iam-sync; read AWSCURRENT' }),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') throw this.#wrap('create', secretId, error);
    }
    return { hasCurrent: false };
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    try {
      await this.#client.send(
        new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: value, VersionStages: [PENDING] }),
      );
    } catch (error) {
      throw this.#wrap('store the pending version in', secretId, error);
    }
  }

  async getVersion(secretId: string, versionId: string): Promise<string | null> {
    try {
      const answer = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
      return answer.SecretString ?? null;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return null;
      throw this.#wrap('read a version of', secretId, error);
    }
  }

  async promote(secretId: string, versionId: string): Promise<void> {
    const stages = await this.#stages(secretId);
    const current = Object.entries(stages).find(([, s]) => s.includes(CURRENT))?.[0];
    try {
      if (current !== versionId) {
        await this.#client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: CURRENT,
            MoveToVersionId: versionId,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
        );
      }
      if (stages[versionId]?.includes(PENDING)) {
        await this.#client.send(
          new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: PENDING, RemoveFromVersionId: versionId }),
        );
      }
    } catch (error) {
      throw this.#wrap('promote a version of', secretId, error);
    }
  }

  async #stages(secretId: string): Promise<Record<string, string[]>> {
    try {
      const answer = await this.#client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return answer.VersionIdsToStages ?? {};
    } catch (error) {
      throw this.#wrap('describe', secretId, error);
    }
  }

  #wrap(action: string, secretId: string, error: unknown): UpstreamError {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return new UpstreamError(
      'secrets',
      `${action} secret ${secretId}`,
      `${errorName(error)}: ${(error as Error).message ?? String(error)}`,
      status,
      { cause: error },
    );
  }
}
