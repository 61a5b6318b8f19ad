import { type AccessToken, MailbridgeError, type TokenClaims, type TokenProvider } from '@mailbridge/core';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';

/**
 * The Graph client's AuthenticationProvider on core's TokenProvider: every request asks for the Graph
 * token, which the provider caches and shares between concurrent callers. The claims of the last
 * token are kept (never the token) so error hints can name the app's client id.
 */
export class TokenAuthenticationProvider implements AuthenticationProvider {
  private claims: TokenClaims | undefined;

  constructor(private readonly tokenProvider: TokenProvider) {}

  /** Claims of the last token handed out, if any. */
  get lastClaims(): TokenClaims | undefined {
    return this.claims;
  }

  async getAccessToken(): Promise<string> {
    let token: AccessToken;
    try {
      token = await this.tokenProvider.getToken('graph');
    } catch (error) {
      if (MailbridgeError.isInstance(error)) this.lastFailure = error;
      throw error;
    }
    this.claims = token.claims;
    return token.token;
  }

  /**
   * The token provider's error behind an error the Graph client threw. The client wraps whatever the
   * AuthenticationProvider throws into a GraphError that keeps only its message and stack, so the
   * coded MailbridgeError (e.g. INVALID_RESPONSE, AUTH_INVALID_SECRET) is found again by its stack.
   */
  failureBehind(error: unknown): MailbridgeError | undefined {
    const failure = this.lastFailure;
    if (failure && error instanceof Error && error !== failure && error.stack !== undefined && error.stack === failure.stack) return failure;
    return undefined;
  }

  private lastFailure: MailbridgeError | undefined;
}
