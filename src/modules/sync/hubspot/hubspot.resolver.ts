import { Arg, Authorized, Ctx, Field, InputType, Mutation, Resolver } from 'type-graphql';

import { Role } from '../../../platform/auth/role.js';
import { ValidationFailed } from '../../../platform/errors.js';
import type { GraphQLContext } from '../../../platform/graphql/context.js';
import { withUserErrors } from '../../../platform/graphql/user-error.js';
import { ProviderError, ReauthRequiredError } from '../provider.js';
import { CrmProvider } from '../sync.enums.js';
import { CrmConnectionPayload } from '../sync.resolver.js';
import type { HubspotAdapter } from './hubspot.adapter.js';

@InputType({ description: 'A HubSpot private-app access token (an alternative to OAuth).' })
export class ConnectHubspotPrivateAppInput {
  @Field({ description: 'The private app’s access token. Stored encrypted, never returned.' })
  token!: string;
}

/** HubSpot's GraphQL mutations (OAuth goes through GET /oauth/hubspot/start). */
@Resolver()
export class HubspotResolver {
  @Authorized([Role.ADMIN])
  @Mutation(() => CrmConnectionPayload, {
    description:
      'Connects HubSpot with a private-app token (ADMIN). The token is checked with HubSpot and stored encrypted; the tenant’s connection to that portal is created or reconnected (CONNECTED). userErrors: token INVALID (empty or too long), REFUSED (HubSpot refused it), PROVIDER_ERROR.',
  })
  connectHubspotPrivateApp(@Arg('input') input: ConnectHubspotPrivateAppInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => {
      const token = input.token.trim();
      // HubSpot's tokens are printable ASCII (`pat-na1-…`); anything else could not even be sent as a header.
      if (!/^[\x21-\x7e]{1,1000}$/.test(token))
        throw ValidationFailed.of('token', 'INVALID', 'token must be 1–1000 printable ASCII characters without spaces');
      const adapter = ctx.services.sync.adapter(CrmProvider.HUBSPOT) as HubspotAdapter | undefined;
      if (!adapter) throw ValidationFailed.of(null, 'PROVIDER_UNAVAILABLE', 'HubSpot is not available on this server');
      const credentials = { kind: 'token' as const, accessToken: token };
      let account;
      try {
        account = await adapter.account(credentials, AbortSignal.timeout(adapter.settings.timeoutMs));
      } catch (err) {
        if (err instanceof ReauthRequiredError)
          throw ValidationFailed.of('token', 'REFUSED', 'HubSpot refused the token');
        if (err instanceof ProviderError) throw ValidationFailed.of(null, 'PROVIDER_ERROR', err.message);
        // Unreachable, timed out, aborted: nothing was stored; say so instead of an internal error.
        throw ValidationFailed.of(
          null,
          'PROVIDER_ERROR',
          `HubSpot could not be reached (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const crmConnection = await ctx.services.sync.saveConnection(
        ctx.em,
        CrmProvider.HUBSPOT,
        { accountId: account.portalId, accountName: account.name, scopes: account.scopes },
        credentials,
      );
      return { crmConnection };
    });
  }
}
