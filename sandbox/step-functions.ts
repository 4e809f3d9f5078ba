/**
 * The local Step Functions: the ReconcileJob definition (state-machines/reconcile-job.yml) run by
 * aws-local-stepfunctions, for the tests and the benchmark. Not part of `npm start` or a bundle.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 is built for Node 22 (Lambda's nodejs22.x); this machine runs Node 20,
// which lacks one ES2024 call it makes: Promise.withResolvers. Defined here, for local runs only.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** The ARN the tests give reconcile-job (the deployed template binds it with Fn::GetAtt). */
const RECONCILE_JOB_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:hf-iam-sync-test-reconcile-job';

/** state-machines/reconcile-job.yml as Step Functions receives it: JSON, the function's ARN in each Task. */
export async function reconcileJobDefinition(): Promise<Record<string, any>> {
  const text = await readFile(join(import.meta.dirname, '../state-machines/reconcile-job.yml'), 'utf8');
  const bound = JSON.stringify(parse(text)).replaceAll(
    '{"Fn::GetAtt":["ReconcileDashjobLambdaFunction","Arn"]}',
    JSON.stringify(RECONCILE_JOB_ARN),
  );
  return JSON.parse(bound);
}

/** The state machine under aws-local-stepfunctions (which validates it with asl-validator first). */
export async function reconcileJobMachine(): Promise<StateMachine> {
  return new StateMachine((await reconcileJobDefinition()) as never, { validationOptions: { checkPaths: true, checkArn: true } });
}
