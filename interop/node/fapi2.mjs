// oauth4webapi 3 against a Latchkey running the FAPI 2.0 Security Profile
// (profile = fapi2): a pushed authorization request with private_key_jwt,
// PKCE and a DPoP proof, the browser sent with the request_uri alone, the
// response's iss checked, and the code redeemed with a DPoP proof; then
// what the library's error objects show of two refusals the profile adds.
// Prints one JSON report.
import * as oauth from 'oauth4webapi';
import { Browser, Report, describeError, fx, privateKey } from './lib.mjs';

const describe = (e) => describeError(e, oauth);
const report = new Report('oauth4webapi-fapi2', describe);
const insecure = { [oauth.allowInsecureRequests]: true };

const url = new URL(fx.issuer);
const as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }));
const client = { client_id: fx.clients.fapi.client_id, id_token_signed_response_alg: 'ES256' };
const clientAuth = oauth.PrivateKeyJwt(await privateKey());

await report.flow('discovery', async () => ({
  require_pushed_authorization_requests: as.require_pushed_authorization_requests,
  token_endpoint_auth_methods_supported: as.token_endpoint_auth_methods_supported,
  dpop_signing_alg_values_supported: as.dpop_signing_alg_values_supported,
}));

await report.flow('par_code_flow', async () => {
  const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
    redirect_uri: fx.redirect_uri,
    response_type: 'code',
    scope: 'openid email',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }, { DPoP: dpop, ...insecure }));
  const start = new URL(as.authorization_endpoint);
  start.search = new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri }).toString();
  const r = await new Browser().authorize(start);
  if (!r.callback) throw new Error(`no callback: ${JSON.stringify(r.page)}`);
  const params = oauth.validateAuthResponse(as, client, r.callback, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, fx.redirect_uri, verifier, { DPoP: dpop, ...insecure });
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  return {
    iss: r.callback.searchParams.get('iss'),
    expires_in: pushed.expires_in,
    token_type: tokens.token_type,
    jkt: await dpop.calculateThumbprint(),
    access_token: tokens.access_token,
    sub: claims.sub,
  };
});

// The profile's refusals, as the library raises them.
await report.mistake('par_without_pkce', async () => async () => {
  const response = await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
    redirect_uri: fx.redirect_uri,
    response_type: 'code',
    scope: 'openid',
  }, insecure);
  return oauth.processPushedAuthorizationResponse(as, client, response);
});

await report.mistake('token_without_dpop', async () => async () => {
  const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, new URLSearchParams(), insecure);
  return oauth.processClientCredentialsResponse(as, client, response);
});

report.print();
