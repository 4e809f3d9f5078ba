/** The stack's bucket: access reviews are written to it, approved plans read from it (S3 in AWS). */
export interface ReportStore {
  /** Stores `body` under `key`; answers where it is (e.g. `s3://bucket/key`). */
  put(key: string, body: string, contentType: string): Promise<string>;
  /** The text stored under `key` (an approved plan). */
  get(key: string): Promise<string>;
}
