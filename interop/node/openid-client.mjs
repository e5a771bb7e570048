// openid-client 6 against a running Latchkey: every flow an application
// uses, then the six usual mistakes, each reported as the library's error
// object shows it. Prints one JSON report; the e2e test asserts on it.
import * as client from 'openid-client';
import { Browser, Report, describeError, fx, privateKey, sleep } from './lib.mjs';

function describe(e) {
  const out = describeError(e, client);
  if (e instanceof client.AuthorizationResponseError) {
    Object.assign(out, {
      error: e.error,
      error_description: e.error_description,
      error_uri: e.cause?.get?.('error_uri') ?? undefined,
    });
  }
  return out;
}

const report = new Report('openid-client', describe);
// Plain http on loopback; ID token signatures checked against the JWKS
// too (the library checks only the claims by default).
const execute = { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] };
const { web_basic: basic, svc } = fx.clients;
const scope = 'openid email profile';

const discover = (issuer, id, secret, auth) =>
  client.discovery(new URL(issuer), id, secret, auth, execute);

/// An authorization request with PKCE, state and nonce; returns what the
/// code exchange checks.
async function start(config, extra = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const parameters = {
    redirect_uri: fx.redirect_uri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: client.randomState(),
    nonce: client.randomNonce(),
    ...extra,
  };
  const checks = {
    pkceCodeVerifier,
    expectedState: parameters.state,
    expectedNonce: parameters.nonce,
    idTokenExpected: true,
  };
  return { parameters, checks };
}

const browser = new Browser();

/// Sign in and consent through the pages; the callback URL.
async function callback(url) {
  const r = await browser.authorize(url);
  if (!r.callback) throw new Error(`no callback: ${JSON.stringify(r.page)}`);
  return r.callback;
}

const config = await discover(fx.issuer, basic.client_id, undefined, client.ClientSecretBasic(basic.client_secret));
let tokens;
let refreshed;

await report.flow('discovery', async () => {
  const m = config.serverMetadata();
  return { issuer: m.issuer, iss_parameter: m.authorization_response_iss_parameter_supported };
});

await report.flow('code_pkce', async () => {
  const { parameters, checks } = await start(config);
  const cb = await callback(client.buildAuthorizationUrl(config, parameters));
  // The library checks `iss` (RFC 9207) before it sends the code.
  const forged = new URL(cb);
  forged.searchParams.set('iss', 'https://attacker.example');
  let forged_iss_refused = null;
  try {
    await client.authorizationCodeGrant(config, forged, checks);
  } catch (e) {
    forged_iss_refused = e?.code ?? e?.constructor?.name;
  }
  tokens = await client.authorizationCodeGrant(config, cb, checks);
  const claims = tokens.claims();
  return {
    iss_parameter: cb.searchParams.get('iss'),
    forged_iss_refused,
    sub: claims.sub,
    nonce_checked: claims.nonce === checks.expectedNonce,
    token_type: tokens.token_type,
    refresh_token: typeof tokens.refresh_token === 'string',
  };
});

await report.flow('userinfo', async () => {
  const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  return { sub: info.sub, email: info.email };
});

await report.flow('refresh', async () => {
  refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  return {
    rotated: refreshed.refresh_token !== tokens.refresh_token,
    access_token: typeof refreshed.access_token === 'string',
  };
});

await report.flow('introspection', async () => {
  const i = await client.tokenIntrospection(config, refreshed.access_token);
  return { active: i.active, client_id: i.client_id, sub: i.sub };
});

await report.flow('revocation', async () => {
  await client.tokenRevocation(config, refreshed.refresh_token);
  const i = await client.tokenIntrospection(config, refreshed.refresh_token);
  return { active_after: i.active };
});

await report.flow('end_session', async () => {
  const state = client.randomState();
  const url = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: fx.post_logout_redirect_uri,
    state,
  });
  const r = await browser.authorize(url);
  const back = r.callback;
  return {
    endpoint: `${url.origin}${url.pathname}`,
    redirected_to: back ? `${back.origin}${back.pathname}` : null,
    state_returned: back?.searchParams.get('state') === state,
  };
});

await report.flow('client_credentials', async () => {
  // A secret given as a string: client_secret_post, the library's default.
  const c = await discover(fx.issuer, svc.client_id, svc.client_secret);
  const t = await client.clientCredentialsGrant(c, { scope: 'api:read' });
  return { scope: t.scope, token_type: t.token_type };
});

await report.flow('par', async () => {
  const { parameters, checks } = await start(config);
  const url = await client.buildAuthorizationUrlWithPAR(config, parameters);
  const t = await client.authorizationCodeGrant(config, await callback(url), checks);
  return {
    request_uri: url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'),
    sub: t.claims().sub,
  };
});

await report.flow('private_key_jwt', async () => {
  const c = await discover(fx.issuer, fx.clients.pkjwt.client_id, undefined, client.PrivateKeyJwt(await privateKey()));
  const t = await client.clientCredentialsGrant(c, { scope: 'api:read' });
  return { scope: t.scope };
});

// The six mistakes.
await report.mistake('wrong_secret', async () => {
  const c = await discover(fx.issuer, svc.client_id, 'not-the-secret');
  return () => client.clientCredentialsGrant(c, { scope: 'api:read' });
});

await report.mistake('wrong_secret_basic', async () => {
  const c = await discover(fx.issuer, basic.client_id, undefined, client.ClientSecretBasic('not-the-secret'));
  const { parameters, checks } = await start(c);
  const cb = await callback(client.buildAuthorizationUrl(c, parameters));
  return () => client.authorizationCodeGrant(c, cb, checks);
});

await report.mistake('wrong_auth_method', async () => {
  // The secret as a string: the library sends client_secret_post to a
  // client registered for client_secret_basic.
  const c = await discover(fx.issuer, basic.client_id, basic.client_secret);
  const { parameters, checks } = await start(c);
  const cb = await callback(client.buildAuthorizationUrl(c, parameters));
  return () => client.authorizationCodeGrant(c, cb, checks);
});

await report.flow('redirect_uri_unregistered_page', async () => {
  const { parameters } = await start(config, { redirect_uri: fx.unregistered_redirect_uri });
  const r = await browser.authorize(client.buildAuthorizationUrl(config, parameters));
  return { page: r.page ?? null };
});

await report.mistake('redirect_uri_unregistered', async () => {
  const { parameters } = await start(config, { redirect_uri: fx.unregistered_redirect_uri });
  return () => client.buildAuthorizationUrlWithPAR(config, parameters);
});

await report.mistake('code_reused', async () => {
  const { parameters, checks } = await start(config);
  const cb = await callback(client.buildAuthorizationUrl(config, parameters));
  await client.authorizationCodeGrant(config, cb, checks);
  return () => client.authorizationCodeGrant(config, cb, checks);
});

await report.mistake('code_expired', async () => {
  const c = await discover(fx.short_issuer, basic.client_id, undefined, client.ClientSecretBasic(basic.client_secret));
  const { parameters, checks } = await start(c);
  const cb = await callback(client.buildAuthorizationUrl(c, parameters));
  await sleep(fx.code_ttl_ms + 100);
  return () => client.authorizationCodeGrant(c, cb, checks);
});

await report.mistake('refresh_reused', async () => {
  const { parameters, checks } = await start(config);
  const t = await client.authorizationCodeGrant(config, await callback(client.buildAuthorizationUrl(config, parameters)), checks);
  await client.refreshTokenGrant(config, t.refresh_token);
  return () => client.refreshTokenGrant(config, t.refresh_token);
});

report.print();
