import type { StateStore } from '../ports/state-store.js';
import { computePlan } from '../domain/compute-plan.js';
import { MEMBER_MANAGEMENT, missingPermissions, restrictionProblem } from '../domain/token-check.js';
import type { Plan } from '../domain/plan.js';
import { readInputs, type ReadPorts } from '../reconcile/read-inputs.js';
import type { Config } from '../runtime/config.js';
import { describeError } from '../runtime/errors.js';

/**
 * doctor — what is wrong and how to fix it, one finding per check: pass, warn or fail, each with a
 * concrete fix. It reads (Okta, the Hub, the table) and never writes.
 *
 *   okta-scopes       the credentials may read users, groups and the System Log
 *   hub-admin         HF_TOKEN belongs to an admin of the organization
 *   hub-plan          the organization's plan has the calls the membership mode needs
 *   state-table       the DynamoDB table answers
 *   rules             every rule's Okta group and Hub resource group exists
 *   convention        groups that look like the naming convention parse and name what exists
 *   unlinked          people in mapped groups have the username attribute
 *   unmanaged         every Hub member is claimed by an Okta user
 *   conflicts         no Hub username is claimed by two Okta users
 *   token-exchange    (when configured) the audience names this organization; the plan is Enterprise
 *   credentials       (when configured) service accounts exist on the organization's plan
 *   ci-audience, ci-policy, ci-trusted-publisher   (when ciAccess is configured) see ci-access-findings.ts
 */

type FindingStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: FindingStatus;
  summary: string;
  fix: string | null;
}

const list = (items: string[], max = 10) =>
  `${items.slice(0, max).join(', ')}${items.length > max ? ` and ${items.length - max} more` : ''}`;
const ok = (check: string, summary: string): Finding => ({ check, status: 'pass', summary, fix: null });

async function attempt(check: string, run: () => Promise<Finding[]>, fix: string): Promise<Finding[]> {
  try {
    return await run();
  } catch (error) {
    return [{ check, status: 'fail', summary: describeError(error), fix }];
  }
}

function planFindings(plan: Plan, config: Config): Finding[] {
  const attr = config.file.okta.usernameAttribute;
  const ruleProblems = plan.diagnostics.filter((d) => d.code.startsWith('rule-'));
  const conventionProblems = [
    ...plan.unparsedGroups.map((g) => `${g.group}: ${g.problem}`),
    ...plan.diagnostics.filter((d) => d.code.startsWith('convention-')).map((d) => d.summary),
  ];
  return [
    ruleProblems.length === 0
      ? ok('rules', `all ${plan.rules.length} rule bindings found their Okta group and Hub resource group`)
      : { check: 'rules', status: 'fail', summary: ruleProblems.map((d) => d.summary).join('; '), fix: ruleProblems[0]!.detail },
    conventionProblems.length === 0
      ? ok('convention', config.naming ? 'every group that looks like the naming convention parses' : 'no naming convention configured')
      : {
          check: 'convention',
          status: 'warn',
          summary: `groups that look like the convention but are ignored: ${list(conventionProblems)}`,
          fix: `rename them to ${config.naming?.org} or ${config.naming?.resourceGroup} with a role of admin, write, contributor or read, and a resource group that exists on the Hub`,
        },
    plan.unlinked.length === 0
      ? ok('unlinked', `everyone in a mapped group has profile.${attr}`)
      : {
          check: 'unlinked',
          status: 'warn',
          summary: `${plan.unlinked.length} people in mapped groups have no profile.${attr}: ${list(plan.unlinked.map((u) => u.oktaLogin))}`,
          fix: `set profile.${attr} to each person's Hugging Face username in Okta (they get no access until then)`,
        },
    plan.unmanaged.length === 0
      ? ok('unmanaged', 'every Hub member is claimed by an Okta user')
      : {
          check: 'unmanaged',
          status: 'warn',
          summary: `${plan.unmanaged.length} Hub members no Okta user claims: ${list(plan.unmanaged.map((u) => u.user))}`,
          fix: `set profile.${attr} on their Okta users, or remove them on the Hub (safety.unmanagedMembers: remove does it for you)`,
        },
    plan.conflicts.length === 0
      ? ok('conflicts', 'no Hub username is claimed by two Okta users')
      : {
          check: 'conflicts',
          status: 'fail',
          summary: `claimed twice: ${list(plan.conflicts.map((c) => `${c.user} (${c.oktaUsers.join(', ')})`))}`,
          fix: `clear profile.${attr} on all but one Okta user for each; they are left untouched until then`,
        },
  ];
}

