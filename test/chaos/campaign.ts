import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault, StandInServer } from '../../sandbox/http-kit.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { runCli } from '../helpers/cli.js';
import { foreignNextLink, malformedNextLink } from '../helpers/link-faults.js';

/**
 * Fault schedules against the sandbox, run through the CLI's `apply` as a user would: each
 * schedule puts 1–3 faults (5xx, 429, dropped connections, lost write answers, hangs, malformed and
 * foreign next links, pages that silently drop an item, truncated bodies) on random Okta and Hub
 * routes, from a seeded generator, so every schedule is reproducible from its seed. After each run
 * it checks what "never the wrong person" means:
 *
 *   1. every Hub write is one the fault-free run makes (same member, same body);
 *   2. every member ends either as they started or as the fault-free run leaves them;
 *   3. exit 0 only when every member ends as the fault-free run leaves them;
 *   4. a run that says a read failed wrote nothing and did not exit 0;
 *   5. a second, fault-free run converges to the fault-free result and exits 0.
 */

type Side = 'okta' | 'hub';
interface Target {
  side: Side;
  method: string;
  path: RegExp;
  kinds: readonly Kind[];
}
type Kind =
  'status500' | 'status503' | 'rate429' | 'reset' | 'lostAnswer' | 'hang' | 'malformedLink' | 'foreignLink' | 'dropItem' | 'truncated';

const PAGES: readonly Kind[] = [
  'status500',
  'status503',
  'rate429',
  'reset',
  'hang',
  'malformedLink',
  'foreignLink',
  'dropItem',
  'truncated',
];
const TARGETS: readonly Target[] = [
  { side: 'okta', method: 'GET', path: /^\/api\/v1\/groups$/, kinds: PAGES },
  { side: 'okta', method: 'GET', path: /^\/api\/v1\/groups\/[^/]+\/users$/, kinds: PAGES },
  { side: 'okta', method: 'GET', path: /^\/api\/v1\/users$/, kinds: PAGES },
  { side: 'okta', method: 'GET', path: /^\/api\/v1\/users\/[^/]+$/, kinds: ['status500', 'reset', 'hang', 'truncated'] },
  { side: 'okta', method: 'GET', path: /^\/api\/v1\/users\/[^/]+\/groups$/, kinds: ['status500', 'reset', 'dropItem', 'truncated'] },
  { side: 'hub', method: 'GET', path: /\/members$/, kinds: PAGES },
  {
    side: 'hub',
    method: 'GET',
    path: /\/resource-groups$/,
    kinds: ['status500', 'status503', 'rate429', 'reset', 'hang', 'dropItem', 'truncated'],
  },
  {
    side: 'hub',
    method: 'PUT',
    path: /\/members\/[^/]+\/role$/,
    kinds: ['status500', 'status503', 'rate429', 'reset', 'lostAnswer', 'hang'],
  },
];

/** mulberry32: a small seeded generator, so a schedule is its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ScheduledFault {
  side: Side;
  kind: Kind;
  method: string;
  path: string;
  skip: number;
  times: number;
}

function scheduleFor(seed: number): ScheduledFault[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
    const target = pick(TARGETS);
    // Hangs cost the run's whole deadline: rarer than the rest.
    let kind = pick(target.kinds);
    if (kind === 'hang' && next() < 0.6) kind = target.kinds[0]!;
    return {
      side: target.side,
      kind,
      method: target.method,
      path: target.path.source,
      skip: Math.floor(next() * 3),
      times: 1 + Math.floor(next() * 3),
    };
  });
}

function toFault(f: ScheduledFault, foreignOrigin: string): Fault {
  const base = { method: f.method, path: new RegExp(f.path), skip: f.skip, times: f.times };
  switch (f.kind) {
    case 'status500':
      return { ...base, status: 500 };
    case 'status503':
      return { ...base, status: 503 };
    case 'rate429':
      return f.side === 'hub'
        ? { ...base, status: 429, headers: { ratelimit: '"api";r=0;t=0', 'ratelimit-policy': '"fixed window";"api";q=10000;w=300' } }
        : {
            ...base,
            status: 429,
            headers: {
              'x-rate-limit-limit': '600',
              'x-rate-limit-remaining': '0',
              'x-rate-limit-reset': String(Math.floor(Date.now() / 1000)),
            },
            body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
          };
    case 'reset':
      return { ...base, status: 0, reset: true };
    case 'lostAnswer':
      return { ...base, status: 0, reset: true, afterRoute: true };
    case 'hang':
      return { ...base, status: 0, hang: true };
    case 'malformedLink':
      return { ...base, status: 200, rewrite: malformedNextLink };
    case 'foreignLink':
      return { ...base, status: 200, rewrite: foreignNextLink(foreignOrigin) };
    case 'dropItem':
      return {
        ...base,
        status: 200,
        rewrite: (reply) => (Array.isArray(reply.body) && reply.body.length > 0 ? { ...reply, body: reply.body.slice(1) } : reply),
      };
    case 'truncated':
      return { ...base, status: 200, rewrite: (reply) => ({ ...reply, raw: JSON.stringify(reply.body ?? null).slice(0, 40) }) };
  }
}

type Access = { role: string; groups: Record<string, string> };
const accessOf = (sandbox: Sandbox): Record<string, Access> =>
  Object.fromEntries(
    [...sandbox.hub.members.values()].map((m) => [m.user, { role: m.role, groups: sandbox.hub.memberResourceGroups(m.user) }]),
  );
/** Every role write that landed, with resource groups by name (their ids differ from sandbox to sandbox). */
const writesOf = (sandbox: Sandbox) =>
  sandbox.hub.calls
    .filter((c) => c.method === 'PUT' && c.body !== undefined)
    .map((c) => {
      const body = c.body as { role: string; resourceGroups?: Array<{ id: string; role: string }> };
      const groups = (body.resourceGroups ?? []).map((rg) => `${sandbox.hub.resourceGroups.get(rg.id)?.name ?? rg.id}:${rg.role}`).sort();
      return `${c.path} ${body.role} [${groups.join(',')}]`;
    });

