// Shared by the interop scripts: the fixture the test passes in, a person
// at a browser (fetch, by hand: the login and consent forms), and a report
// of what each step gave or what the library's error object exposes.

export const fx = JSON.parse(process.env.LATCHKEY_INTEROP ?? '{}');

function decode(html) {
  return html.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/// What an error page says to the developer (its details block).
function pageDetails(status, html) {
  const dd = (name) => html.match(new RegExp(`<dt>${name}</dt><dd><code>([^<]*)</code>`))?.[1];
  return { status, error: dd('error'), cause: dd('cause') };
}

/// A browser with its own cookies: follows redirects by hand, signs in and
/// allows consent when a form asks, and stops at the client's callback.
export class Browser {
  cookies = new Map();

  async request(url, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }

  /// Returns `{ callback: URL }`, `{ formPost: URLSearchParams }` (the
  /// fields of a form_post response) or, when the server shows an error
  /// page, `{ page: { status, error, cause } }`.
  async authorize(start, user = fx.user) {
    let url = new URL(start);
    let init = {};
    for (let hops = 0; hops < 12; hops++) {
      const res = await this.request(url, init);
      init = {};
      const location = res.headers.get('location');
      if (location) {
        await res.arrayBuffer();
        const next = new URL(location, url);
        // Leaving the server: the client's callback, left unloaded (its
        // URL is all a client library needs).
        if (next.origin !== url.origin) return { callback: next };
        url = next;
        continue;
      }
      const html = await res.text();
      const form = html.match(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/);
      if (!res.ok || !form) return { page: pageDetails(res.status, html) };
      const fields = new URLSearchParams();
      for (const [, name, value] of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
        fields.append(name, decode(value));
      }
      const action = decode(form[1]);
      // The form_post page: the form goes back to the client.
      if (new URL(action, url).origin !== url.origin) return { formPost: fields };
      if (action.startsWith('/login')) {
        fields.append('username', user.username);
        fields.append('password', user.password);
        fields.append('action', 'login');
      } else if (action.startsWith('/consent')) {
        fields.append('action', 'allow');
      } else if (!action.startsWith('/logout')) {
        return { page: { status: res.status, form: action } };
      } // The logout confirmation sends only its hidden fields.
      url = new URL(action, url);
      init = {
        method: 'POST',
        body: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
    }
    throw new Error(`too many redirects from ${start}`);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// The JSON report: one entry per step.
export class Report {
  constructor(library, describe) {
    this.out = { library, steps: {} };
    this.describe = describe;
  }

  /// A flow that must work: records what it returns, or the error.
  async flow(name, fn) {
    try {
      this.out.steps[name] = { ok: true, ...(await fn()) };
    } catch (e) {
      this.out.steps[name] = { ok: false, raised: this.describe(e), stack: String(e?.stack ?? e) };
    }
  }

  /// A mistake: `fn` sets things up and returns the call that must fail.
  async mistake(name, fn) {
    try {
      const last = await fn();
      try {
        const value = await last();
        this.out.steps[name] = { raised: null, value: String(JSON.stringify(value)).slice(0, 300) };
      } catch (e) {
        this.out.steps[name] = { raised: this.describe(e) };
      }
    } catch (e) {
      this.out.steps[name] = { setup_failed: this.describe(e), stack: String(e?.stack ?? e) };
    }
  }

  print() {
    process.stdout.write(`${JSON.stringify(this.out)}\n`);
  }
}

export async function privateKey() {
  const { d, ...jwk } = fx.private_jwk;
  const key = await crypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  return { key, kid: jwk.kid };
}

/// What a library's error object shows of our answer: `lib` is the module
/// whose ResponseBodyError and WWWAuthenticateChallengeError classes it
/// throws (openid-client re-exports those of oauth4webapi).
export function describeError(e, lib) {
  const out = { type: e?.constructor?.name, code: e?.code, message: e?.message };
  if (e instanceof lib.ResponseBodyError) {
    Object.assign(out, {
      status: e.status,
      error: e.error,
      error_description: e.error_description,
      error_uri: e.cause?.error_uri,
      error_id: e.cause?.error_id,
      link: e.response?.headers.get('link') ?? undefined,
    });
  } else if (lib.AuthorizationResponseError && e instanceof lib.AuthorizationResponseError) {
    // An error in the authorization response (for JARM, inside the JWT).
    Object.assign(out, {
      error: e.error,
      error_description: e.error_description,
      error_uri: e.cause?.get('error_uri') ?? undefined,
    });
  } else if (e instanceof lib.WWWAuthenticateChallengeError) {
    const [challenge] = e.cause ?? [];
    Object.assign(out, {
      status: e.status,
      scheme: challenge?.scheme,
      error: challenge?.parameters?.error,
      error_description: challenge?.parameters?.error_description,
      error_uri: challenge?.parameters?.error_uri,
      acr_values: challenge?.parameters?.acr_values,
      max_age: challenge?.parameters?.max_age,
      link: e.response?.headers.get('link') ?? undefined,
    });
  }
  return out;
}
