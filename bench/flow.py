#!/usr/bin/env python3
"""Sequential authorization-code + PKCE flows against an OpenID provider on
loopback; standard library only, one keep-alive connection.

  MODE=full  every flow starts without cookies: /authorize, the login form,
             the consent form (each filled the way a browser would submit
             it), the redirect with the code, then POST /token.
  MODE=sso   one browser: a first, unmeasured flow signs in and allows;
             every measured flow then finds the session and the remembered
             consent, so it is /authorize -> redirect -> /token.

With NODES (space-separated base URLs of several nodes on one database),
every request goes to the next node in turn, on that node's own keep-alive
connection, as a load balancer without sticky sessions would send them;
BASE_URL stays the issuer, the address the provider's links name.

Env: BASE_URL NODES AUTH_PATH TOKEN_PATH CLIENT_ID CLIENT_SECRET REDIRECT_URI SCOPE
EXTRA (extra authorize parameters) USERNAME PASSWORD FLOWS WARMUP MAX_SECONDS.
Prints `RESULT {json}`: flows/s, per-flow median and p99, time per step.
"""
import base64
import hashlib
import http.client
import json
import os
import secrets
import statistics
import sys
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

E = os.environ.get
BASE = urlsplit(E("BASE_URL", "http://127.0.0.1:8080"))
NODES = [urlsplit(u) for u in E("NODES", "").split()] or [BASE]
if any(n.hostname not in ("127.0.0.1", "localhost", "::1") for n in [BASE, *NODES]):
    sys.exit("flow.py: loopback targets only")
MODE = E("MODE", "full")
AUTH_PATH, TOKEN_PATH = E("AUTH_PATH", "/authorize"), E("TOKEN_PATH", "/token")
CLIENT_ID, CLIENT_SECRET = E("CLIENT_ID", "bench-code"), E("CLIENT_SECRET", "")
REDIRECT_URI = E("REDIRECT_URI", "http://127.0.0.1:9999/cb")
SCOPE, EXTRA = E("SCOPE", "openid offline_access api:read"), E("EXTRA", "")
USERNAME, PASSWORD = E("USERNAME", "bench-user"), E("PASSWORD", "")
FLOWS, WARMUP = int(E("FLOWS", "200")), int(E("WARMUP", "20"))
MAX_SECONDS = float(E("MAX_SECONDS", "60"))
BASIC = "Basic " + base64.b64encode(
    f"{quote(CLIENT_ID, safe='')}:{quote(CLIENT_SECRET, safe='')}".encode()).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Client:
    """One keep-alive connection and a cookie jar (name -> value; every
    cookie of a loopback provider is sent on every path here)."""

    def __init__(self):
        self.conns = [None] * len(NODES)
        self.turn = 0
        self.jar = {}
        self.steps = {}  # "POST /login" -> seconds
        self.requests = 0

    def send(self, method, path, body=None, headers=None):
        h = {"Host": BASE.netloc}
        if self.jar:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        h.update(headers or {})
        n = self.turn
        self.turn = (n + 1) % len(NODES)
        for retry in (False, True):
            if self.conns[n] is None:
                self.conns[n] = http.client.HTTPConnection(NODES[n].hostname, NODES[n].port, timeout=10)
            try:
                t = time.perf_counter()
                self.conns[n].request(method, path, body=body, headers=h)
                r = self.conns[n].getresponse()
                data = r.read()
            except (http.client.HTTPException, ConnectionError):
                self.conns[n].close()
                self.conns[n] = None
                if retry:
                    raise
                continue
            self.requests += 1
            step = f"{method} /{path.lstrip('/').split('?')[0].split('/')[0]}"
            self.steps[step] = self.steps.get(step, 0.0) + time.perf_counter() - t
            for c in r.msg.get_all("Set-Cookie") or []:
                first, _, attrs = c.partition(";")
                name, _, value = first.strip().partition("=")
                a = attrs.lower().replace(" ", "")
                if not value or "max-age=0" in a or "1970" in a:
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = value
            if (r.getheader("Connection") or "").lower() == "close":
                self.conns[n].close()
                self.conns[n] = None
            return r, data


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").upper(),
                               "fields": [], "submit": None})
        elif self.forms and tag in ("input", "button"):
            f, name = self.forms[-1], a.get("name")
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if not name:
                return
            if kind == "submit":
                f["submit"] = f["submit"] or (name, a.get("value") or "")
            elif kind == "password":
                f["fields"].append((name, PASSWORD))
            elif kind in ("text", "email") and not a.get("value"):
                f["fields"].append((name, USERNAME))
            else:
                f["fields"].append((name, a.get("value") or ("on" if kind == "checkbox" else "")))