/** The sample company with nothing a guard holds back, so a clean apply exits 0. */
async function freshCompany(): Promise<{ sandbox: Sandbox; dir: string; config: string; env: Record<string, string> }> {
  const sandbox = await startSandbox();
  sandbox.okta.addToGroup(sandbox.okta.groupByName('hf-acme-admin').id, sandbox.okta.userByLogin('it-root@acme.example').id);
  const dir = await mkdtemp(join(tmpdir(), 'hf-iam-sync-chaos-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, sandbox.configText.replace('protectedUsers: [root-admin]', 'protectedUsers: []'));
  return { sandbox, dir, config, env: { ...sandbox.env, HF_IAM_SYNC_ACTOR: 'chaos' } };
}

export interface Reference {
  final: Record<string, Access>;
  writes: Set<string>;
}

/** The fault-free run: what every member ends as, and every write it makes. */
export async function reference(): Promise<Reference> {
  const c = await freshCompany();
  try {
    const run = await runCli(['apply', '--config', c.config, '--yes'], { env: c.env });
    if (run.code !== 0) throw new Error(`the fault-free run did not succeed: ${run.stdout}${run.stderr}`);
    return { final: accessOf(c.sandbox), writes: new Set(writesOf(c.sandbox)) };
  } finally {
    await c.sandbox.stop();
    await rm(c.dir, { recursive: true, force: true });
  }
}

export interface ScheduleResult {
  seed: number;
  faults: ScheduledFault[];
  exit: number;
  violations: string[];
}

export async function runSchedule(seed: number, ref: Reference, foreign: StandInServer): Promise<ScheduleResult> {
  const faults = scheduleFor(seed);
  const c = await freshCompany();
  const violations: string[] = [];
  try {
    const start = accessOf(c.sandbox);
    for (const f of faults) c.sandbox[f.side].inject(toFault(f, foreign.baseUrl));
    const run = await runCli(['apply', '--config', c.config, '--yes', '--deadline', '3s'], { env: c.env });
    // The stand-ins' own spec checks are not what this campaign is about (a garbled answer is the point).
    c.sandbox.hub.takeViolations();
    const writes = writesOf(c.sandbox);
    for (const w of writes) if (!ref.writes.has(w)) violations.push(`a write the fault-free run does not make: ${w}`);
    const end = accessOf(c.sandbox);
    for (const [user, access] of Object.entries(end)) {
      const same = (a: Access | undefined) => JSON.stringify(a) === JSON.stringify(access);
      if (!same(start[user]) && !same(ref.final[user]))
        violations.push(`${user} ends as ${JSON.stringify(access)}: neither as it started nor as the fault-free run leaves it`);
    }
    const complete = Object.entries(ref.final).every(([user, access]) => JSON.stringify(end[user]) === JSON.stringify(access));
    if (run.code === 0 && !complete) violations.push('exit 0, but not every member ends as the fault-free run leaves them');
    if (/Reading .* failed, so nothing was changed/.test(run.stderr) && (writes.length > 0 || run.code === 0))
      violations.push(`a failed read, yet ${writes.length} write(s) and exit ${run.code}`);
    if (foreign.calls.length > 0) violations.push(`${foreign.calls.length} request(s) followed a next link to another origin`);
    for (const side of ['okta', 'hub'] as const) c.sandbox[side].clearFaults();
    const again = await runCli(['apply', '--config', c.config, '--yes'], { env: c.env });
    const converged = JSON.stringify(accessOf(c.sandbox)) === JSON.stringify(ref.final);
    if (again.code !== 0 || !converged)
      violations.push(
        `the fault-free rerun ${converged ? '' : 'did not converge and '}exited ${again.code}: ${(again.stderr || again.stdout).split('\n').slice(-3).join(' ')}`,
      );
    return { seed, faults, exit: run.code, violations };
  } finally {
    foreign.calls.length = 0;
    foreign.callTimes.length = 0;
    await c.sandbox.stop();
    await rm(c.dir, { recursive: true, force: true });
  }
}
