import spec from '../../test/fixtures/reference/hf-hub-openapi-orgs.json' with { type: 'json' };
import { OpenApiValidator, type OpenApiDocument } from './openapi-validator.js';

/**
 * The Hub's OpenAPI subset (vendored from ../shared/reference; a test keeps the copies equal),
 * compiled once per process, with its errata applied: places where the document contradicts
 * itself, so that no answer could conform. Each erratum is the smallest change that makes the
 * schema satisfiable, and the test of the validator checks it is still needed. One today:
 * `GET /api/organizations/{name}/resource-groups` → 200 items require `repos`, which is not a
 * declared property while additionalProperties is false; it is declared as an array (the group's
 * repositories, as the Hub returns them).
 */
function withErrata(doc: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(doc);
  const items = (
    copy.paths['/api/organizations/{name}/resource-groups']?.get?.responses?.['200']?.content?.['application/json']?.schema as
      { items?: { properties?: Record<string, unknown> } } | undefined
  )?.items;
  if (items?.properties && !('repos' in items.properties)) items.properties.repos = { type: 'array' };
  return copy;
}

let compiled: OpenApiValidator | undefined;
export function hubSpec(): OpenApiValidator {
  compiled ??= new OpenApiValidator(withErrata(spec as unknown as OpenApiDocument));
  return compiled;
}
