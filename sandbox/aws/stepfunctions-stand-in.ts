import { StandInServer, type SandboxResponse } from '../http-kit.js';

/**
 * A stand-in for AWS Step Functions' StartExecution (`POST /`, `X-Amz-Target:
 * AWSStepFunctions.StartExecution`, `application/x-amz-json-1.0`), so the real
 * `@aws-sdk/client-sfn` is tested against it. Its documented rules: the state machine must exist
 * (`StateMachineDoesNotExist`); a name is 1–80 characters of letters, digits, `-` and `_`
 * (`InvalidName`); the input is JSON of at most 256 KiB (`InvalidExecutionInput`); a name used again
 * with the same input is the same execution (idempotent), with another input `ExecutionAlreadyExists`.
 * An execution is handed to `run` (a test binds it to aws-local-stepfunctions and the real handler).
 */

export interface StartedExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: unknown;
  startDate: number;
  /** What `run` returned (the execution's output), once it has. */
  done?: Promise<unknown>;
}

const MAX_INPUT = 262_144;

export class StepFunctionsStandIn extends StandInServer {
  readonly executions: StartedExecution[] = [];
  readonly #machines = new Map<string, (input: unknown, name: string) => Promise<unknown>>();

  constructor() {
    super();
    this.route('POST', '/', (req) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      if (target !== 'StartExecution')
        return this.#error('UnknownOperationException', `Operation ${target} is not supported by the stand-in`);
      return this.#start((req.body ?? {}) as Record<string, unknown>);
    });
  }

  /** Declares a state machine; `run` executes each execution started on it. */
  addStateMachine(arn: string, run: (input: unknown, name: string) => Promise<unknown>): void {
    this.#machines.set(arn, run);
  }

  #start(body: Record<string, unknown>): SandboxResponse {
    const arn = String(body.stateMachineArn ?? '');
    const run = this.#machines.get(arn);
    if (!run) return this.#error('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const name = body.name === undefined ? crypto.randomUUID() : String(body.name);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) return this.#error('InvalidName', `Invalid Name: '${name}'`);
    const text = body.input === undefined ? '{}' : String(body.input);
    if (Buffer.byteLength(text) > MAX_INPUT) return this.#error('InvalidExecutionInput', 'Input is longer than 262144 bytes');
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      return this.#error('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const same = this.executions.find((e) => e.stateMachineArn === arn && e.name === name);
    if (same) {
      if (JSON.stringify(same.input) !== JSON.stringify(input))
        return this.#error('ExecutionAlreadyExists', `Execution Already Exists: '${same.executionArn}'`);
      return this.#ok({ executionArn: same.executionArn, startDate: same.startDate });
    }
    const execution: StartedExecution = {
      executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: arn,
      name,
      input,
      startDate: Date.now() / 1000,
    };
    execution.done = run(input, name);
    execution.done.catch(() => undefined);
    this.executions.push(execution);
    return this.#ok({ executionArn: execution.executionArn, startDate: execution.startDate });
  }

  #ok(body: unknown): SandboxResponse {
    return { status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.0' } };
  }

  #error(type: string, message: string): SandboxResponse {
    return {
      status: 400,
      body: { __type: `com.amazonaws.sfn#${type}`, message },
      headers: { 'content-type': 'application/x-amz-json-1.0' },
    };
  }
}
