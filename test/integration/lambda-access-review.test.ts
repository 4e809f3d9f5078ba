import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startS3 } from '../helpers/s3.js';
import { lambdaContext, startLambdaEnv, type LambdaEnv } from '../helpers/lambda-env.js';

/** The monthly access-review function: the review's JSON and page in the bucket (s3rver, through @aws-sdk/client-s3), then AccessReviewReady. */

let env: LambdaEnv;
let s3: Awaited<ReturnType<typeof startS3>>;
beforeEach(async () => {
  env = await startLambdaEnv();
  s3 = await startS3('reviews');
  process.env.ACCESS_REVIEW_BUCKET = 'reviews';
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
    expect(env.bus.received.filter((e) => e.detailType === 'hf-iam-sync.AccessReviewReady')).toEqual([expect.objectContaining({
      detail: expect.objectContaining({ organization: 'acme', json: answer.json, html: answer.html, summary: expect.objectContaining({ members: review.rows.length }) }),
    })]);
    expect(env.sandbox.hub.calls.filter((c) => c.method !== 'GET')).toEqual([]); // a review changes nothing
  });
});
