/**
 * AWS client settings for an optional endpoint override. A loopback endpoint is one of our local
 * servers (sandbox, tests), which need a region but check no signature, so placeholder credentials
 * are used there; any other override (a VPC endpoint) keeps the normal credential chain.
 */
export function awsClientConfig(
  endpoint: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { endpoint?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  if (!endpoint) return {};
  const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(endpoint);
  return loopback
    ? {
        endpoint,
        region: env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local' },
      }
    : { endpoint };
}
