// oauth4webapi 3 against a running Latchkey while a client's secret is
// rotated: client_credentials with each secret given (client_secret_basic),
// one step per secret. Prints one JSON report.
import * as oauth from 'oauth4webapi';
import { Report, describeError, fx } from './lib.mjs';

const report = new Report('oauth4webapi', (e) => describeError(e, oauth));
const insecure = { [oauth.allowInsecureRequests]: true };
const url = new URL(fx.issuer);
const as = await oauth.processDiscoveryResponse(
  url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }),
);
const client = { client_id: fx.client_id };

for (const [name, secret] of Object.entries(fx.secrets)) {
  await report.flow(name, async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as, client, oauth.ClientSecretBasic(secret), { scope: 'api:read' }, insecure,
    );
    const t = await oauth.processClientCredentialsResponse(as, client, response);
    return { scope: t.scope, token_type: t.token_type };
  });
}
report.print();
