"""Signing in with the national electronic identity (VNeID, Decree 69/2024) over OpenID Connect.

- `client`: the provider as this app sees it (discovery, keys, the code exchange, userinfo) and
  the ID token's checks (signature by the provider's published keys, iss, aud, exp, iat, nonce);
- `flow`: one sign-in from start to return (state, nonce, PKCE), and the provider's sign-out;
- `linking`: which account the person signs in to (found, linked or created);
- `pages`: the two routes, /auth/oidc/start and /auth/oidc/callback.

Configured by the OIDC_* settings (backend.settings); without OIDC_ISSUER nothing shows.
"""
