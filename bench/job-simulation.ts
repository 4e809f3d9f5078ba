import FakeTimers from '@sinonjs/fake-timers';
import type { Change } from '../shared/domain/plan.js';
import type { DirectoryGroup, DirectoryUser, HubMember } from '../shared/domain/types.js';
import { HubOrgHttp } from '../shared/adapters/huggingface/hub-org.js';
import type { Directory } from '../shared/ports/directory.js';
import type { ManagedMember } from '../shared/domain/types.js';
import type { ChangeRecord, RunRecord } from '../shared/ports/audit-trail.js';
import type { StateStore } from '../shared/ports/state-store.js';
import type { StoredPlan } from '../shared/ports/stored-plans.js';
import { machineAnswer, runJobStep } from '../shared/reconcile/job-steps.js';
import { parseJobStep } from '../shared/reconcile/reconcile-event.js';
import type { ReconcilePorts } from '../shared/reconcile/reconcile.js';
import { parseConfig } from '../shared/runtime/config.js';
import { withDeadline } from '../shared/runtime/deadline.js';
import { LeaseHeldError } from '../shared/runtime/errors.js';
import { LeaseLostError } from '../shared/runtime/errors.js';
import { reconcileJobMachine } from '../sandbox/step-functions.js';

/**
 * A reconcile of SIM_CHANGES changes (default 100,000) against a Hub that allows 1,000 calls per
 * 5-minute window, run by the ReconcileJob state machine (aws-local-stepfunctions) on simulated
 * time: the real job code (plan, store, batches, checkpoints, the stale-plan check, the rate
 * limiter reading the Hub's RateLimit headers through the real Hub client) with an in-memory Hub
 * behind `fetch`, an in-memory directory and table, and a fake clock (@sinonjs/fake-timers) that
 * jumps to the next timer whenever nothing else is left to run. Assumed: 100 ms per Hub call,
 * 16 writes in flight, 15-minute invocations, 500 ms per Step Functions transition and invocation.
 * Prints the executions needed, batches, waits, 429s and the simulated wall time ÷ (changes ÷ rate);
 * SIM_TRACE=1 adds the Hub calls by route.
 */

const CHANGES = Number(process.env.SIM_CHANGES ?? 100_000);
const QUOTA = 1_000;
const WINDOW_S = 300;
const HUB_LATENCY_MS = 100;
const STEP_OVERHEAD_MS = 500;
const LAMBDA_MS = 900_000;
const LEAVERS = Math.floor(CHANGES / 100);
const ORG = 'acme';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Hub's three routes a reconcile of this org uses, with its fixed-window rate limit and headers. */
class SimHub {
  readonly members = new Map<string, HubMember>();
  calls = 0;
  readonly byKind: Record<string, number> = {};
  refused = 0;
  writes = 0;
  #window = { start: 0, used: 0 };

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    await sleep(HUB_LATENCY_MS);
    const now = Math.floor(Date.now() / 1000);
    if (now - this.#window.start >= WINDOW_S) this.#window = { start: now, used: 0 };
    const reset = this.#window.start + WINDOW_S - now;
    const policy = `"fixed window";"api";q=${QUOTA};w=${WINDOW_S}`;
    this.calls += 1;
    const kind = `${method} ${url.pathname.replace(/members\/[^/]+\/role/, 'members/:u/role')}?${[...url.searchParams.keys()].join(',')}`;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    if (this.#window.used >= QUOTA) {
      this.refused += 1;
      return Response.json(
        { error: 'rate limited' },
        { status: 429, headers: { ratelimit: `"api";r=0;t=${reset}`, 'ratelimit-policy': policy } },
      );
    }
    this.#window.used += 1;
    const headers = { ratelimit: `"api";r=${QUOTA - this.#window.used};t=${reset}`, 'ratelimit-policy': policy };
    const base = `/api/organizations/${ORG}`;
    const role = new RegExp(`^${base}/members/([^/]+)/role$`).exec(url.pathname);
    if (method === 'PUT' && role) {
      const body = JSON.parse(String(init?.body)) as { role: HubMember['role']; resourceGroups: Array<{ id: string; role: string }> };
      const member = this.members.get(decodeURIComponent(role[1]!).toLowerCase())!;
      member.role = body.role;
      this.writes += 1;
      return Response.json({ success: true }, { headers });
    }
    if (method === 'GET' && url.pathname === `${base}/members`) {
      const search = url.searchParams.get('search')?.toLowerCase();
      const all = search ? [...this.members.values()].filter((m) => m.user.toLowerCase().includes(search)) : [...this.members.values()];
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const page = all
        .slice(from, from + limit)
        .map((m) => ({ _id: `id-${m.user}`, user: m.user, fullname: m.fullname, type: 'user', role: m.role, resourceGroups: [] }));
      const next: Record<string, string> =
        from + limit < all.length ? { link: `<${url.origin}${url.pathname}?limit=${limit}&cursor=${from + limit}>; rel="next"` } : {};
      return Response.json(page, { headers: { ...headers, ...next } });
    }
    if (method === 'GET' && url.pathname === `${base}/resource-groups`) return Response.json([], { headers });
    return Response.json({ error: `not simulated: ${method} ${url.pathname}` }, { status: 404, headers });
  };
}

