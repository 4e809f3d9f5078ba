import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  InvalidParameterException,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStandIn } from '../../sandbox/aws/secrets-manager-stand-in.js';

/**
 * The Secrets Manager stand-in checked by the real `@aws-sdk/client-secrets-manager`, through the
 * staging sequence a rotation uses: pending → verify → promote (previous stays readable).
 */

let sm: SecretsManagerStandIn;
let client: SecretsManagerClient;
beforeEach(async () => {
  sm = new SecretsManagerStandIn();
  await sm.start();
  client = new SecretsManagerClient({ endpoint: sm.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterEach(async () => {
  client.destroy();
  await sm.stop();
});

describe('Secrets Manager stand-in', () => {
  it('stages a new version as AWSPENDING, promotes it to AWSCURRENT, and keeps the old one as AWSPREVIOUS', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'hf/ci-token', SecretString: 'old-token' }));
    const pending = await client.send(
      new PutSecretValueCommand({
        SecretId: 'hf/ci-token',
        SecretString: 'new-token',
        ClientRequestToken: 'rotation-1',
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'hf/ci-token' }))).SecretString).toBe('old-token');
    expect((await client.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPENDING' }))).SecretString).toBe(
      'new-token',
    );
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'hf/ci-token',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: 'rotation-1',
        RemoveFromVersionId: created.VersionId,
      }),
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'hf/ci-token' }))).SecretString).toBe('new-token');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'hf/ci-token', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe(
      'old-token',
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'hf/ci-token' }));
    expect(described.VersionIdsToStages).toEqual({ [created.VersionId!]: ['AWSPREVIOUS'], 'rotation-1': ['AWSPENDING', 'AWSCURRENT'] });
  });

  it("makes the first version AWSCURRENT whatever stage the call asks for (AWS's first-version rule)", async () => {
    await client.send(new CreateSecretCommand({ Name: 'hf/empty' }));
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'hf/empty' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const first = await client.send(
      new PutSecretValueCommand({
        SecretId: 'hf/empty',
        SecretString: 'unverified',
        ClientRequestToken: 'rotation-0',
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(first.VersionStages).toEqual(['AWSPENDING', 'AWSCURRENT']);
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'hf/empty' }))).SecretString).toBe('unverified');
    const second = await client.send(
      new PutSecretValueCommand({
        SecretId: 'hf/empty',
        SecretString: 'next',
        ClientRequestToken: 'rotation-1',
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(second.VersionStages).toEqual(['AWSPENDING']);
  });

  it('is idempotent on ClientRequestToken, and refuses the same token with another value', async () => {
    sm.put('hf/x', 'v1');
    const first = await client.send(
      new PutSecretValueCommand({ SecretId: 'hf/x', SecretString: 'v2', ClientRequestToken: 'tok-1', VersionStages: ['AWSPENDING'] }),
    );
    const again = await client.send(
      new PutSecretValueCommand({ SecretId: 'hf/x', SecretString: 'v2', ClientRequestToken: 'tok-1', VersionStages: ['AWSPENDING'] }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'hf/x', SecretString: 'v3', ClientRequestToken: 'tok-1' })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('answers with the SDK-recognised errors', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    sm.put('hf/y', 'v1');
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'hf/y', VersionStage: 'AWSPENDING' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(
      new PutSecretValueCommand({ SecretId: 'hf/y', SecretString: 'v2', ClientRequestToken: 'p', VersionStages: ['AWSPENDING'] }),
    );
    await expect(
      client.send(new UpdateSecretVersionStageCommand({ SecretId: 'hf/y', VersionStage: 'AWSCURRENT', MoveToVersionId: 'p' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(client.send(new CreateSecretCommand({ Name: 'hf/y', SecretString: 'z' }))).rejects.toBeInstanceOf(ResourceExistsException);
  });
});
