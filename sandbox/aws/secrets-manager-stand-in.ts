import { randomUUID } from 'node:crypto';
import { StandInServer, type SandboxResponse } from '../http-kit.js';

/**
 * A stand-in for AWS Secrets Manager's JSON protocol (`POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`), for the calls a rotation uses, so the real
 * `@aws-sdk/client-secrets-manager` is tested against it: CreateSecret, PutSecretValue (with
 * version stages and ClientRequestToken idempotency), GetSecretValue (by version or stage),
 * UpdateSecretVersionStage (moving AWSCURRENT moves AWSPREVIOUS along, as AWS does) and
 * DescribeSecret. Errors use the protocol's `__type` body.
 *
 * AWS's documented rules it keeps: the first version of a secret gets AWSCURRENT whatever stages
 * the call asks for ("If this operation creates the first version for the secret, then Secrets
 * Manager automatically attaches the staging label AWSCURRENT to it"); a stage move must name the
 * version holding the label in RemoveFromVersionId; a repeated ClientRequestToken is the same
 * version when the value is the same and ResourceExistsException when it is not.
 */

interface Version {
  id: string;
  value: string;
  stages: Set<string>;
  created: number;
}

interface Secret {
  arn: string;
  name: string;
  versions: Map<string, Version>;
  changed: number;
}

type Body = {
  SecretId?: string;
  Name?: string;
  SecretString?: string;
  ClientRequestToken?: string;
  VersionStages?: string[];
  VersionId?: string;
  VersionStage?: string;
  MoveToVersionId?: string;
  RemoveFromVersionId?: string;
};

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

