import { startEmbeddedDynamo } from '../shared/adapters/dynamodb/embedded.js';
import { HubStandIn } from '../sandbox/hub/hub-stand-in.js';
import { OktaStandIn } from '../sandbox/okta/okta-stand-in.js';
import { SANDBOX_HF_TOKEN, SANDBOX_OKTA_TOKEN } from '../sandbox/seed.js';
import { seedSyntheticOrg, syntheticConfig } from './synthetic-org.js';

/**
 * The benchmark's sandbox, in its own process so the product's peak memory is measured without
 * the stand-ins' 10,000-person fixtures. Talks to the parent over IPC: it announces the endpoints,
 * answers `counts` with the call logs, and stops on `stop`.
 */
const users = Number(process.env.BENCH_USERS ?? 10_000);
const groups = Number(process.env.BENCH_GROUPS ?? 50);
const okta = new OktaStandIn(SANDBOX_OKTA_TOKEN);
const hub = new HubStandIn('acme', 'plus');
hub.addToken(SANDBOX_HF_TOKEN, { user: 'root-admin', admin: true, kind: 'user' });
okta.rateLimits = { users: 6000, groups: 6000, logs: 6000 };
seedSyntheticOrg(okta, hub, { users, groups, driftPercent: 10 });
// An org whose last changes are an hour old (outside a delta read's 5-minute margin).
const settled = new Date(Date.now() - 3_600_000).toISOString();
for (const u of okta.users.values()) u.lastUpdated = settled;
for (const g of okta.groups.values()) g.lastMembershipUpdated = settled;

/**
 * `percent`% of the people change in Okta: every other one's profile (lastUpdated moves), the
 * rest move from their resource-group group to the next one (both groups' membership moves).
 * Answers with how many users were updated and the groups whose membership moved.
 */
function drift(percent: number): { updated: number; movedGroups: string[] } {
  const all = [...okta.users.values()];
  const every = Math.round(100 / percent);
  const moved = new Set<string>();
  let updated = 0;
  const rgGroups = [...okta.groups.values()].filter((g) => g.profile.name.startsWith('rg-'));
  // One person in each stretch of `every`, at a different place in each (so the moves spread over the groups).
  for (let k = 0; k * every < all.length; k += 1) {
    const i = k * every + ((k * 37) % every);
    const user = all[i];
    if (!user) break;
    if (k % 2 === 0) {
      okta.updateProfile(user.id, { lastName: `Changed ${i}` });
      updated += 1;
      continue;
    }
    const from = rgGroups.findIndex((g) => okta.memberships.get(g.id)!.has(user.id));
    const to = rgGroups[(from + 1) % rgGroups.length]!;
    okta.removeFromGroup(rgGroups[from]!.id, user.id);
    okta.addToGroup(to.id, user.id);
    moved.add(rgGroups[from]!.id).add(to.id);
  }
  return { updated, movedGroups: [...moved] };
}
const [oktaUrl, hubUrl, dynamo] = await Promise.all([okta.start(), hub.start(), startEmbeddedDynamo()]);

const summarize = (calls: typeof okta.calls) => {
  const byRoute: Record<string, number> = {};
  for (const c of calls) {
    const route = `${c.method} ${c.path.replace(/00[ug][A-Za-z0-9]{17}/g, '{id}').replace(/\/members\/[^/]+\/role$/, '/members/{user}/role')}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  return { total: calls.length, byRoute };
};

// Never outlive the benchmark, whatever happens to it.
process.on('disconnect', () => process.exit(0));
process.on('message', async (message: { type: string }) => {
  if (message.type === 'counts') {
    process.send!({ type: 'counts', okta: summarize(okta.calls), hub: summarize(hub.calls) });
    okta.calls.length = 0;
    okta.callTimes.length = 0;
    hub.calls.length = 0;
    hub.callTimes.length = 0;
  } else if (message.type === 'drift') {
    process.send!({ type: 'drifted', ...drift((message as { type: string; percent: number }).percent) });
  } else if (message.type === 'stop') {
    await Promise.all([okta.stop(), hub.stop(), dynamo.close()]);
    process.exit(0);
  }
});
process.send!({ type: 'ready', configText: syntheticConfig(oktaUrl, hubUrl, groups), dynamoEndpoint: dynamo.endpoint });
