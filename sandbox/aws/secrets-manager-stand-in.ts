import { randomUUID } from 'node:crypto';
import { StandInServer, type SandboxResponse } from '../http-kit.js';

/**
 * A stand-in for AWS Secrets Manager's JSON protocol (`POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`), enough for the real
 * `@aws-sdk/client-secrets-manager` to read secrets: GetSecretValue (by AWSCURRENT) and
 * CreateSecret. Errors use the protocol's `__type` body.
 */
export class SecretsManagerStandIn extends StandInServer {
  readonly secrets = new Map<string, { arn: string; name: string; value: string; versionId: string }>();

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = (req.body ?? {}) as { SecretId?: string; Name?: string; SecretString?: string };
      if (target === 'secretsmanager.GetSecretValue') return this.#get(body.SecretId ?? '');
      if (target === 'secretsmanager.CreateSecret') {
        const secret = this.put(body.Name ?? '', body.SecretString ?? '');
        return { status: 200, body: { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId } };
      }
      return this.#error('UnknownOperationException', `Operation ${target} is not supported by the stand-in`);
    });
  }

  put(name: string, value: string) {
    const secret = { arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`, name, value, versionId: randomUUID() };
    this.secrets.set(name, secret);
    return secret;
  }

  #get(id: string): SandboxResponse {
    const secret = [...this.secrets.values()].find((s) => s.arn === id || s.name === id);
    if (!secret) return this.#error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return {
      status: 200,
      body: { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, SecretString: secret.value, VersionStages: ['AWSCURRENT'], CreatedDate: 1_764_000_000 },
    };
  }

  #error(type: string, message: string): SandboxResponse {
    return { status: 400, body: { __type: type, message }, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type } };
  }
}
