import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { computePlan } from '../../shared/domain/compute-plan.js';
import { readInputs } from '../../shared/reconcile/read-inputs.js';
import { savePlan } from '../../shared/reconcile/saved-plan.js';
import { readCompiledConfig } from '../../shared/runtime/config.js';
import { composeForSandbox } from '../../sandbox/sandbox.js';
import { startS3 } from '../helpers/s3.js';
import { lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/**
 * The stack's bucket (s3rver, through @aws-sdk/client-s3): the monthly access-review function writes
 * the review's JSON and page to it, then AccessReviewReady; reconcile applies an approved plan
 * uploaded under approved-plans/ — exactly, or refuses it.
 */

const PLAN_KEY = 'an-approved-plans-key-of-forty-characters!';
let env: LambdaEnv;
let s3: Awaited<ReturnType<typeof startS3>>;
beforeEach(async () => {
  env = await startLambdaEnv();
  s3 = await startS3('reviews');
  process.env.ACCESS_REVIEW_BUCKET = 'reviews';
  process.env.APPROVED_PLANS_BUCKET = 'reviews';
  process.env.HF_IAM_SYNC_PLAN_KEY_SECRET_ARN = env.secrets.put('hf-iam-sync/plan-key', PLAN_KEY).arn;
  process.env.S3_ENDPOINT = s3.endpoint;
  // s3rver checks signatures against its one key pair; the other stand-ins accept any.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});
afterEach(async () => {
  await s3.stop();
  await env.stop();
});

describe('access-review function', () => {
  it('writes the review as JSON and as its page under access-reviews/<org>/<date>/, and announces where', async () => {
    const handler = await env.load<(e: unknown, c: Context) => Promise<{ json: string; html: string }>>('access-review');
    const answer = await handler({}, lambdaContext);
    const day = new Date().toISOString().slice(0, 10);
    expect(await s3.keys()).toEqual([`access-reviews/acme/${day}/review.html`, `access-reviews/acme/${day}/review.json`]);
    expect(answer.json).toBe(`s3://reviews/access-reviews/acme/${day}/review.json`);
    const json = await s3.read(`access-reviews/acme/${day}/review.json`);
    const review = JSON.parse(json.body) as { organization: string; rows: Array<{ user: string; flags: string[] }> };
    expect(review.organization).toBe('acme');
    expect(review.rows.find((r) => r.user === 'consultant')?.flags).toEqual([expect.stringMatching(/^unmanaged/)]);
    const html = await s3.read(`access-reviews/acme/${day}/review.html`);
    expect(html.contentType).toBe('text/html; charset=utf-8');
    expect(html.body).toContain(`<strong id="member-count">${review.rows.length}</strong> members`);
    expect(env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.AccessReviewReady')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          organization: 'acme',
          json: answer.json,
          html: answer.html,
          summary: expect.objectContaining({ members: review.rows.length }),
        }),
      }),
    ]);
    expect(env.sandbox.hub.calls.filter((c) => c.method !== 'GET')).toEqual([]); // a review changes nothing
  });
});

describe('reconcile with an approved plan', () => {
  /** A plan as `plan --out` saves it (signed), uploaded under approved-plans/. */
  async function upload(name: string, edit: (text: string) => string = (t) => t) {
    const config = readCompiledConfig(await readFile(process.env.HF_IAM_SYNC_CONFIG!, 'utf8'), 'config.json');
    const { ports, close } = await composeForSandbox(config, env.sandbox.dynamoEndpoint);
    const plan = computePlan(await readInputs(ports, config, { kind: 'organization' }));
    await close();
    const text = edit(
      JSON.stringify(
        savePlan(plan, { createdAt: new Date().toISOString(), createdBy: 'reviewer', configSha256: config.sourceSha256 }, PLAN_KEY),
      ),
    );
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await client.send(new PutObjectCommand({ Bucket: 'reviews', Key: `approved-plans/${name}`, Body: text }));
    client.destroy();
    return plan;
  }

  it('applies exactly the approved plan; an edited one, or one outside approved-plans/, is refused', async () => {
    const handler =
      await env.load<(e: unknown, c: Context) => Promise<{ outcome: string; applied: unknown[]; stale: unknown[] }>>('reconcile');
    await upload('edited.json', (t) => t.replace('"role":"no_access"', '"role":"admin"'));
    await expect(handler({ approvedPlan: 's3://reviews/approved-plans/edited.json' }, lambdaContext)).rejects.toThrow(
      /the signature does not match/,
    );
    await expect(handler({ approvedPlan: 's3://reviews/elsewhere/p.json' }, lambdaContext)).rejects.toThrow(
      /approvedPlan must name a plan file under s3:\/\/reviews\/approved-plans\//,
    );
    expect(env.sandbox.hub.calls.filter((c) => c.method === 'PUT')).toEqual([]);
    const plan = await upload('2026-11-29.json');
    const okta = env.sandbox.okta.calls.length;
    const done = await handler({ approvedPlan: 's3://reviews/approved-plans/2026-11-29.json' }, lambdaContext);
    expect(done).toMatchObject({ outcome: 'succeeded', stale: [] });
    expect(done.applied).toHaveLength(plan.changes.length);
    expect(env.sandbox.okta.calls.length).toBe(okta); // nothing planned anew
    expect(env.sandbox.hub.member('linus-t')?.role).toBe('no_access');
    expect(env.secrets.secretsRead).toContain('hf-iam-sync/plan-key');
  });
});
