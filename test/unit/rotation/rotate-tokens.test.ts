import { describe, expect, it } from 'vitest';
import { rotateTokens } from '../../../shared/rotation/rotate-tokens.js';
import type { RotationPorts } from '../../../shared/rotation/rotate-credential.js';
import { InMemoryHubTokens, InMemorySecretStore } from '../../fakes/in-memory-rotation.js';
import { InMemoryCredentialStore } from '../../fakes/in-memory-state.js';
import { InMemoryEventSink, useCaseWorld } from '../../fakes/use-case-world.js';
import { credentialsYaml } from '../../helpers/rotation-env.js';

const SECRET = 'hf-iam-sync/test/ci';
const HOUR = 3_600_000;

function rotationWorld() {
  const { config } = useCaseWorld((text) => `${text}${credentialsYaml()}`);
  const hub = new InMemoryHubTokens();
  const secrets = new InMemorySecretStore();
  const store = new InMemoryCredentialStore();
  const events = new InMemoryEventSink();
  let now = Date.parse('2026-12-07T09:00:00Z');
  const ports: RotationPorts = { hub, secrets, store, events, clock: () => new Date(now) };
  let runs = 0;
  const rotate = () => rotateTokens(ports, config.credentials, 'acme', { dryRun: false, runId: `rot-${++runs}` });
  return { hub, secrets, store, events, ports, rotate, credentials: config.credentials, advance: (ms: number) => void (now += ms) };
}

describe('rotateTokens (a service account credential)', () => {
  it('mints, verifies and promotes a first token consumers can use; the next run has nothing to do', async () => {
    const w = rotationWorld();
    const first = await w.rotate();
    expect(first.results[0]).toMatchObject({ credential: 'ci', outcome: 'rotated' });
    expect(w.hub.accepts(w.secrets.current(SECRET))).toBe(true);
    const second = await w.rotate();
    expect(second.results[0]?.outcome).toBe('up-to-date');
    expect(w.hub.minted).toBe(1);
  });

  it('a week later rotates without downtime: the old token keeps working through its grace period, then is deleted', async () => {
    const w = rotationWorld();
    await w.rotate();
    const old = w.secrets.current(SECRET);
    w.advance(7 * 24 * HOUR + 1);
    expect((await w.rotate()).results[0]?.outcome).toBe('rotated');
    const fresh = w.secrets.current(SECRET);
    expect(fresh).not.toBe(old);
    expect([w.hub.accepts(old), w.hub.accepts(fresh)]).toEqual([true, true]);
    w.advance(HOUR + 1);
    const later = await w.rotate();
    expect(later.results[0]?.deleted).toHaveLength(1);
    expect([w.hub.accepts(old), w.hub.accepts(fresh)]).toEqual([false, true]);
  });

  it('a new token that lacks a permission is never promoted: consumers stay on the current one and RotationFailed says why', async () => {
    const w = rotationWorld();
    await w.rotate();
    const current = w.secrets.current(SECRET);
    w.hub.grantOnly = ['repo.content.read'];
    w.advance(7 * 24 * HOUR + 1);
    const failed = (await w.rotate()).results[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(failed.detail).toContain('lacks repo.write');
    expect(w.secrets.current(SECRET)).toBe(current);
    expect(w.events.published.map((e) => e.detailType)).toContain('hf-iam-sync.RotationFailed');
  });

  it('a run killed after storing the new token: the next one picks it up from the secret and mints nothing more', async () => {
    const w = rotationWorld();
    await w.rotate();
    w.advance(7 * 24 * HOUR + 1);
    const killed = dyingAfter(w, 'putPending');
    void rotateTokens(killed.ports, w.credentials, 'acme', { dryRun: false, runId: 'rot-killed' });
    while (!killed.dead()) await new Promise((resolve) => setImmediate(resolve));
    expect(w.hub.minted).toBe(2);
    w.advance(10 * 60_000); // the killed run's credential lease has expired
    const resumed = (await w.rotate()).results[0]!;
    expect(resumed.outcome).toBe('rotated');
    expect(w.hub.minted).toBe(2);
    expect(w.hub.accepts(w.secrets.current(SECRET))).toBe(true);
  });

  it('a run killed right after minting: the token nobody can read is deleted, another is minted and promoted', async () => {
    const w = rotationWorld();
    const killed = dyingAfter(w, 'createToken');
    void rotateTokens(killed.ports, w.credentials, 'acme', { dryRun: false, runId: 'rot-killed' });
    while (!killed.dead()) await new Promise((resolve) => setImmediate(resolve));
    w.advance(10 * 60_000);
    expect((await w.rotate()).results[0]?.outcome).toBe('rotated');
    expect(w.hub.minted).toBe(2);
    expect([...w.hub.tokens.values()].map((t) => t.value)).toEqual([w.secrets.current(SECRET)]);
  });
});

/**
 * The rotation's ports as a process that dies right after one call: from then on none of its calls
 * to the Hub, the secret or the state ever returns (nothing more reaches them, as after a kill).
 */
function dyingAfter(w: ReturnType<typeof rotationWorld>, last: 'createToken' | 'putPending') {
  let dead = false;
  const never = () => new Promise<never>(() => undefined);
  const dying = <T extends object>(target: T): T =>
    new Proxy(target, {
      get: (t, name) => {
        const value = Reflect.get(t, name) as unknown;
        if (typeof value !== 'function') return value;
        if (dead) return never;
        const method = (value as (...a: unknown[]) => Promise<unknown>).bind(t);
        return name === last
          ? async (...args: unknown[]) => {
              const answer = await method(...args);
              dead = true;
              return answer;
            }
          : method;
      },
    });
  const ports: RotationPorts = { ...w.ports, hub: dying(w.hub), secrets: dying(w.secrets), store: dying(w.store) };
  return { ports, dead: () => dead };
}