const ENTERPRISE = ['enterprise', 'plus'];
/** Plans with the member-role calls (the spec's plan enum; academia is a paid plan too). */
const PAID = ['team', 'enterprise', 'plus', 'academia'];

/** Rotation settings: checked against the configuration and the organization's plan (from whoami). */
function rotationFindings(config: Config, plan: string | null): Finding[] {
  const org = config.policy.organization;
  const findings: Finding[] = [];
  const exchange = config.file.tokenExchange;
  if (exchange) {
    const audience = exchange.audience;
    if (audience !== undefined && audience.toLowerCase() !== org.toLowerCase()) {
      findings.push({
        check: 'token-exchange',
        status: 'fail',
        summary: `tokenExchange.audience is "${audience}", but the organization is "${org}": the Hub refuses the exchange (invalid_target)`,
        fix: `set tokenExchange.audience: ${org}, or remove it (the OAuth app's bound organization is used)`,
      });
    } else if (plan !== null && !ENTERPRISE.includes(plan)) {
      findings.push({
        check: 'token-exchange',
        status: 'fail',
        summary: `token exchange is an Enterprise feature; ${org} is on the ${plan} plan`,
        fix: `upgrade ${org} to Enterprise, or remove tokenExchange and the token-exchange credentials`,
      });
    } else {
      findings.push(
        ok(
          'token-exchange',
          `tokenExchange ${audience ? `audience "${audience}" matches` : "has no audience, so the app's bound organization is used for"} ${org}`,
        ),
      );
    }
  }
  const accounts = config.credentials.filter((c) => c.kind === 'service-account');
  if (accounts.length > 0) {
    findings.push(
      plan !== null && !ENTERPRISE.includes(plan)
        ? {
            check: 'credentials',
            status: 'fail',
            summary: `service accounts are an Enterprise feature; ${org} is on the ${plan} plan, so ${list(accounts.map((c) => c.name))} cannot rotate`,
            fix: `upgrade ${org} to Enterprise, or remove those credentials`,
          }
        : ok(
            'credentials',
            `${accounts.length} service-account credential(s) on the ${plan ?? 'unknown'} plan; \`hf-iam-sync rotate --dry-run\` shows their state`,
          ),
    );
  }
  return findings;
}

/** @example const findings = await runDoctor(ports, config); findings.some((f) => f.status === 'fail') */
export async function runDoctor(ports: ReadPorts & { state: Pick<StateStore, 'checkReachable'> }, config: Config): Promise<Finding[]> {
  const org = config.policy.organization;
  const [scopes, admin, table] = await Promise.all([
    attempt('okta-scopes', () => oktaScopeFindings(ports), 'check okta.orgUrl and OKTA_API_TOKEN (or OKTA_CLIENT_ID / OKTA_PRIVATE_KEY)'),
    attempt('hub-admin', () => hubFindings(ports, config), `check huggingface.endpoint and HF_TOKEN (a token of an admin of ${org})`),
    attempt(
      'state-table',
      async () => {
        await ports.state.checkReachable();
        return [ok('state-table', 'the DynamoDB table answers')];
      },
      "check STATE_TABLE, DYNAMODB_ENDPOINT and the role's dynamodb:DescribeTable permission",
    ),
  ]);
  let planned: Finding[];
  try {
    planned = planFindings(computePlan(await readInputs(ports, config, { kind: 'organization' }, { snapshot: 'none' })), config);
  } catch (error) {
    planned = [
      {
        check: 'rules',
        status: 'fail',
        summary: `could not read Okta and the Hub to check the rules: ${describeError(error)}`,
        fix: 'fix the failures above first',
      },
    ];
  }
  return [...scopes, ...admin, ...table, ...planned];
}

