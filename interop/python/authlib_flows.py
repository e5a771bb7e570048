"""Authlib 1.x against a running Latchkey: the flows an application uses,
then the six usual mistakes, each reported as Authlib's error object shows
it. Prints one JSON report; the e2e test asserts on it.

ID tokens are checked by Authlib's own OpenID client code (the one its
Flask, Django and Starlette clients share): signature against the JWKS,
issuer, audience, nonce and at_hash.
"""

import base64
import json
import os
import re
import time
import traceback
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.integrations.base_client import (
    BaseApp,
    FrameworkIntegration,
    OAuth2Mixin,
    OAuthError,
    OpenIDMixin,
)
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT
from joserfc.jwk import ECKey

fx = json.loads(os.environ["LATCHKEY_INTEROP"])
CLIENTS = fx["clients"]
WEB = CLIENTS["web_basic"]
SVC = CLIENTS["svc"]


class NoFramework(FrameworkIntegration):
    """Authlib's web clients keep state in a framework; a script has none."""

    def update_token(self, token, refresh_token=None, access_token=None):
        pass


# The last response Authlib received: its OAuthError keeps no response, so
# the `Link` header (the error's documentation, `rel="help"`) is read the
# way an application would, with a requests response hook.
last_response = {"link": None}


def remember(resp, *args, **kwargs):
    last_response["link"] = resp.headers.get("Link")


class HookedSession(OAuth2Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hooks["response"].append(remember)


class OidcClient(OAuth2Mixin, OpenIDMixin, BaseApp):
    client_cls = HookedSession


def oidc_client(issuer, client_id=WEB["client_id"], secret=WEB["client_secret"]):
    return OidcClient(
        NoFramework("latchkey"),
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )


def metadata(issuer):
    return requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()


def page_details(status, html):
    def dd(name):
        m = re.search(rf"<dt>{name}</dt><dd><code>([^<]*)</code>", html)
        return m.group(1) if m else None

    return {"status": status, "error": dd("error"), "cause": dd("cause")}


class Browser:
    """A person at a browser: follows redirects by hand, signs in and allows
    consent when a form asks, and stops at the client's callback."""

    def __init__(self):
        self.http = requests.Session()

    def authorize(self, url):
        method, data = "GET", None
        for _ in range(12):
            r = self.http.request(method, url, data=data, allow_redirects=False, timeout=10)
            method, data = "GET", None
            location = r.headers.get("location")
            if location:
                nxt = urljoin(url, location)
                if urlsplit(nxt).netloc != urlsplit(url).netloc:
                    return {"callback": nxt}
                url = nxt
                continue
            form = re.search(r'<form method="post" action="([^"]+)">([\s\S]*?)</form>', r.text)
            if not r.ok or not form:
                return {"page": page_details(r.status_code, r.text)}
            fields = {
                name: unescape(value)
                for name, value in re.findall(
                    r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)
                )
            }
            action = unescape(form.group(1))
            if action.startswith("/login"):
                fields.update(
                    username=fx["user"]["username"],
                    password=fx["user"]["password"],
                    action="login",
                )
            elif action.startswith("/consent"):
                fields["action"] = "allow"
            else:
                return {"page": {"status": r.status_code, "form": action}}
            url, method, data = urljoin(url, action), "POST", fields
        raise RuntimeError(f"too many redirects from {url}")


browser = Browser()


def describe(e):
    out = {"type": type(e).__name__, "message": str(e)}
    if isinstance(e, OAuthError):
        out.update(
            error=e.error,
            error_description=e.description,
            error_uri=e.uri,
            link=last_response["link"],
        )
    return out


steps = {}


def flow(name):
    def run(fn):
        try:
            steps[name] = {"ok": True, **(fn() or {})}
        except Exception as e:  # noqa: BLE001 - the report says what failed
            steps[name] = {"ok": False, "raised": describe(e), "stack": traceback.format_exc()}

    return run


def mistake(name):
    """`fn` sets things up and returns the call that must fail."""

    def run(fn):
        try:
            last = fn()
        except Exception as e:  # noqa: BLE001
            steps[name] = {"setup_failed": describe(e), "stack": traceback.format_exc()}
            return
        try:
            value = last()
            steps[name] = {"raised": None, "value": str(value)[:300]}
        except Exception as e:  # noqa: BLE001
            steps[name] = {"raised": describe(e)}

    return run


def authorize(app, redirect_uri=fx["redirect_uri"], **params):
    """An authorization request with PKCE, state and nonce (and `params`),
    through the pages."""
    req = app.create_authorization_url(redirect_uri=redirect_uri, **params)
    r = browser.authorize(req["url"])
    if "callback" not in r:
        return {**req, "page": r["page"]}
    q = {k: v[0] for k, v in parse_qs(urlsplit(r["callback"]).query).items()}
    assert q["state"] == req["state"], "state"
    return {**req, "params": q}


def exchange(app, a, redirect_uri=fx["redirect_uri"]):
    return app.fetch_access_token(
        redirect_uri=redirect_uri,
        code=a["params"]["code"],
        code_verifier=a["code_verifier"],
    )


def session(client_id, secret, method=None, **kw):
    return HookedSession(client_id, secret, token_endpoint_auth_method=method, **kw)


app = oidc_client(fx["issuer"])
meta = metadata(fx["issuer"])
token_endpoint = meta["token_endpoint"]
state = {}