def flow(cl):
    """One flow; returns how many forms it filled."""
    verifier = b64url(secrets.token_bytes(32))
    state = b64url(secrets.token_bytes(12))
    q = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
         "scope": SCOPE, "state": state, "nonce": b64url(secrets.token_bytes(12)),
         "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
         "code_challenge_method": "S256"}
    url = f"{BASE.scheme}://{BASE.netloc}{AUTH_PATH}?{urlencode(q)}" + (f"&{EXTRA}" if EXTRA else "")
    method, body, forms = "GET", None, 0
    for _ in range(20):
        u = urlsplit(url)
        if u.netloc != BASE.netloc:
            raise RuntimeError(f"left the provider: {url}")
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        r, data = cl.send(method, u.path + (f"?{u.query}" if u.query else ""), body, hdrs)
        if r.status in (302, 303, 307, 308):
            url = urljoin(url, r.getheader("Location"))
            if url.startswith(REDIRECT_URI):
                p = parse_qs(urlsplit(url).query)
                if "code" not in p or p.get("state") != [state]:
                    raise RuntimeError(f"bad redirect: {url}")
                code = p["code"][0]
                break
            if r.status in (302, 303):
                method, body = "GET", None
        elif r.status == 200 and "html" in (r.getheader("Content-Type") or ""):
            parser = Forms()
            parser.feed(data.decode("utf-8", "replace"))
            if not parser.forms:
                raise RuntimeError(f"page without a form at {url}: {data[:200]!r}")
            f = parser.forms[0]
            fields = f["fields"] + ([f["submit"]] if f["submit"] else [])
            url, method, forms = urljoin(url, f["action"] or url), f["method"], forms + 1
            body = urlencode(fields) if method == "POST" else None
            if method == "GET":
                url = url.split("?")[0] + "?" + urlencode(fields)
        else:
            raise RuntimeError(f"{r.status} at {url}: {data[:300]!r}")
    else:
        raise RuntimeError("no code after 20 hops")
    r, data = cl.send("POST", TOKEN_PATH, urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier}), {"Authorization": BASIC,
                                      "Content-Type": "application/x-www-form-urlencoded"})
    if r.status != 200 or "access_token" not in json.loads(data):
        raise RuntimeError(f"token endpoint {r.status}: {data[:300]!r}")
    return forms


def main():
    cl = Client()
    for _ in range(max(WARMUP, 1 if MODE == "sso" else 0)):
        if MODE == "full":
            cl.jar = {}
        flow(cl)
    cl.steps, cl.requests = {}, 0
    times, forms, failed, error = [], 0, 0, None
    stop = time.monotonic() + MAX_SECONDS
    t0 = time.perf_counter()
    for _ in range(FLOWS):
        if time.monotonic() > stop:
            break
        if MODE == "full":
            cl.jar = {}
        s = time.perf_counter()
        try:
            forms += flow(cl)
        except Exception as e:  # noqa: BLE001 - counted and reported
            failed += 1
            error = error or repr(e)
            continue
        times.append(time.perf_counter() - s)
    wall = time.perf_counter() - t0
    n = len(times)
    times.sort()
    res = {"mode": MODE, "flows": n, "failed": failed, "first_error": error,
           "flows_per_s": round(n / wall, 1) if n else 0,
           "p50_ms": round(statistics.median(times) * 1000, 2) if n else None,
           "p99_ms": round(times[min(n - 1, int(0.99 * n))] * 1000, 2) if n else None,
           "mean_ms": round(wall / n * 1000, 2) if n else None,
           "forms_per_flow": round(forms / n, 2) if n else None,
           "requests_per_flow": round(cl.requests / max(1, n + failed), 2),
           "step_ms": {k: round(v * 1000 / max(1, n + failed), 2) for k, v in cl.steps.items()}}
    print("RESULT " + json.dumps(res))
    return 0 if n and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
