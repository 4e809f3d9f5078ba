import { describe, expect, it } from 'vitest';
import { readForwarderEnv } from '../../../composition/audit-forwarder-setup.js';
import { ConfigError } from '../../../shared/runtime/errors.js';

/** The audit forwarder's settings from its environment: defaults, and every problem named at once. */

describe('readForwarderEnv', () => {
  it('turns on the destinations the environment names, with the defaults', () => {
    expect(readForwarderEnv({ AUDIT_LOG_GROUP: '/hf-iam-sync/prod/audit' })).toEqual({
      logGroup: '/hf-iam-sync/prod/audit',
      datadog: undefined,
      lookBackMs: 86_400_000,
    });
    expect(
      readForwarderEnv({
        DATADOG_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:…',
        DATADOG_SITE: 'datadoghq.eu',
        DATADOG_TAGS: 'env:prod, team:security',
        AUDIT_LOOK_BACK: '7d',
      }),
    ).toEqual({ logGroup: undefined, datadog: { site: 'datadoghq.eu', tags: ['env:prod', 'team:security'] }, lookBackMs: 7 * 86_400_000 });
  });

  it('names every problem, and how to fix it', () => {
    let error: unknown;
    try {
      readForwarderEnv({ DATADOG_SITE: 'not a site', DATADOG_TAGS: 'env:prod,9bad', AUDIT_LOOK_BACK: 'a week' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DATADOG_SITE "not a site" is not a Datadog site');
    expect(message).toContain('DATADOG_TAGS holds "9bad"');
    expect(message).toContain('AUDIT_LOOK_BACK "a week" is not a duration (30m, 12h, 1d, 7d)');
    expect(message).toContain('no audit destination: set AUDIT_LOG_GROUP');
  });
});
