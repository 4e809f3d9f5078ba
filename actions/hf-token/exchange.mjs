// The hf-token Action's one step: GitHub's runner contract for an OIDC ID token
// (ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN, `&audience=`), then the
// broker's RFC 8693 exchange with the same JSON body huggingface_hub sends, then the token masked
// before anything else is printed and exported as HF_TOKEN. Plain Node (the runner's), no dependencies.
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const fail = (message) => {
  process.stdout.write(`::error title=hf-iam-sync token exchange::${message.replace(/\r?\n/g, ' ')}\n`);
  process.exit(1);
};

const { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken } = process.env;
const broker = process.env.HF_BROKER_URL?.trim();
const audience = process.env.HF_BROKER_AUDIENCE?.trim();
const resource = process.env.HF_BROKER_RESOURCE?.trim();
if (!requestUrl || !requestToken)
  fail('no OIDC token available to this job: add `permissions: id-token: write` to the job (or the workflow)');
if (!broker || !audience) fail('inputs broker-url and audience are required');

const idAnswer = await fetch(`${requestUrl}&audience=${encodeURIComponent(audience)}`, {
  headers: { authorization: `bearer ${requestToken}`, accept: 'application/json' },
});
if (!idAnswer.ok) fail(`GitHub refused the OIDC token request (HTTP ${idAnswer.status})`);
const { value: idToken } = await idAnswer.json();
process.stdout.write(`::add-mask::${idToken}\n`);

const body = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
  subject_token: idToken,
  ...(resource ? { resource } : {}),
};
const answer = await fetch(`${broker.replace(/\/$/, '')}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const reply = await answer.json().catch(() => ({}));
if (!answer.ok || typeof reply.access_token !== 'string') {
  fail(`the broker answered ${answer.status} ${reply.error ?? ''}: ${reply.error_description ?? 'no description'}`);
}
process.stdout.write(`::add-mask::${reply.access_token}\n`);
// A random delimiter: a value can never end the block early (GitHub's multiline syntax).
const eof = `HF_TOKEN_${randomBytes(8).toString('hex')}`;
appendFileSync(process.env.GITHUB_ENV, `HF_TOKEN<<${eof}\n${reply.access_token}\n${eof}\n`);
if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `expires-in=${reply.expires_in}\n`);
process.stdout.write(`hf-iam-sync: HF_TOKEN exported, valid ${reply.expires_in} s\n`);
