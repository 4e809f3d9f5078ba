import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobStarter } from '../../ports/job-starter.js';
import { UpstreamError } from '../../runtime/errors.js';

/** `JobStarter` on AWS Step Functions: StartExecution of the stack's ReconcileJob state machine. */
export class SfnJobStarter implements JobStarter {
  constructor(
    readonly client: SFNClient,
    readonly stateMachineArn: string,
  ) {}

  async start(
    name: string,
    input: { trigger: string; actor: string; resume?: string },
  ): Promise<{ executionArn: string; startedAt: string }> {
    try {
      const answer = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: answer.executionArn!, startedAt: (answer.startDate ?? new Date()).toISOString() };
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new UpstreamError(
        'stepfunctions',
        `start execution ${name} of ${this.stateMachineArn}`,
        `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        e.$metadata?.httpStatusCode,
        { cause: error },
      );
    }
  }
}
