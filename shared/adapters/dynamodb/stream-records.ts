import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  recordOfChange,
  recordOfRotationStep,
  type AuditedChange,
  type AuditedRotationStep,
  type AuditRecord,
} from '../../domain/audit-record.js';

/**
 * Our own audit records from the table's DynamoDB Stream (NEW_IMAGE), as Lambda hands them over
 * (`Records[].dynamodb.NewImage`): every change item (`RUN#…`/`CHANGE#…`: a plan's change, a guard
 * override, an unlock, a restore, a CI token issued, refused, deleted or revoked) and every
 * rotation step (`CRED#…`/`EVENT#…`) becomes an audit record.
 * Other items (leases, holds, claims, cursors, stored plans) are not evidence and are skipped. A
 * record written twice (a change's `started`, then its `applied`) is delivered twice with one id:
 * a reader keyed by id keeps the last.
 */

/** A stream record as Lambda's event carries it (aws-lambda's `DynamoDBRecord` is one). */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, object>; SequenceNumber?: string };
}

/** The audit records of a stream batch, in its order; the sequence number of each, for partial batch failures. */
export function auditRecordsOf(records: readonly StreamRecord[], organization: string): Array<{ sequence: string; record: AuditRecord }> {
  return records.flatMap((r) => {
    const image = r.dynamodb?.NewImage;
    if (r.eventName === 'REMOVE' || !image) return [];
    const item = unmarshall(image as Record<string, AttributeValue>) as Record<string, unknown>;
    const [pk, sk] = [String(item.pk ?? ''), String(item.sk ?? '')];
    const sequence = r.dynamodb?.SequenceNumber ?? '';
    if (pk.startsWith('RUN#') && sk.startsWith('CHANGE#')) return [{ sequence, record: recordOfChange(item as unknown as AuditedChange) }];
    if (pk.startsWith('CRED#') && sk.startsWith('EVENT#'))
      return [{ sequence, record: recordOfRotationStep(organization, item as unknown as AuditedRotationStep) }];
    return [];
  });
}