export class SecretsManagerStandIn extends StandInServer {
  readonly secrets = new Map<string, Secret>();
  /** The name of every secret whose value was read (GetSecretValue), in order: who reads what. */
  readonly secretsRead: string[] = [];

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      const body = (req.body ?? {}) as Body;
      switch (target) {
        case 'CreateSecret':
          return this.#create(body);
        case 'PutSecretValue':
          return this.#putValue(body);
        case 'GetSecretValue':
          return this.#getValue(body);
        case 'UpdateSecretVersionStage':
          return this.#updateStage(body);
        case 'DescribeSecret':
          return this.#describe(body);
        default:
          return this.#error('UnknownOperationException', `Operation ${target} is not supported by the stand-in`);
      }
    });
  }

  /** Seeding helper: a secret with one AWSCURRENT version. */
  put(name: string, value: string): { arn: string; name: string; versionId: string } {
    const secret = this.#newSecret(name);
    const version = this.#addVersion(secret, value, randomUUID(), [CURRENT]);
    return { arn: secret.arn, name, versionId: version.id };
  }

  /** The value a consumer reading `stage` gets right now (tests poll this during a rotation). */
  valueAt(nameOrArn: string, stage = CURRENT): string | undefined {
    const secret = this.#find(nameOrArn);
    return secret && [...secret.versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  #newSecret(name: string): Secret {
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
      name,
      versions: new Map(),
      changed: Date.now(),
    };
    this.secrets.set(name, secret);
    return secret;
  }

  #find(id: string): Secret | undefined {
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
  }

  #addVersion(secret: Secret, value: string, id: string, stages: string[]): Version {
    for (const stage of stages) this.#detach(secret, stage, id);
    const version: Version = { id, value, stages: new Set(stages), created: Date.now() };
    secret.versions.set(id, version);
    secret.changed = Date.now();
    return version;
  }

  /** Takes `stage` off whichever version has it; AWSCURRENT leaving a version leaves AWSPREVIOUS there. */
  #detach(secret: Secret, stage: string, except: string): void {
    for (const v of secret.versions.values()) {
      if (v.id === except || !v.stages.has(stage)) continue;
      v.stages.delete(stage);
      if (stage === CURRENT) {
        for (const other of secret.versions.values()) other.stages.delete(PREVIOUS);
        v.stages.add(PREVIOUS);
      }
    }
  }

  #create(body: Body): SandboxResponse {
    if (!body.Name) return this.#error('InvalidParameterException', 'Name is required');
    if (this.secrets.has(body.Name))
      return this.#error('ResourceExistsException', `The operation failed because the secret ${body.Name} already exists.`);
    const secret = this.#newSecret(body.Name);
    const version =
      body.SecretString === undefined
        ? undefined
        : this.#addVersion(secret, body.SecretString, body.ClientRequestToken ?? randomUUID(), [CURRENT]);
    return { status: 200, body: { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.id } : {}) } };
  }

  #putValue(body: Body): SandboxResponse {
    const secret = this.#find(body.SecretId ?? '');
    if (!secret) return this.#notFound();
    if (body.SecretString === undefined) return this.#error('InvalidParameterException', 'SecretString is required');
    const id = body.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(id);
    if (existing) {
      // Idempotent retry: same token and value is the same version; another value is a conflict.
      if (existing.value !== body.SecretString)
        return this.#error('ResourceExistsException', `A version with ClientRequestToken ${id} already exists with a different value.`);
      return { status: 200, body: { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...existing.stages] } };
    }
    const stages = body.VersionStages ?? [CURRENT];
    const first = secret.versions.size === 0;
    const version = this.#addVersion(secret, body.SecretString, id, first && !stages.includes(CURRENT) ? [...stages, CURRENT] : stages);
    return { status: 200, body: { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] } };
  }

  #getValue(body: Body): SandboxResponse {
    const secret = this.#find(body.SecretId ?? '');
    if (!secret) return this.#notFound();
    this.secretsRead.push(secret.name);
    const stage = body.VersionStage ?? (body.VersionId ? undefined : CURRENT);
    const version = body.VersionId ? secret.versions.get(body.VersionId) : [...secret.versions.values()].find((v) => v.stages.has(stage!));
    if (!version || (stage && !version.stages.has(stage))) {
      return this.#error(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${body.VersionId ?? 'null'}, VersionStage: ${stage ?? 'null'}`,
      );
    }
    return {
      status: 200,
      body: {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
        CreatedDate: version.created / 1000,
      },
    };
  }

  #updateStage(body: Body): SandboxResponse {
    const secret = this.#find(body.SecretId ?? '');
    if (!secret) return this.#notFound();
    const stage = body.VersionStage;
    if (!stage) return this.#error('InvalidParameterException', 'VersionStage is required');
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (holder && body.MoveToVersionId && holder.id !== body.MoveToVersionId && body.RemoveFromVersionId !== holder.id) {
      return this.#error(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (body.RemoveFromVersionId) {
      const from = secret.versions.get(body.RemoveFromVersionId);
      if (!from?.stages.has(stage))
        return this.#error('InvalidParameterException', `Version ${body.RemoveFromVersionId} does not have the staging label ${stage}`);
    }
    if (body.MoveToVersionId) {
      const to = secret.versions.get(body.MoveToVersionId);
      if (!to) return this.#error('ResourceNotFoundException', `Version ${body.MoveToVersionId} not found`);
      this.#detach(secret, stage, to.id);
      to.stages.add(stage);
    } else if (body.RemoveFromVersionId) {
      secret.versions.get(body.RemoveFromVersionId)!.stages.delete(stage);
    }
    secret.changed = Date.now();
    return { status: 200, body: { ARN: secret.arn, Name: secret.name } };
  }

  #describe(body: Body): SandboxResponse {
    const secret = this.#find(body.SecretId ?? '');
    if (!secret) return this.#notFound();
    const stages = Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]]));
    return {
      status: 200,
      body: { ARN: secret.arn, Name: secret.name, VersionIdsToStages: stages, LastChangedDate: secret.changed / 1000 },
    };
  }

  #notFound(): SandboxResponse {
    return this.#error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  #error(type: string, message: string): SandboxResponse {
    return {
      status: 400,
      body: { __type: type, message },
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    };
  }
}