/** Whether Okta answers for each endpoint family the sync reads. */
async function oktaScopeFindings(ports: ReadPorts): Promise<Finding[]> {
  const result = await ports.directory.probeScopes();
  const denied = Object.entries(result)
    .filter(([, v]) => v === 'denied')
    .map(([k]) => k);
  return [
    denied.length === 0
      ? ok('okta-scopes', 'Okta answers for users, groups and the System Log')
      : {
          check: 'okta-scopes',
          status: 'fail',
          summary: `Okta refuses ${denied.join(', ')}`,
          fix: `grant ${denied.join(' ')} to the API service app (Okta Admin Console → Applications → the app → Okta API Scopes), or use an API token of an admin who can read them`,
        },
  ];
}

/** Who HF_TOKEN is, whether it may manage members, and whether the organization's plan has the calls the membership mode needs. */
async function hubFindings(ports: ReadPorts, config: Config): Promise<Finding[]> {
  const org = config.policy.organization;
  const membership = config.policy.membership;
  const me = await ports.hub.whoami();
  const findings: Finding[] = [
    me.roleInOrg === 'admin'
      ? ok('hub-admin', `HF_TOKEN is ${me.user}'s, an admin of ${org}`)
      : {
          check: 'hub-admin',
          status: 'fail',
          summary: me.roleInOrg
            ? `HF_TOKEN is ${me.user}'s, whose role in ${org} is ${me.roleInOrg}`
            : `HF_TOKEN is ${me.user}'s, who is not a member of ${org}`,
          fix: `use a token of an admin of ${org} (write access with the org in its fine-grained scope)`,
        },
  ];
  const missing = missingPermissions(me, MEMBER_MANAGEMENT);
  const restricted = restrictionProblem(me.restrictions);
  if (me.roleInOrg === 'admin' && (missing.length > 0 || restricted)) {
    findings[0] = restricted
      ? {
          check: 'hub-admin',
          status: 'fail',
          summary: `HF_TOKEN is ${me.user}'s, an admin of ${org}, but the token is restricted there: ${restricted}`,
          fix: "resolve the restriction (2FA, token approval, SSO session, allowed IPs), or use another admin's token",
        }
      : {
          check: 'hub-admin',
          status: 'fail',
          summary: `HF_TOKEN is ${me.user}'s, an admin of ${org}, but the token is ${me.tokenRole === 'read' ? 'read-only' : `fine-grained without ${missing.join(', ')} on ${org}`}: every role change would answer 403`,
          fix: `create a token with write access, or a fine-grained token with ${MEMBER_MANAGEMENT.join(', ')} on ${org} (Settings → Access Tokens)`,
        };
  }
  const paid = me.plan !== null && PAID.includes(me.plan);
  const needsPlus = membership === 'scim-managed';
  findings.push(
    !paid
      ? {
          check: 'hub-plan',
          status: 'fail',
          summary: `${org} is on ${me.plan ?? 'an unknown'} plan: changing member roles needs Team or Enterprise`,
          fix: `upgrade ${org} to a Team or Enterprise plan`,
        }
      : needsPlus && me.plan !== 'plus'
        ? {
            check: 'hub-plan',
            status: 'fail',
            summary: `membership: scim-managed needs Enterprise Plus, ${org} is on ${me.plan}`,
            fix: 'use membership: scim-basic (Basic SSO provisioning) or roles',
          }
        : ok('hub-plan', `${org} is on the ${me.plan} plan, which has the calls membership: ${membership} needs`),
  );
  return [...findings, ...rotationFindings(config, me.plan)];
}
