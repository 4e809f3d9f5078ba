import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ciAccessConfig, seedCiAccess } from '../../sandbox/ci-seed.js';
import { serveFunctionUrl } from '../../sandbox/function-url.js';
import { OidcIssuerStandIn } from '../../sandbox/oidc/oidc-issuer-stand-in.js';
import { startLambdaEnv, type LambdaEnv } from './lambda-env.js';

type UrlHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>;

export interface CiEnv extends LambdaEnv {
  github: OidcIssuerStandIn;
  gitlab: OidcIssuerStandIn;
  /** The broker's Function URL (the real ci-token handler). */
  brokerUrl: string;
  /** POSTs a body to the broker; answers the status and JSON. */
  exchange: (body: string, contentType?: string, path?: string) => Promise<{ status: number; json: Record<string, unknown> }>;
  sweeper: () => Promise<(event: unknown, context: Context) => Promise<unknown>>;
}

/** The deployed functions' environment (lambda-env.ts) plus two CI issuers and the broker on a loopback Function URL. */
export async function startCiEnv(config: (githubUrl: string, gitlabUrl: string) => string = ciAccessConfig): Promise<CiEnv> {
  const github = new OidcIssuerStandIn('github');
  const gitlab = new OidcIssuerStandIn('gitlab');
  await Promise.all([github.start(), gitlab.start()]);
  const env = await startLambdaEnv({ configExtra: config(github.baseUrl, gitlab.baseUrl) });
  seedCiAccess(env.sandbox.hub);
  const handler = await env.load<UrlHandler>('ci-token');
  const served = await serveFunctionUrl(handler);
  const exchange = async (body: string, contentType = 'application/json', path = 'oauth/token') => {
    const answer = await fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
  };
  return {
    ...env,
    github,
    gitlab,
    brokerUrl: served.url,
    exchange,
    sweeper: () => env.load('ci-token-sweeper'),
    stop: async () => {
      await served.stop();
      await Promise.all([github.stop(), gitlab.stop()]);
      await env.stop();
    },
  };
}

/** The body `huggingface_hub.exchange_oidc_token(subject_token=…, resource=…)` sends: requests' `json=`, i.e. Python's json.dumps. */
export function huggingfaceHubBody(subjectToken: string, resource?: string): string {
  const fields: Record<string, string> = {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    subject_token: subjectToken,
    ...(resource === undefined ? {} : { resource }),
  };
  return `{${Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;
}
