import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { SandboxRequest, SandboxResponse } from '../http-kit.js';

/**
 * Holds a stand-in to a published OpenAPI document (3.1, JSON Schema 2020-12), with Ajv: every
 * request it receives (path and query parameters, JSON body) and every answer it gives (the body of
 * a documented status) is checked against the operation the spec declares for that method and path.
 * Operations the document does not describe are not checked; neither are statuses without a schema
 * (the spec subset documents few errors).
 */

type Schema = Record<string, unknown>;
interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface CompiledOperation {
  method: string;
  template: string;
  pattern: RegExp;
  keys: string[];
  path?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
  bodyRequired: boolean;
  responses: Map<string, ValidateFunction>;
}

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

/**
 * Inlines `#/components/schemas/…` references and drops the annotations Ajv refuses below a root
 * (`$schema`, a string `id` naming a component); keys of a `properties` map are property names, kept.
 */
function resolve(node: unknown, doc: OpenApiDocument, propertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => resolve(n, doc));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/')) return resolve(doc.components?.schemas?.[ref.slice(21)], doc);
  const entries = Object.entries(node).filter(
    ([k, v]) => propertyMap || !(k === '$schema' || k === 'examples' || (k === 'id' && typeof v === 'string')),
  );
  return Object.fromEntries(
    entries.map(([k, v]) => [k, resolve(v, doc, !propertyMap && (k === 'properties' || k === 'patternProperties'))]),
  );
}

export class OpenApiValidator {
  readonly #operations: CompiledOperation[] = [];

  constructor(doc: OpenApiDocument) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const params = new Ajv2020({ allErrors: true, strict: false, coerceTypes: true });
    addFormats(ajv);
    addFormats(params);
    for (const [template, item] of Object.entries(doc.paths)) {
      const keys: string[] = [];
      const pattern = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_, k: string) => (keys.push(k), '([^/]+)'))}$`);
      for (const [method, op] of Object.entries(item)) {
        const group = (where: string) => {
          const list = (op.parameters ?? []).filter((p) => p.in === where);
          if (list.length === 0) return undefined;
          return params.compile({
            type: 'object',
            properties: Object.fromEntries(list.map((p) => [p.name, resolve(p.schema ?? {}, doc)])),
            required: list.filter((p) => p.required).map((p) => p.name),
          });
        };
        const bodySchema = op.requestBody?.content?.['application/json']?.schema;
        const responses = new Map<string, ValidateFunction>();
        for (const [status, r] of Object.entries(op.responses ?? {})) {
          const schema = r.content?.['application/json']?.schema;
          if (schema && Object.keys(resolve(schema, doc) as Schema).length > 0)
            responses.set(status, ajv.compile(resolve(schema, doc) as Schema));
        }
        const compiled: CompiledOperation = {
          method: method.toUpperCase(),
          template,
          pattern,
          keys,
          bodyRequired: bodySchema !== undefined,
          responses,
        };
        const path = group('path');
        const query = group('query');
        if (path) compiled.path = path;
        if (query) compiled.query = query;
        if (bodySchema) compiled.body = ajv.compile(resolve(bodySchema, doc) as Schema);
        this.#operations.push(compiled);
      }
    }
  }

  /** The spec's operation for a method and path, if it describes one (the most literal template wins). */
  #find(method: string, pathname: string): { op: CompiledOperation; params: Record<string, string> } | undefined {
    const candidates = this.#operations.filter((o) => o.method === method && o.pattern.test(pathname));
    const op = candidates.sort((a, b) => a.keys.length - b.keys.length)[0];
    if (!op) return undefined;
    const match = op.pattern.exec(pathname)!;
    return { op, params: Object.fromEntries(op.keys.map((k, i) => [k, decodeURIComponent(match[i + 1]!)])) };
  }

  /** What is wrong with a request, in the words a Hub 400 would use; empty when it conforms. */
  checkRequest(req: Pick<SandboxRequest, 'method' | 'url' | 'body'>): string[] {
    const found = this.#find(req.method, req.url.pathname);
    if (!found) return [];
    const { op, params } = found;
    const where = `${op.method} ${op.template}`;
    const problems: string[] = [];
    if (op.path && !op.path({ ...params })) problems.push(...describe(`${where} path`, op.path));
    if (op.query) {
      const query: Record<string, string> = {};
      for (const [k, v] of req.url.searchParams) query[k] = v;
      if (!op.query(query)) problems.push(...describe(`${where} query`, op.query));
    }
    if (op.body) {
      if (req.body === undefined) problems.push(`${where} body: a JSON body is required`);
      else if (!op.body(req.body)) problems.push(...describe(`${where} body`, op.body));
    }
    return problems;
  }

  /** What is wrong with an answer the stand-in is about to give (a bug in the stand-in). */
  checkResponse(req: Pick<SandboxRequest, 'method' | 'url'>, reply: SandboxResponse): string[] {
    const found = this.#find(req.method, req.url.pathname);
    const validate = found?.op.responses.get(String(reply.status));
    if (!found || !validate) return [];
    return validate(reply.body) ? [] : describe(`${found.op.method} ${found.op.template} answer ${reply.status}`, validate);
  }
}

function describe(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (e) =>
        `${where}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
}
