// A real OpenID provider for the tests: the certified `oidc-provider` package from npm (pinned
// in package.json), on a free loopback port, with one confidential client (the app).
//
//   node tests/accounts/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"client_id", "client_secret", "redirect_uris": [...],
//               "post_logout_redirect_uris": [...], "accounts_file": "accounts.json"}
// accounts.json: {"<login typed at the provider = sub>": {claims...}}, read at every look-up,
// so a test can add the person it needs while the provider runs.
//
// Once listening it prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, on stdout.
// Sign-in uses oidc-provider's own development login form (devInteractions: any password, the
// login is the account's id); consent is granted at once (a first-party client, as the national
// identity app grants it to a registered public service).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function accounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

// A signing key of its own for every run, published on the provider's JWKS.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // PKCE for every authorization request (S256 is the only method oidc-provider accepts).
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'phone'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'personal_id'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(_ctx, id) {
      const claims = accounts()[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const existing = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      if (existing) return oidc.provider.Grant.find(existing);
      const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope('openid profile phone');
      await grant.save();
      return grant;
    },
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
