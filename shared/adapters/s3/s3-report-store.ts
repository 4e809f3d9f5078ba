import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportStore } from '../../ports/report-store.js';
import { UpstreamError } from '../../runtime/errors.js';

/** `ReportStore` on an S3 bucket (encrypted at rest by the bucket's default encryption). */
export class S3ReportStore implements ReportStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<string> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new UpstreamError(
        's3',
        `store ${key} in bucket ${this.bucket}`,
        `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        e.$metadata?.httpStatusCode,
        { cause: error },
      );
    }
    return `s3://${this.bucket}/${key}`;
  }

  async get(key: string): Promise<string> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await answer.Body!.transformToString('utf8');
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new UpstreamError(
        's3',
        `read ${key} from bucket ${this.bucket}`,
        `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        e.$metadata?.httpStatusCode,
        { cause: error },
      );
    }
  }
}
