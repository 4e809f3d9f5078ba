import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFunctionsStandIn } from '../../sandbox/aws/stepfunctions-stand-in.js';

/** The Step Functions stand-in, checked by the official client: StartExecution's documented rules. */

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';
let sfn: StepFunctionsStandIn;
let client: SFNClient;
const runs: Array<{ input: unknown; name: string }> = [];

beforeAll(async () => {
  sfn = new StepFunctionsStandIn();
  await sfn.start();
  sfn.addStateMachine(ARN, async (input, name) => {
    runs.push({ input, name });
    return { ok: true };
  });
  client = new SFNClient({ endpoint: sfn.baseUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  client.destroy();
  await sfn.stop();
});

const start = (input: Record<string, unknown>) => client.send(new StartExecutionCommand({ stateMachineArn: ARN, ...input } as never));

describe('the Step Functions stand-in (StartExecution)', () => {
  it('starts an execution, named or not, and hands it its input', async () => {
    const named = await start({ name: 'run-1', input: '{"actor":"a"}' });
    expect(named.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:m:run-1');
    expect(named.startDate).toBeInstanceOf(Date);
    const unnamed = await start({});
    expect(unnamed.executionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:m:[0-9a-f-]{36}$/);
    expect(runs.map((r) => r.input)).toEqual([{ actor: 'a' }, {}]);
  });

  it('is idempotent on the same name and input; another input under that name is ExecutionAlreadyExists', async () => {
    const first = await start({ name: 'same', input: '{"a":1}' });
    const again = await start({ name: 'same', input: '{"a":1}' });
    expect(again.executionArn).toBe(first.executionArn);
    expect(runs.filter((r) => r.name === 'same')).toHaveLength(1);
    await expect(start({ name: 'same', input: '{"a":2}' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('refuses a missing machine, a bad name, and input that is not JSON or too long', async () => {
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: `${ARN}-x` }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(start({ name: 'has space' })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(start({ name: 'x'.repeat(81) })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(start({ input: '{not json' })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(start({ input: JSON.stringify({ pad: 'x'.repeat(262_144) }) })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
  });
});
