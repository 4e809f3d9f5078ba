import type { HubStandIn } from './hub/hub-stand-in.js';

/**
 * What the sample company's CI needs on the Hub: a service account for the broker's tokens and the
 * repositories a training pipeline reads and writes. The policies that use them are in
 * `ciAccessConfig`; the issuers are the sandbox's OIDC stand-ins.
 */
export function seedCiAccess(hub: HubStandIn, serviceAccount = 'ci-bot'): { serviceAccount: string } {
  hub.addServiceAccount(serviceAccount, 'tokens for CI jobs (hf-iam-sync ci-token broker)');
  hub.addRepo('model', 'acme/llama-ft');
  hub.addRepo('dataset', 'acme/corpus');
  hub.addRepo('model', 'acme/other-model');
  return { serviceAccount };
}

/** The `ciAccess:` section for the sandbox: a GitHub and a GitLab issuer, a training and an evaluation policy. */
export function ciAccessConfig(githubUrl: string, gitlabUrl?: string, serviceAccount = 'ci-bot'): string {
  return `ciAccess:
  issuers:
    - { name: github, url: ${githubUrl} }
${gitlabUrl ? `    - { name: gitlab, url: ${gitlabUrl} }\n` : ''}  policies:
    - name: llama-train
      issuer: github
      claims: { repository: acme/llama-ft, ref: refs/heads/main, job_workflow_ref: "acme/llama-ft/.github/workflows/train.yml@refs/heads/main" }
      serviceAccount: ${serviceAccount}
      repos: [acme/llama-ft, datasets/acme/corpus]
      repoPermissions: [repo.content.read, repo.write]
      ttl: 15m
    - name: release-eval
      issuer: github
      claims: { repository_owner: acme, ref: "refs/heads/release-*" }
      serviceAccount: ${serviceAccount}
      repos: [acme/llama-ft]
      repoPermissions: [repo.content.read]
      ttl: 30m
${
  gitlabUrl
    ? `    - name: gitlab-eval
      issuer: gitlab
      claims: { project_path: acme/pipelines, ref_protected: "true" }
      serviceAccount: ${serviceAccount}
      repos: [datasets/acme/corpus]
      ttl: 10m
`
    : ''
}`;
}