/** The directory's answers for a company whose every member should have `write` (1% deprovisioned). */
function simDirectory(users: DirectoryUser[]): Directory {
  const group: DirectoryGroup = { id: 'g-write', name: 'hf-acme-write', usersCount: users.length };
  const byRef = new Map(
    users.flatMap(
      (u) =>
        [
          [u.id, u],
          [u.login, u],
          [u.hfUsername!.toLowerCase(), u],
        ] as const,
    ),
  );
  const notSimulated = async (): Promise<never> => {
    throw new Error('not simulated');
  };
  return {
    findGroups: async () => [group],
    readOrganization: async () => ({ groups: [group], members: { [group.id]: users.map((u) => u.id) }, users }),
    readGroupMembers: async () => ({ members: { [group.id]: users.map((u) => u.id) }, users }),
    readUsersUpdatedSince: notSimulated,
    readDeletedUsersSince: notSimulated,
    findUsers: async (ref) => (byRef.has(ref.toLowerCase()) || byRef.has(ref) ? [byRef.get(ref) ?? byRef.get(ref.toLowerCase())!] : []),
    groupsOf: async () => [group],
    readLogPage: notSimulated,
    probeScopes: notSimulated,
  };
}

/** The table, in memory: the operations an organization run uses, with DynamoDB's conditions. */
function simState(): StateStore {
  const leases = new Map<string, { owner: string; until: number; readAtMs?: number }>();
  const changes = new Map<string, ChangeRecord>();
  const runs = new Map<string, RunRecord>();
  const managed = new Map<string, ManagedMember>();
  const plans = new Map<string, StoredPlan>();
  const chunks = new Map<string, string>();
  const key = (runId: string, seq: number) => `${runId}#${String(seq).padStart(6, '0')}`;
  const store: Partial<StateStore> = {
    acquireLease: async (org, owner, ttl, now) => {
      const held = leases.get(`LOCK#${org}`);
      if (held && held.until >= now.getTime())
        throw new LeaseHeldError(`reconcile lease for "${org}"`, held.owner, new Date(held.until).toISOString());
      leases.set(`LOCK#${org}`, { owner, until: now.getTime() + ttl });
    },
    renewLease: async (org, owner, ttl, now) => {
      const held = leases.get(`LOCK#${org}`);
      if (held?.owner !== owner) throw new LeaseLostError(`reconcile lease for "${org}"`);
      held.until = now.getTime() + ttl;
    },
    releaseLease: async (org, owner) => {
      if (leases.get(`LOCK#${org}`)?.owner === owner) leases.delete(`LOCK#${org}`);
    },
    holdMember: async (org, user, owner, ttl, now, readAtMs) => {
      const k = `HOLD#${org}#${user.toLowerCase()}`;
      const held = leases.get(k);
      if (held && held.owner !== owner && held.until >= now.getTime())
        return { heldBy: held.owner, until: new Date(held.until).toISOString() };
      if (held?.readAtMs !== undefined && held.readAtMs > readAtMs) return { decidedAtMs: held.readAtMs, by: held.owner };
      leases.set(k, { owner, until: now.getTime() + ttl, readAtMs });
      return 'held';
    },
    renewMemberHold: async (org, user, owner, ttl, now) => {
      const held = leases.get(`HOLD#${org}#${user.toLowerCase()}`);
      if (held?.owner !== owner) throw new LeaseLostError(`hold on member ${user}`);
      held.until = now.getTime() + ttl;
    },
    releaseMemberHold: async (org, user, owner) => {
      const held = leases.get(`HOLD#${org}#${user.toLowerCase()}`);
      if (held?.owner === owner) held.until = 0;
    },
    listManaged: async () => [...managed.values()],
    getManaged: async (_org, user) => managed.get(user.toLowerCase()) ?? null,
    saveManaged: async (_org, members) => {
      for (const member of members) managed.set(member.user.toLowerCase(), member);
    },
    findLinkedMembers: async () => [],
    putChangeAndMember: async (change, member) => {
      changes.set(key(change.runId, change.seq), structuredClone(change));
      managed.set(member.user.toLowerCase(), member);
    },
    putRun: async (run) => {
      runs.set(run.runId, structuredClone(run));
    },
    getRun: async (runId) => runs.get(runId) ?? null,
    putChange: async (change) => {
      changes.set(key(change.runId, change.seq), structuredClone(change));
    },
    getChange: async (runId, seq) => changes.get(key(runId, seq)) ?? null,
    listRunChanges: async (runId, from, to) => {
      const found: ChangeRecord[] = [];
      for (let seq = from; seq <= to; seq += 1) {
        const c = changes.get(key(runId, seq));
        if (c) found.push(c);
      }
      return found;
    },
    listIssuedTokens: async () => [],
    listSuspendedCredentials: async () => [],
    getScimManagedResourceGroups: async () => null,
    putScimManagedResourceGroups: async () => undefined,
    putStoredPlan: async (plan, parts) => {
      parts.forEach((part, i) => chunks.set(key(plan.runId, i), JSON.stringify(part)));
      plans.set(plan.runId, structuredClone(plan));
    },
    getStoredPlan: async (runId) => structuredClone(plans.get(runId) ?? null),
    getStoredPlanChunk: async (runId, index) => JSON.parse(chunks.get(key(runId, index))!) as Change[],
    advanceStoredPlan: async (runId, owner, from, next, now) => {
      const plan = plans.get(runId);
      if (plan?.owner !== owner || plan.cursor !== from) throw new LeaseLostError(`stored plan of run ${runId}`);
      plans.set(runId, { ...plan, ...structuredClone(next), updatedAt: now.toISOString() });
    },
  };
  return new Proxy(store as StateStore, {
    get(target, name) {
      const value = (target as unknown as Record<string | symbol, unknown>)[name];
      if (value === undefined && typeof name === 'string')
        return async () => {
          throw new Error(`not simulated: StateStore.${name}`);
        };
      return value;
    },
  });
}

