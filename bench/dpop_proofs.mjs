// Makes DPoP proofs (RFC 9449) for the cc16_dpop scenario of bench/run:
// one ES256 key, then COUNT proofs for POST HTU, each with its own jti and
// the current iat, one per line in OUT. Signing happens here, before the
// run, so the load generator only sends them.
//
//   node bench/dpop_proofs.mjs COUNT HTU OUT
import { writeFileSync } from 'node:fs';

const [count, htu, out] = process.argv.slice(2);
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const { privateKey, publicKey } = await crypto.subtle.generateKey(
  { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
const header = b64u(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }));
const iat = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < Number(count); i++) {
  const claims = b64u(JSON.stringify({ jti: b64u(crypto.getRandomValues(new Uint8Array(12))), htm: 'POST', htu, iat }));
  const input = `${header}.${claims}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(input));
  lines.push(`${input}.${b64u(signature)}`);
}
writeFileSync(out, `${lines.join('\n')}\n`);
