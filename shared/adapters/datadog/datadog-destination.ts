import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { AuditRecord } from '../../domain/audit-record.js';
import type { AuditDestination, DeliveryResult } from '../../ports/audit-destination.js';
import { requestTimeout } from '../../runtime/deadline.js';
import { UpstreamError } from '../../runtime/errors.js';
import { pack } from '../../runtime/pack.js';

/**
 * `AuditDestination` on Datadog's logs intake (`POST https://http-intake.logs.<site>/api/v2/logs`):
 * entries `ddsource: huggingface`, `service: hf-iam-sync`, the record's JSON as `message` (Datadog
 * parses it into attributes), gzip; at most 1,000 entries and 5 MB (uncompressed) a request. A 408,
 * 429 or 5xx throws a retryable `UpstreamError` (the forwarder sends the records again later); a
 * 400, 401, 403 or 413 throws naming the setting to fix. The API key is sent only in `DD-API-KEY`.
 */

const MAX_ENTRIES = 1_000;
const MAX_BYTES = 5_000_000;
/** Datadog truncates a log over 1 MB; a record that would be one loses its `hub` copy instead (`hubTruncated: true`). */
const MAX_ENTRY_BYTES = 1_000_000;
const gzipped = promisify(gzip);

export interface DatadogOptions {
  /** `datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, … (or a full intake URL, for a local stand-in). */
  site: string;
  apiKey: string;
  /** Tags on every entry (`env:prod`, `team:security`). */
  tags: readonly string[];
}

export class DatadogDestination implements AuditDestination {
  readonly name = 'datadog';
  readonly #url: string;

  constructor(readonly options: DatadogOptions) {
    this.#url = /^https?:\/\//.test(options.site)
      ? `${options.site.replace(/\/$/, '')}/api/v2/logs`
      : `https://http-intake.logs.${options.site}/api/v2/logs`;
  }

  async deliver(records: readonly AuditRecord[]): Promise<DeliveryResult> {
    const entries = records.map((r) => this.#entryOf(r));
    for (const batch of pack(entries, {
      maxCount: MAX_ENTRIES,
      maxBytes: MAX_BYTES,
      sizeOf: (e) => Buffer.byteLength(JSON.stringify(e)) + 1,
    }))
      await this.#send(batch);
    return { accepted: records.length, refused: [] };
  }

  #entryOf(record: AuditRecord): Record<string, unknown> {
    const tags = [...this.options.tags, `source:${record.source}`, `organization:${record.organization}`, `action:${record.action}`];
    const entry = {
      ddsource: 'huggingface',
      service: 'hf-iam-sync',
      hostname: 'hf-iam-sync',
      ddtags: tags.join(','),
      message: JSON.stringify(record),
    };
    if (Buffer.byteLength(JSON.stringify(entry)) <= MAX_ENTRY_BYTES) return entry;
    const { hub: _hub, ...rest } = record;
    return { ...entry, message: JSON.stringify({ ...rest, hubTruncated: true }) };
  }

  async #send(batch: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    const body = await gzipped(JSON.stringify(batch));
    let answer: Response;
    try {
      answer = await fetch(this.#url, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(requestTimeout(10_000)),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'dd-api-key': this.options.apiKey },
      });
    } catch (error) {
      throw new UpstreamError('datadog', `send ${batch.length} audit records`, `network error: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    if (answer.status === 202 || answer.status === 200) return;
    const text = (await answer.text()).slice(0, 200);
    const fix =
      answer.status === 403 || answer.status === 401
        ? ' — check the Datadog API key (DD_API_KEY) and datadog.site'
        : answer.status === 400 || answer.status === 413
          ? ' — the intake refused the request as sent (a bug to report)'
          : ' — retried on the next forwarding';
    throw new UpstreamError('datadog', `send ${batch.length} audit records`, `${text}${fix}`, answer.status);
  }
}
