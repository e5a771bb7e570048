// oauth4webapi 3 (the low-level library under openid-client) against a
// running Latchkey: code + PKCE, client_credentials, an RFC 9068 access
// token checked as a resource server would, and the six usual mistakes as
// its error objects show them. Prints one JSON report.
import * as oauth from 'oauth4webapi';
import { Browser, Report, describeError, fx, sleep } from './lib.mjs';

const describe = (e) => describeError(e, oauth);

const report = new Report('oauth4webapi', describe);
const insecure = { [oauth.allowInsecureRequests]: true };
const { web_basic: basic, svc } = fx.clients;

async function server(issuer) {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }));
}

const as = await server(fx.issuer);
const web = { client_id: basic.client_id };
const webAuth = oauth.ClientSecretBasic(basic.client_secret);
const browser = new Browser();

/// Authorize with PKCE through the pages; returns the callback parameters
/// (checked by the library) and what the code exchange needs.
async function authorize(as, redirectUri = fx.redirect_uri) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: web.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }).toString();
  const r = await browser.authorize(url);
  if (!r.callback) return { page: r.page };
  const params = oauth.validateAuthResponse(as, web, r.callback, state);
  return { params, verifier, nonce };
}

/// Redeem the code; the ID token's claims and its signature (against the
/// server's JWKS) are checked.
async function exchange(as, auth, { params, verifier, nonce }) {
  const response = await oauth.authorizationCodeGrantRequest(as, web, auth, params, fx.redirect_uri, verifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(as, web, response, { expectedNonce: nonce, requireIdToken: true });
  await oauth.validateApplicationLevelSignature(as, response, insecure);
  return result;
}

let tokens;

await report.flow('code_pkce', async () => {
  const a = await authorize(as);
  tokens = await exchange(as, webAuth, a);
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  return {
    iss_parameter: a.params.get('iss'),
    sub: claims.sub,
    nonce_checked: claims.nonce === a.nonce,
    refresh_token: typeof tokens.refresh_token === 'string',
  };
});

await report.flow('jwt_access_token', async () => {
  // RFC 9068: the access token checked as a resource server checks it.
  const request = new Request('http://127.0.0.1:9/api', {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  // Latchkey's access tokens name the issuer as their audience.
  const claims = await oauth.validateJwtAccessToken(as, request, fx.issuer, insecure);
  return { client_id: claims.client_id, sub: claims.sub };
});

await report.flow('client_credentials', async () => {
  const response = await oauth.clientCredentialsGrantRequest(
    as, { client_id: svc.client_id }, oauth.ClientSecretPost(svc.client_secret), { scope: 'api:read' }, insecure,
  );
  const t = await oauth.processClientCredentialsResponse(as, { client_id: svc.client_id }, response);
  return { scope: t.scope, token_type: t.token_type };
});

// Resource indicators (RFC 8707): `resource` as an extra parameter of the
// grant; the token is for that API (its audience) and carries the scopes
// it accepts. An unregistered resource is invalid_target.
const forResource = (resource) => async () => {
  const response = await oauth.clientCredentialsGrantRequest(
    as, { client_id: svc.client_id }, oauth.ClientSecretPost(svc.client_secret), { scope: 'api:read', resource }, insecure,
  );
  return oauth.processClientCredentialsResponse(as, { client_id: svc.client_id }, response);
};

await report.flow('resource_indicator', async () => {
  const t = await forResource(fx.resource)();
  const request = new Request('http://127.0.0.1:9/api', {
    headers: { authorization: `Bearer ${t.access_token}` },
  });
  // Checked as the API would check it: its own identifier is the audience.
  const claims = await oauth.validateJwtAccessToken(as, request, fx.resource, insecure);
  return { aud: claims.aud, scope: claims.scope };
});

await report.mistake('resource_unknown', async () => forResource('https://unregistered.example/'));

/// Authorize with a JARM response mode: the library checks the JWT (its
/// signature against the JWKS, iss, aud, exp), then the parameters in it.
async function authorizeJarm(mode, scope = 'openid email') {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: web.client_id,
    redirect_uri: fx.redirect_uri,
    response_type: 'code',
    response_mode: mode,
    scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }).toString();
  const r = await browser.authorize(url);
  let response;
  if (r.formPost) response = r.formPost;
  else if (r.callback && mode.startsWith('fragment')) response = new URLSearchParams(r.callback.hash.slice(1));
  else if (r.callback) response = r.callback;
  else throw new Error(`no response: ${JSON.stringify(r.page)}`);
  const params = await oauth.validateJwtAuthResponse(as, web, response, state, insecure);
  return { params, verifier, nonce };
}

for (const mode of ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']) {
  await report.flow(`jarm_${mode}`, async () => {
    const a = await authorizeJarm(mode);
    const t = await exchange(as, webAuth, a);
    return { sub: oauth.getValidatedIdTokenClaims(t).sub, iss_parameter: a.params.get('iss') };
  });
}

await report.mistake('jarm_error', async () => () => authorizeJarm('query.jwt', 'openid launch_missiles'));

// Step-up (RFC 9470): /userinfo asked for a stronger sign-in than the
// token's; the library reads the challenge and what it asks for.
await report.mistake('step_up', async () => async () => {
  const url = new URL(as.userinfo_endpoint);
  url.searchParams.set('acr_values', 'Cl.Cm');
  const response = await oauth.protectedResourceRequest(tokens.access_token, 'GET', url, new Headers(), null, insecure);
  return response.status;
});

// Token exchange (RFC 8693): a service trades the user's access token for
// one for its API, through the library's generic grant.
const exchanger = { client_id: fx.clients.exchanger.client_id };
const exchangerAuth = oauth.ClientSecretPost(fx.clients.exchanger.client_secret);
const exchangeFor = (audience) => async () => {
  const response = await oauth.genericTokenEndpointRequest(as, exchanger, exchangerAuth,
    'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: tokens.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience,
    }, insecure);
  return oauth.processGenericTokenEndpointResponse(as, exchanger, response);
};

