import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_HF_TOKEN } from '../../sandbox/seed.js';
import { OpenApiValidator, type OpenApiDocument } from '../../sandbox/spec/openapi-validator.js';
import spec from '../fixtures/reference/hf-hub-openapi-orgs.json' with { type: 'json' };

/** The Hub stand-in is held to the Hub's published OpenAPI: these check that the holding itself works. */

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.stop();
});

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${sandbox.hub.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${SANDBOX_HF_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('the Hub stand-in against the OpenAPI reference', () => {
  it('answers a malformed request with 400 naming the field, records the violation, and does nothing', async () => {
    const res = await call('PUT', '/api/organizations/acme/members/grace-h/role', {
      role: 'owner',
      resourceGroups: [{ id: 'nope', role: 'read' }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /\/role must be equal to one of the allowed values.*\/resourceGroups\/0\/id/,
    );
    expect(sandbox.hub.member('grace-h')?.role).toBe('read');
    const bad = await call('GET', '/api/organizations/acme/members?limit=5');
    expect(bad.status).toBe(400);
    expect(sandbox.hub.takeViolations()).toEqual([
      'PUT /api/organizations/{name}/members/{username}/role body: /role must be equal to one of the allowed values',
      'PUT /api/organizations/{name}/members/{username}/role body: /resourceGroups/0/id must NOT have fewer than 24 characters',
      'PUT /api/organizations/{name}/members/{username}/role body: /resourceGroups/0/id must match pattern "^[0-9a-fA-F]{24}$"',
      'GET /api/organizations/{name}/members query: /limit must be >= 10',
    ]);
  });

  it('records an answer of its own that breaks the spec (a stand-in bug fails the test)', async () => {
    sandbox.hub.members.get('grace-h')!.role = 'owner';
    const res = await call('GET', '/api/organizations/acme/members?limit=10');
    expect(res.status).toBe(200);
    expect(sandbox.hub.takeViolations()).toContainEqual(
      expect.stringMatching(
        /^stand-in GET \/api\/organizations\/\{name\}\/members answer 200: \/\d+\/role must be equal to one of the allowed values/,
      ),
    );
  });

  it('leaves operations and statuses the spec does not describe unchecked', () => {
    const validator = new OpenApiValidator(spec as unknown as OpenApiDocument);
    expect(validator.checkRequest({ method: 'POST', url: new URL('http://x/oauth/token'), body: 'anything' })).toEqual([]);
    expect(
      validator.checkResponse({ method: 'GET', url: new URL('http://x/api/whoami-v2') }, { status: 401, body: { error: 'x' } }),
    ).toEqual([]);
    expect(
      validator.checkResponse({ method: 'GET', url: new URL('http://x/api/whoami-v2') }, { status: 200, body: { name: 'x' } }),
    ).not.toEqual([]);
  });

  it('still needs its erratum: without it no resource-group answer can conform', () => {
    const validator = new OpenApiValidator(spec as unknown as OpenApiDocument);
    const url = new URL('http://x/api/organizations/acme/resource-groups');
    const group = { id: '0123456789abcdef01234567', name: 'llm', users: [], resources: [] };
    expect(validator.checkResponse({ method: 'GET', url }, { status: 200, body: [group] })).toContainEqual(
      expect.stringContaining("must have required property 'repos'"),
    );
    expect(validator.checkResponse({ method: 'GET', url }, { status: 200, body: [{ ...group, repos: [] }] })).toContainEqual(
      expect.stringContaining('must NOT have additional properties'),
    );
  });

  it('vendors the reference file unchanged', () => {
    const reference = new URL('../../../shared/reference/hf-hub-openapi-orgs.json', import.meta.url);
    if (!existsSync(reference)) return;
    expect(JSON.parse(readFileSync(reference, 'utf8'))).toEqual(spec);
  });
});