export async function runJobSimulation(): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const clock = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    now: Date.UTC(2026, 10, 30, 6),
    loopLimit: 100_000_000,
  });
  const realFetch = globalThis.fetch;
  const hub = new SimHub();
  globalThis.fetch = hub.fetch as typeof fetch;
  try {
    const users: DirectoryUser[] = [];
    hub.members.set('root-admin', { user: 'root-admin', fullname: 'root', role: 'admin', resourceGroups: [] });
    for (let i = 0; i < CHANGES; i += 1) {
      const leaver = i < LEAVERS;
      users.push({
        id: `00u${i}`,
        login: `m${i}x@acme.example`,
        email: `m${i}x@acme.example`,
        status: leaver ? 'DEPROVISIONED' : 'ACTIVE',
        hfUsername: `m${i}x`,
        displayName: `M ${i}`,
      });
      hub.members.set(`m${i}x`, { user: `m${i}x`, fullname: `M ${i}`, role: leaver ? 'write' : 'read', resourceGroups: [] });
    }
    const config = parseConfig(
      [
        `organization: ${ORG}`,
        'okta: { orgUrl: "https://sim.okta.example" }',
        'huggingface: { endpoint: "https://sim-hub.example", membership: roles }',
        'rules:',
        '  - { group: hf-acme-write, role: write }',
        `safety: { maxRemovals: ${LEAVERS + 10}, protectedUsers: [root-admin] }`,
        '',
      ].join('\n'),
      'simulation.yaml',
    );
    const ports: ReconcilePorts = {
      directory: simDirectory(users),
      state: simState(),
      clock: () => new Date(),
      newRunId: () => 'r-simulated',
      hub: new HubOrgHttp({ endpoint: 'https://sim-hub.example', token: 'hf_simulated', organization: ORG, membership: 'roles' }),
    };
    let batches = 0;
    let waits = 0;
    let longestBatchMs = 0;
    const invocation =
      <T>(work: () => Promise<T>) =>
      async (): Promise<T> => {
        await sleep(STEP_OVERHEAD_MS);
        const at = Date.now();
        const answer = await withDeadline(Date.now() + LAMBDA_MS - 5_000, work);
        longestBatchMs = Math.max(longestBatchMs, Date.now() - at);
        return answer;
      };
    const machine = await reconcileJobMachine();
    const t0 = Date.now();
    clock.setTickMode({ mode: 'nextAsync' });
    const execution = machine.run(
      { trigger: 'schedule' },
      {
        overrides: {
          // The steps reconcile-job runs, from the input the machine sends it (parsed as the function parses it).
          taskResourceLocalHandlers: {
            Plan: (input: unknown) =>
              invocation(async () => machineAnswer(await runJobStep(ports, config, parseJobStep(input))))() as never,
            ApplyBatch: (input: unknown) =>
              invocation(async () => {
                batches += 1;
                const done = await runJobStep(ports, config, parseJobStep(input));
                if (done.step === 'apply' && done.ticket.waitSeconds > 0) waits += 1;
                return machineAnswer(done);
              })() as never,
            Finish: (input: unknown) =>
              invocation(async () => machineAnswer(await runJobStep(ports, config, parseJobStep(input))))() as never,
          },
        },
        context: { Execution: { Name: 'simulated', Input: { trigger: 'schedule' } } },
      },
    );
    const output = (await execution.result) as { result: { ok: boolean; outcome: string; counts: { applied: number } } };
    clock.setTickMode({ mode: 'manual' });
    const wallS = (Date.now() - t0) / 1000;
    const idealS = CHANGES / (QUOTA / WINDOW_S);
    const cpuUsed = process.cpuUsage(cpu);
    const ok = output.result.ok && output.result.outcome === 'succeeded' && output.result.counts.applied === CHANGES;
    console.log(
      `\nreconcile job, simulated (${CHANGES.toLocaleString('en-US')} changes, ${LEAVERS.toLocaleString('en-US')} of them leavers; Hub ${QUOTA.toLocaleString('en-US')} calls / ${WINDOW_S / 60} min; ${HUB_LATENCY_MS} ms a call; 15-min invocations)`,
    );
    console.log(
      `  executions needed                    ${ok ? '1 (goal 1) ✓' : `more than 1 (goal 1) ✗: the execution ended ${output.result.outcome} with ${output.result.counts.applied} applied`}`,
    );
    console.log(
      `  batches / Wait states                ${batches} / ${waits}; longest batch ${(longestBatchMs / 1000).toFixed(1)} s; state transitions ≈ ${batches * 4 + waits * 2 + 6} (Step Functions' history limit 25,000)`,
    );
    console.log(
      `  429s / Hub writes / Hub calls        ${hub.refused} / ${hub.writes.toLocaleString('en-US')} / ${hub.calls.toLocaleString('en-US')}`,
    );
    console.log(
      `  simulated wall time                  ${(wallS / 3600).toFixed(2)} h; ÷ (changes ÷ rate = ${(idealS / 3600).toFixed(2)} h) = ${(wallS / idealS).toFixed(3)} (goal ≤ 1.05) ${wallS / idealS <= 1.05 ? '✓' : '✗'}`,
    );
    if (process.env.SIM_TRACE) console.log(hub.byKind);
    console.log(
      `  cost of the simulation               ${((performance.now() - started) / 1000).toFixed(1)} s real, ${((cpuUsed.user + cpuUsed.system) / 1e6).toFixed(1)} s CPU`,
    );
  } finally {
    globalThis.fetch = realFetch;
    clock.uninstall();
  }
}
