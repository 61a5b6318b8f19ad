import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import type { TokenClaims, TokenProvider } from '@mailbridge/core';

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
    const token = await this.tokenProvider.getToken('graph');
    this.claims = token.claims;
    return token.token;
  }
}
