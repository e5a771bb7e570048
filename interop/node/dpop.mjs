// oauth4webapi 3 with DPoP (RFC 9449) against a running Latchkey: the code
// flow with dpop_jkt, /userinfo and a protected resource request with the
// DPoP scheme, refresh, client_credentials, the nonce retry on a server
// that requires nonces, and mistakes as the library's error objects show
// them. Prints one JSON report.
import * as oauth from 'oauth4webapi';
import { Browser, Report, describeError, fx } from './lib.mjs';

const describe = (e) => describeError(e, oauth);
const report = new Report('oauth4webapi-dpop', describe);
const insecure = { [oauth.allowInsecureRequests]: true };
const { app, svc } = fx.clients;

async function server(issuer) {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }));
}

const client = { client_id: app.client_id };
const service = { client_id: svc.client_id };
const serviceAuth = oauth.ClientSecretPost(svc.client_secret);

/// Runs `attempt`; when the server asks for a nonce, once more (the
/// library has kept the nonce from the refusal). Counts the retries.
async function withNonce(state, attempt) {
  try {
    return await attempt();
  } catch (e) {
    if (!oauth.isDPoPNonceError(e)) throw e;
    state.retries += 1;
    return attempt();
  }
}

/// Authorize with PKCE and dpop_jkt through the pages, then redeem the
/// code with a proof of the same key.
async function codeFlow(as, dpop, state) {
  const verifier = oauth.generateRandomCodeVerifier();
  const st = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: fx.redirect_uri,
    response_type: 'code',
    scope: 'openid email',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: st,
    dpop_jkt: await dpop.calculateThumbprint(),
  }).toString();
  const r = await new Browser().authorize(url);
  if (!r.callback) throw new Error(`no callback: ${JSON.stringify(r.page)}`);
  const params = oauth.validateAuthResponse(as, client, r.callback, st);
  return withNonce(state, async () => {
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, fx.redirect_uri, verifier, { DPoP: dpop, ...insecure });
    return oauth.processAuthorizationCodeResponse(as, client, response);
  });
}

async function userinfo(as, dpop, tokens, state) {
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  return withNonce(state, async () => {
    const response = await oauth.userInfoRequest(as, client, tokens.access_token, { DPoP: dpop, ...insecure });
    return oauth.processUserInfoResponse(as, client, claims.sub, response);
  });
}

const as = await server(fx.issuer);
const nonceAs = await server(fx.nonce_issuer);
const key = await oauth.generateKeyPair('ES256');
const dpop = oauth.DPoP(client, key);
const plain = { retries: 0 };
let tokens;
let sub;

await report.flow('code_flow', async () => {
  tokens = await codeFlow(as, dpop, plain);
  sub = oauth.getValidatedIdTokenClaims(tokens).sub;
  return {
    token_type: tokens.token_type,
    jkt: await dpop.calculateThumbprint(),
    refresh_token: typeof tokens.refresh_token === 'string',
    access_token: tokens.access_token,
  };
});

await report.flow('userinfo', async () => {
  const info = await userinfo(as, dpop, tokens, plain);
  return { email: info.email };
});

await report.flow('protected_resource', async () => {
  const response = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(as.userinfo_endpoint), new Headers(), null, { DPoP: dpop, ...insecure });
  return { status: response.status, email: (await response.json()).email };
});

await report.flow('refresh', async () => {
  const refreshed = await withNonce(plain, async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, { DPoP: dpop, ...insecure });
    return oauth.processRefreshTokenResponse(as, client, response);
  });
  tokens = { ...tokens, ...refreshed };
  return { token_type: refreshed.token_type, access_token: refreshed.access_token };
});

await report.flow('client_credentials', async () => {
  const svcDpop = oauth.DPoP(service, await oauth.generateKeyPair('ES256'));
  const response = await oauth.clientCredentialsGrantRequest(as, service, serviceAuth, new URLSearchParams({ scope: 'api:read' }), { DPoP: svcDpop, ...insecure });
  const result = await oauth.processClientCredentialsResponse(as, service, response);
  return { token_type: result.token_type, jkt: await svcDpop.calculateThumbprint(), access_token: result.access_token };
});

// The server requires nonces: the first proof of each kind is refused
// with use_dpop_nonce, and the library's retry with the nonce succeeds.
await report.flow('nonce_retry', async () => {
  const state = { retries: 0 };
  const svcDpop = oauth.DPoP(service, await oauth.generateKeyPair('ES256'));
  const cc = await withNonce(state, async () => {
    const response = await oauth.clientCredentialsGrantRequest(nonceAs, service, serviceAuth, new URLSearchParams({ scope: 'api:read' }), { DPoP: svcDpop, ...insecure });
    return oauth.processClientCredentialsResponse(nonceAs, service, response);
  });
  const appDpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  const appState = { retries: 0 };
  const t = await codeFlow(nonceAs, appDpop, appState);
  const info = await userinfo(nonceAs, appDpop, t, appState);
  return {
    client_credentials: cc.token_type,
    client_credentials_retries: state.retries,
    code_flow: t.token_type,
    code_flow_retries: appState.retries,
    email: info.email,
  };
});

// Mistakes: what the library's error object shows.
await report.mistake('bound_token_as_bearer', async () => async () => {
  const response = await oauth.userInfoRequest(as, client, tokens.access_token, insecure);
  return oauth.processUserInfoResponse(as, client, sub, response);
});

await report.mistake('refresh_with_another_key', async () => {
  const other = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  return async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, { DPoP: other, ...insecure });
    return oauth.processRefreshTokenResponse(as, client, response);
  };
});

await report.mistake('proof_for_another_method', async () => {
  const svcDpop = oauth.DPoP(service, await oauth.generateKeyPair('ES256'), {
    [oauth.modifyAssertion]: (_header, payload) => {
      payload.htm = 'GET';
    },
  });
  return async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, service, serviceAuth, new URLSearchParams(), { DPoP: svcDpop, ...insecure });
    return oauth.processClientCredentialsResponse(as, service, response);
  };
});

report.print();
