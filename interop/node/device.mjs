// openid-client 6 and the device authorization grant (RFC 8628), as a
// device runs it: start a device authorization, show the user code, poll
// until the tokens come; then a request the user denies. Writes one JSON
// line per step on stdout: the e2e test reads the user codes from it,
// records the user's decisions, and asserts on the rest.
import * as client from 'openid-client';
import { describeError, fx } from './lib.mjs';

// Plain http on loopback; ID token signatures checked against the JWKS.
const execute = { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] };
const say = (line) => console.log(JSON.stringify(line));

const config = await client.discovery(
  new URL(fx.issuer),
  fx.client_id,
  undefined,
  client.None(),
  execute,
);

/// A device authorization, its user code shown (to the test).
async function start(scope) {
  const started = await client.initiateDeviceAuthorization(config, { scope });
  const { user_code, verification_uri, verification_uri_complete, expires_in, interval } = started;
  say({ step: 'user_code', user_code, verification_uri, verification_uri_complete, expires_in, interval });
  return started;
}

const allowed = await start('openid profile');
const tokens = await client.pollDeviceAuthorizationGrant(config, allowed);
const claims = tokens.claims();
say({
  step: 'tokens',
  token_type: tokens.token_type,
  scope: tokens.scope,
  sub: claims?.sub,
  aud: claims?.aud,
  nonce: claims?.nonce ?? null,
  refresh_token: typeof tokens.refresh_token === 'string',
});

const denied = await start('openid');
try {
  await client.pollDeviceAuthorizationGrant(config, denied);
  say({ step: 'denied', error: null });
} catch (e) {
  say({ step: 'denied', ...describeError(e, client) });
}
