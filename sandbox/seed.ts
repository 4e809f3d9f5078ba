import type { HubStandIn } from './hub/hub-stand-in.js';
import type { OktaStandIn } from './okta/okta-stand-in.js';

/**
 * The sample company "acme": a small Okta and a drifted Hugging Face organization that show each
 * rule of the engine once. What the first plan should say, person by person:
 *
 *   ada-acme     admin via hf-acme-admin, already admin                    → no change
 *   grace-h      write + llm write; has read + vision (unmanaged RG)       → upgrade, vision kept
 *   mhamilton    in hf-acme-read and hf-acme-write: highest role wins      → contributor → write
 *   linus-t      DEPROVISIONED in Okta                                     → removed
 *   kthompson    SUSPENDED in Okta                                         → removed
 *   alan-t       active, but in no mapped group any more                   → removed
 *   root-admin   linked, in no mapped group, but protected                 → blocked by a guard
 *   dritchie     entitled, not in the org                                  → needs invite
 *   barbara      in hf-acme-write without hfUsername                       → unlinked
 *   consultant   on the Hub, nobody in Okta claims it                      → unmanaged (reported)
 *   hf-acme-writer  looks like the convention, does not parse              → reported
 */

export const SANDBOX_ORG = 'acme';
export const SANDBOX_OKTA_TOKEN = 'sandbox-okta-api-token';
export const SANDBOX_HF_TOKEN = 'hf_sandbox_admin_token';

export function seedSampleCompany(okta: OktaStandIn, hub: HubStandIn): void {
  const group = Object.fromEntries(
    ['hf-acme-admin', 'hf-acme-write', 'hf-acme-read', 'hf-acme-rg-llm-write', 'hf-acme-writer', 'engineering'].map((name) => [
      name,
      okta.addGroup(name, `${name} (sample)`).id,
    ]),
  );
  const person = (login: string, hfUsername: string | null, groups: string[], status = 'ACTIVE') => {
    const user = okta.addUser({ login, status, ...(hfUsername ? { profile: { hfUsername } } : {}) });
    for (const g of groups) okta.addToGroup(group[g]!, user.id);
    return user;
  };
  person('ada@acme.example', 'ada-acme', ['hf-acme-admin', 'engineering']);
  person('grace@acme.example', 'grace-h', ['hf-acme-write', 'hf-acme-rg-llm-write']);
  person('margaret@acme.example', 'mhamilton', ['hf-acme-read', 'hf-acme-write']);
  person('linus@acme.example', 'linus-t', ['hf-acme-write'], 'DEPROVISIONED');
  person('ken@acme.example', 'kthompson', ['hf-acme-read'], 'SUSPENDED');
  person('alan@acme.example', 'alan-t', ['engineering']);
  person('it-root@acme.example', 'root-admin', ['engineering']);
  person('dennis@acme.example', 'dritchie', ['hf-acme-read']);
  person('barbara@acme.example', null, ['hf-acme-write']);
  person('edsger@acme.example', 'edsger-d', ['hf-acme-writer']);

  hub.addResourceGroup('llm', 'Large language models');
  hub.addResourceGroup('vision', 'Vision models (managed by hand)');
  hub.addMember('root-admin', 'admin', {}, 'IT Root');
  hub.addMember('ada-acme', 'admin', {}, 'Ada');
  hub.addMember('grace-h', 'read', { vision: 'read' }, 'Grace');
  hub.addMember('mhamilton', 'contributor', {}, 'Margaret');
  hub.addMember('linus-t', 'write', { llm: 'write' }, 'Linus');
  hub.addMember('kthompson', 'read', {}, 'Ken');
  hub.addMember('alan-t', 'write', {}, 'Alan');
  hub.addMember('consultant', 'read', { vision: 'read' }, 'Outside Consultant');
  hub.addToken(SANDBOX_HF_TOKEN, { user: 'root-admin', admin: true, kind: 'user' });
}

/** The configuration the sandbox runs with (as a user would write it), pointed at the stand-ins. */
export function sandboxConfig(oktaUrl: string, hubUrl: string): string {
  return `# hf-iam-sync configuration for the local sandbox
organization: ${SANDBOX_ORG}
okta:
  orgUrl: ${oktaUrl}
  usernameAttribute: hfUsername
huggingface:
  endpoint: ${hubUrl}
  membership: roles
rules:
  - { group: hf-acme-admin, role: admin }
  - { group: hf-acme-write, role: write }
  - { group: hf-acme-rg-llm-write, resourceGroup: llm, role: write }
naming: {}
safety:
  protectedUsers: [root-admin]
  maxRemovals: 10
  unmanagedMembers: report
`;
}
