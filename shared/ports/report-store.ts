/** Where reports (access reviews) are kept: an S3 bucket of the stack in AWS. */
export interface ReportStore {
  /** Stores `body` under `key`; answers where it is (e.g. `s3://bucket/key`). */
  put(key: string, body: string, contentType: string): Promise<string>;
}
