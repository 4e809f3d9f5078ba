import type { SandboxRequest, SandboxResponse } from '../http-kit.js';
import type { HubRepoRecord, HubStandIn, HubTokenRecord } from './hub-stand-in.js';
import { hubError } from './hub-kit.js';

/**
 * Repositories on the Hub stand-in: `GET /api/{models|datasets|spaces}/{ns}/{name}` (the repo's
 * info, whose `_id` is what token scopes take) and `POST …/commit/{revision}` (a push). Access
 * follows the token: an org admin's reaches every repo of the org; a fine-grained token reaches a
 * repo through its `repoIds` + `repoPermissions`, or the org's repos through org-wide
 * `repo.content.read` / `repo.write`. A private repo the token cannot read answers 404, as the Hub does.
 */

const KINDS = { models: 'model', datasets: 'dataset', spaces: 'space' } as const;

type Need = 'repo.content.read' | 'repo.write';

function may(hub: HubStandIn, token: HubTokenRecord, repo: HubRepoRecord, need: Need): boolean {
  if (token.accessRole !== 'fineGrained') return token.admin || (need === 'repo.content.read' && !repo.private);
  const inOrg = repo.id.split('/')[0]!.toLowerCase() === hub.org.toLowerCase();
  const grants = [...(token.repoIds?.includes(repo._id) ? (token.repoPermissions ?? []) : []), ...(inOrg ? (token.permissions ?? []) : [])];
  return grants.includes(need) || (need === 'repo.content.read' && (grants.includes('repo.write') || !repo.private));
}

export function registerRepos(hub: HubStandIn): void {
  const find = (r: SandboxRequest, need: Need): HubRepoRecord | SandboxResponse => {
    const token = hub.tokenOf(r.headers.authorization as string | undefined);
    if (!token) return hubError(401, 'Invalid credentials in Authorization header');
    const kind = KINDS[r.url.pathname.split('/')[2] as keyof typeof KINDS];
    const repo = kind ? hub.repoByName(kind, `${r.params.ns}/${r.params.name}`) : undefined;
    if (!repo || !may(hub, token, repo, 'repo.content.read')) return hubError(404, 'Repository not found');
    if (!may(hub, token, repo, need))
      return hubError(403, `You don't have the rights to ${need === 'repo.write' ? 'push to' : 'read'} ${repo.id}`);
    return repo;
  };
  for (const kind of Object.keys(KINDS)) register(hub, kind, find);
}

function register(hub: HubStandIn, kind: string, find: (r: SandboxRequest, need: Need) => HubRepoRecord | SandboxResponse): void {
  hub.route('GET', `/api/${kind}/{ns}/{name}`, (r) => {
    const repo = find(r, 'repo.content.read');
    if (!('_id' in repo)) return repo;
    return {
      status: 200,
      body: {
        _id: repo._id,
        id: repo.id,
        author: repo.id.split('/')[0],
        private: repo.private,
        sha: `${repo.commits.length}`.padStart(40, '0'),
      },
    };
  });
  hub.route('POST', `/api/${kind}/{ns}/{name}/commit/{revision}`, (r) => {
    const repo = find(r, 'repo.write');
    if (!('_id' in repo)) return repo;
    const token = hub.tokenOf(r.headers.authorization as string | undefined)!;
    const summary = String((r.body as { summary?: unknown } | undefined)?.summary ?? 'Upload');
    repo.commits.push({ summary, by: token.user, tokenId: token.id });
    return {
      status: 200,
      body: { commitUrl: `${hub.baseUrl}/${repo.id}/commit/${repo.commits.length}`, commitOid: `${repo.commits.length}`.padStart(40, '0') },
    };
  });
}
