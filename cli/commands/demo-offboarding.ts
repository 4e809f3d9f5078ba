import { composeEventSink } from '../../composition/compose.js';
import { handleOktaEvents } from '../../shared/offboarding/handle-okta-events.js';
import { EventBridgeStandIn } from '../../sandbox/aws/eventbridge-stand-in.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { CliIo } from '../io.js';
import { openCommand } from '../command-setup.js';

/**
 * Demo step 5: an admin deactivates Grace in Okta; the System Log event reaches the okta-event
 * path as EventBridge would deliver it, and her access is gone before the step ends.
 */
export async function offboardingStep(sandbox: Sandbox, config: string, io: CliIo, out: CliIo): Promise<boolean> {
  out.stdout('\n━━━ 5. Okta deactivates grace@acme.example: event-driven offboarding\n');
  const bus = new EventBridgeStandIn();
  await bus.start();
  const { config: parsed, composition } = await openCommand(config, io);
  try {
    const events = composeEventSink({ EVENT_BUS_NAME: 'hf-iam-sync-demo', EVENTBRIDGE_ENDPOINT: bus.baseUrl });
    const before = sandbox.hub.member('grace-h');
    out.stdout(
      `Hub before: grace-h is ${before?.role} with resource groups ${JSON.stringify(sandbox.hub.memberResourceGroups('grace-h'))}`,
    );
    const event = sandbox.okta.deactivate(sandbox.okta.userByLogin('grace@acme.example').id);
    out.stdout(`Okta System Log: ${event.eventType} ${event.uuid} by ${(event.actor as { alternateId: string }).alternateId}`);
    const started = performance.now();
    const result = await handleOktaEvents({ ...composition.ports, events }, parsed, [event], 'eventbridge');
    const ms = performance.now() - started;
    for (const o of result.outcomes) out.stdout(`Event ${o.uuid}: ${o.outcome} (${o.detail})`);
    out.stdout(
      `Hub after ${ms.toFixed(0)} ms: grace-h is ${sandbox.hub.member('grace-h')?.role} with resource groups ${JSON.stringify(sandbox.hub.memberResourceGroups('grace-h'))}`,
    );
    for (const e of bus.received)
      out.stdout(
        `Published to our bus: ${e.detailType} ${JSON.stringify({ user: e.detail.user, reasons: e.detail.reasons, triggeredBy: e.detail.triggeredBy })}`,
      );
    return sandbox.hub.member('grace-h')?.role === 'no_access';
  } finally {
    await composition.close();
    await bus.stop();
  }
}