@flow("code_pkce")
def _():
    a = authorize(app)
    token = exchange(app, a)
    claims = app.parse_id_token(token, nonce=a["nonce"])
    state["token"], state["nonce"] = token, a["nonce"]
    return {
        "iss_parameter": a["params"].get("iss"),
        "sub": claims["sub"],
        "at_hash": isinstance(claims.get("at_hash"), str),
        "nonce_checked": claims["nonce"] == a["nonce"],
        "refresh_token": "refresh_token" in token,
        "email": claims.get("email"),
    }


@flow("claims_parameter")
def _():
    # OpenID Connect Core 5.5: the claims parameter, passed as an extra
    # authorization parameter, puts email into the ID token Authlib checks.
    asked = {"id_token": {"email": {"essential": True}, "email_verified": None}}
    a = authorize(app, claims=json.dumps(asked))
    token = exchange(app, a)
    claims = app.parse_id_token(token, nonce=a["nonce"])
    return {"email": claims.get("email"), "email_verified": claims.get("email_verified")}


@flow("id_token_at_hash_checked")
def _():
    # Authlib refuses an ID token whose at_hash does not match the access
    # token it came with.
    token = dict(state["token"], access_token="another-access-token")
    try:
        app.parse_id_token(token, nonce=state["nonce"])
    except Exception as e:  # noqa: BLE001
        return {"refused": type(e).__name__}
    return {"refused": None}


@flow("userinfo")
def _():
    info = app.userinfo(token=state["token"])
    return {"sub": info["sub"], "email": info.get("email")}


@flow("refresh")
def _():
    s = session(WEB["client_id"], WEB["client_secret"])
    old = state["token"]["refresh_token"]
    new = s.refresh_token(token_endpoint, refresh_token=old)
    return {"rotated": new["refresh_token"] != old, "access_token": "access_token" in new}


@flow("client_credentials")
def _():
    s = session(SVC["client_id"], SVC["client_secret"], "client_secret_post", scope="api:read")
    t = s.fetch_token(token_endpoint, grant_type="client_credentials")
    return {"scope": t.get("scope"), "token_type": t.get("token_type")}


@flow("client_secret_basic_raw")
def _():
    # A secret with + & % chosen by the operator: Authlib puts it in the
    # Basic header without form-encoding it (RFC 6749 §2.3.1 asks for that).
    c = CLIENTS["raw_basic"]
    s = session(c["client_id"], c["client_secret"], scope="api:read")
    sent = {}
    s.hooks["response"].append(
        lambda resp, *a, **k: sent.update(authorization=resp.request.headers.get("Authorization"))
    )
    t = s.fetch_token(token_endpoint, grant_type="client_credentials")
    raw = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
    return {"scope": t.get("scope"), "sent_raw": sent.get("authorization") == f"Basic {raw}"}


@flow("client_secret_jwt")
def _():
    c = CLIENTS["csjwt"]
    s = session(c["client_id"], c["client_secret"], "client_secret_jwt", scope="api:read")
    s.register_client_auth_method(ClientSecretJWT(token_endpoint))
    t = s.fetch_token(token_endpoint, grant_type="client_credentials")
    return {"scope": t.get("scope")}


@flow("private_key_jwt")
def _():
    key = ECKey.import_key(fx["private_jwk"])
    s = session(CLIENTS["pkjwt"]["client_id"], key, "private_key_jwt", scope="api:read")
    s.register_client_auth_method(
        PrivateKeyJWT(token_endpoint, alg="ES256", headers={"kid": fx["private_jwk"]["kid"]})
    )
    t = s.fetch_token(token_endpoint, grant_type="client_credentials")
    return {"scope": t.get("scope")}


# The six mistakes.
@mistake("wrong_secret")
def _():
    bad = oidc_client(fx["issuer"], secret="not-the-secret")
    a = authorize(bad)
    return lambda: exchange(bad, a)


@mistake("wrong_auth_method")
def _():
    # Authlib's default is client_secret_basic; this client registered
    # client_secret_post.
    s = session(SVC["client_id"], SVC["client_secret"], scope="api:read")
    return lambda: s.fetch_token(token_endpoint, grant_type="client_credentials")


@flow("redirect_uri_unregistered_page")
def _():
    return {"page": authorize(app, fx["unregistered_redirect_uri"]).get("page")}


@mistake("redirect_uri_unregistered")
def _():
    # Authlib has no PAR call; the unregistered URI reaches the server at
    # the code exchange.
    a = authorize(app)
    return lambda: exchange(app, a, fx["unregistered_redirect_uri"])


@mistake("code_reused")
def _():
    a = authorize(app)
    exchange(app, a)
    return lambda: exchange(app, a)


@mistake("code_expired")
def _():
    short = oidc_client(fx["short_issuer"])
    a = authorize(short)
    time.sleep(fx["code_ttl_ms"] / 1000 + 0.1)
    return lambda: exchange(short, a)


@mistake("refresh_reused")
def _():
    token = exchange(app, authorize(app))
    s = session(WEB["client_id"], WEB["client_secret"])
    s.refresh_token(token_endpoint, refresh_token=token["refresh_token"])
    return lambda: s.refresh_token(token_endpoint, refresh_token=token["refresh_token"])


print(json.dumps({"library": "authlib", "steps": steps}))
