"""OpenID Connect single sign-on (docs/sso.md): Authlib's Flask client, the claims mapped onto
people, units and roles, and the provider's logout."""
