import type { IssuedToken } from '../domain/types.js';

/** Tokens this system issued for people, and the token-exchange credentials an offboarding suspended. */
export interface IssuedTokens {
  /** Records a token this system issued for a person (its id and last four characters only). */
  recordIssuedToken(organization: string, token: IssuedToken): Promise<void>;
  /** Active issued tokens, of everyone or of one Okta user. */
  listIssuedTokens(organization: string, oktaUserId?: string): Promise<IssuedToken[]>;
  markTokenRevoked(organization: string, token: { tokenId: string; oktaUserId: string }, now: Date): Promise<void>;
  /** Marks a token-exchange credential suspended (its subject was offboarded): rotate-tokens revokes its tokens. */
  suspendCredential(credential: string, record: { runId: string; user: string; reason: string }, now: Date): Promise<void>;
  /** Names of the suspended credentials. */
  listSuspendedCredentials(credentials: readonly string[]): Promise<string[]>;
}