await report.flow('token_exchange', async () => {
  const t = await exchangeFor('https://api.example')();
  const request = new Request('http://127.0.0.1:9/api', {
    headers: { authorization: `Bearer ${t.access_token}` },
  });
  // Checked as the API would check it: its own audience.
  const claims = await oauth.validateJwtAccessToken(as, request, 'https://api.example', insecure);
  return { issued_token_type: t.issued_token_type, aud: claims.aud, sub: claims.sub };
});

await report.mistake('token_exchange_target', async () => exchangeFor('https://elsewhere.example'));

// The six mistakes.
const clientCredentials = (secretAuth) => async () => {
  const response = await oauth.clientCredentialsGrantRequest(
    as, { client_id: svc.client_id }, secretAuth, { scope: 'api:read' }, insecure,
  );
  return oauth.processClientCredentialsResponse(as, { client_id: svc.client_id }, response);
};

await report.mistake('wrong_secret', async () => clientCredentials(oauth.ClientSecretPost('not-the-secret')));

await report.mistake('wrong_secret_basic', async () => {
  const a = await authorize(as);
  return () => exchange(as, oauth.ClientSecretBasic('not-the-secret'), a);
});

await report.mistake('wrong_auth_method', async () => {
  const a = await authorize(as);
  return () => exchange(as, oauth.ClientSecretPost(basic.client_secret), a);
});

await report.flow('redirect_uri_unregistered_page', async () => {
  const a = await authorize(as, fx.unregistered_redirect_uri);
  return { page: a.page ?? null };
});

await report.mistake('redirect_uri_unregistered', async () => async () => {
  const response = await oauth.pushedAuthorizationRequest(as, web, webAuth, {
    redirect_uri: fx.unregistered_redirect_uri,
    response_type: 'code',
    scope: 'openid',
    code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    code_challenge_method: 'S256',
  }, insecure);
  return oauth.processPushedAuthorizationResponse(as, web, response);
});

await report.mistake('code_reused', async () => {
  const a = await authorize(as);
  await exchange(as, webAuth, a);
  return () => exchange(as, webAuth, a);
});

await report.mistake('code_expired', async () => {
  const short = await server(fx.short_issuer);
  const a = await authorize(short);
  await sleep(fx.code_ttl_ms + 100);
  return () => exchange(short, webAuth, a);
});

await report.mistake('refresh_reused', async () => {
  const t = await exchange(as, webAuth, await authorize(as));
  const refresh = async () => oauth.processRefreshTokenResponse(
    as, web, await oauth.refreshTokenGrantRequest(as, web, webAuth, t.refresh_token, insecure),
  );
  await refresh();
  return refresh;
});

// OIDC Core §11: asked for without offline_access, the refresh token ends
// with the browser session; after RP-initiated logout the library sees
// why. Last: it signs the shared browser out.
await report.mistake('refresh_after_logout', async () => {
  const t = await exchange(as, webAuth, await authorize(as));
  const logout = new URL(as.end_session_endpoint);
  logout.searchParams.set('id_token_hint', t.id_token);
  const r = await browser.request(logout);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`logout answered ${r.status}`);
  return async () => oauth.processRefreshTokenResponse(
    as, web, await oauth.refreshTokenGrantRequest(as, web, webAuth, t.refresh_token, insecure),
  );
});

report.print();
