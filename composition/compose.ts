import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startEmbeddedDynamo } from '../shared/adapters/dynamodb/embedded.js';
import { dynamoDbStateStore } from '../shared/adapters/dynamodb/dynamodb-state-store.js';
import type { StateStore } from '../shared/ports/state-store.js';
import { DynamoDbCredentialStore } from '../shared/adapters/dynamodb/credential-store.js';
import type { CredentialStore } from '../shared/ports/credential-store.js';
import { createDocumentClient, ensureTable } from '../shared/adapters/dynamodb/table.js';
import { HubOrgHttp } from '../shared/adapters/huggingface/hub-org.js';
import { createOktaClient } from '../shared/adapters/okta/okta-client.js';
import { OktaDirectory } from '../shared/adapters/okta/okta-directory.js';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ReportStore } from '../shared/adapters/s3/s3-report-store.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReconcilePorts } from '../shared/reconcile/reconcile.js';
import type { HubOrg } from '../shared/ports/hub-org.js';
export { composeEventSink } from './event-sink.js';
import { awsClientConfig } from '../shared/runtime/aws-endpoint.js';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnJobStarter } from '../shared/adapters/stepfunctions/sfn-job-starter.js';
import type { JobStarter } from '../shared/ports/job-starter.js';
import type { Config, Secrets, StateLocation } from '../shared/runtime/config.js';
import nodeFetch from 'node-fetch';
import { hubRateLimits } from './container-cache.js';

/**
 * The composition root: the one place that builds clients and adapters from configuration and
 * hands them to the use cases. Clients are built once per process (a Lambda cold start).
 */

export interface ComposeOptions {
  /** Where the state lives; `embedded` starts dynalite persisting under `directory`. */
  state: { kind: 'dynamodb'; location: StateLocation } | { kind: 'embedded'; directory: string };
  /** Test and sandbox speed-up for retry backoff; production keeps the defaults. */
  retryBaseMs?: number;
  /** Create a missing table on a local endpoint (default true); `doctor` only looks. */
  createTable?: boolean;
}

export interface Composition {
  ports: ReconcilePorts;
  close: () => Promise<void>;
}

/** Run ids sort by start time: `r-<base36 ms>-<random>`. */
export function newRunId(): string {
  return `r-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Opens the state store alone (the `audit` command needs nothing else). */
export async function composeState(
  state: ComposeOptions['state'],
  createTable = true,
): Promise<{
  state: StateStore;
  credentials: CredentialStore;
  doc: DynamoDBDocumentClient;
  table: string;
  close: () => Promise<void>;
}> {
  let endpoint: string | undefined;
  let table: string;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (state.kind === 'embedded') {
    const embedded = await startEmbeddedDynamo({ path: join(state.directory, 'dynamodb') });
    endpoint = embedded.endpoint;
    table = 'hf-iam-sync';
    stopEmbedded = embedded.close;
  } else {
    endpoint = state.location.endpoint;
    table = state.location.table;
  }
  const doc = createDocumentClient(endpoint);
  if (endpoint && createTable) await ensureTable(doc, table);
  return {
    state: dynamoDbStateStore(doc, table),
    credentials: new DynamoDbCredentialStore(doc, table),
    doc,
    table,
    close: async () => {
      doc.destroy();
      await stopEmbedded?.();
    },
  };
}

export async function compose(config: Config, secrets: Secrets, options: ComposeOptions): Promise<Composition> {
  const retry = options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs };
  const okta = await createOktaClient({ orgUrl: config.file.okta.orgUrl, auth: secrets.okta, ...retry });
  const hub = new HubOrgHttp({
    endpoint: config.file.huggingface.endpoint,
    token: secrets.hfToken,
    scimToken: secrets.hfScimToken,
    organization: config.policy.organization,
    membership: config.policy.membership,
    limits: hubRateLimits(),
    ...retry,
    // The Okta SDK's own HTTP client, already loaded beside it: no second HTTP stack to start cold.
    fetch: nodeFetch,
  });
  const { state, close } = await composeState(options.state, options.createTable ?? true);
  return {
    ports: {
      directory: new OktaDirectory(okta, { usernameAttribute: config.file.okta.usernameAttribute }),
      hub,
      state,
      clock: () => new Date(),
      newRunId,
    },
    close,
  };
}

/**
 * The ReconcileJob state machine an org apply is started on (RECONCILE_JOB_ARN, which the stack
 * sets; SFN_ENDPOINT for a local server); null outside the stack.
 */
export function composeJobStarter(env: Readonly<Record<string, string | undefined>>): JobStarter | null {
  const arn = env.RECONCILE_JOB_ARN?.trim();
  if (!arn) return null;
  return new SfnJobStarter(new SFNClient(awsClientConfig(env.SFN_ENDPOINT?.trim(), env)), arn);
}

/** Where access reviews go: an S3 bucket (S3_ENDPOINT for a local server, path-style there). */
export function composeReportStore(bucket: string, env: Readonly<Record<string, string | undefined>>): S3ReportStore {
  const endpoint = env.S3_ENDPOINT?.trim();
  // Checksums only where S3 requires them: local S3 servers do not read aws-chunked trailers.
  return new S3ReportStore(
    new S3Client({
      ...awsClientConfig(endpoint, env),
      ...(endpoint ? { forcePathStyle: true } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    bucket,
  );
}

/** The Hub alone with HF_TOKEN (`audit --source hub` reads its audit log; Okta is not needed). */
export function composeHub(config: Config, hfToken: string): HubOrg {
  return new HubOrgHttp({
    endpoint: config.file.huggingface.endpoint,
    token: hfToken,
    organization: config.policy.organization,
    membership: config.policy.membership,
    limits: hubRateLimits(),
  });
}
