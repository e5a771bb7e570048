// Passkeys on the sign-in pages: the only script Latchkey serves. A form
// with data-passkey="create" or "get" carries the ceremony's options
// (data-options, JSON from the server) and hidden fields the script fills:
// `credential` with the browser's answer, or `passkey_error` with the name
// of the DOMException when the browser refused (NotAllowedError,
// TimeoutError, SecurityError, ...), so the server can say what happened.
// Without this script the pages work with passwords alone.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out.buffer;
  }
  function toText(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: toBytes(c.id) };
    });
  }
  function creationOptions(o) {
    var p = Object.assign({}, o.publicKey);
    p.challenge = toBytes(p.challenge);
    p.user = Object.assign({}, p.user, { id: toBytes(p.user.id) });
    p.excludeCredentials = ids(p.excludeCredentials);
    return p;
  }
  function requestOptions(o) {
    var p = Object.assign({}, o.publicKey);
    p.challenge = toBytes(p.challenge);
    p.allowCredentials = ids(p.allowCredentials);
    return p;
  }
  function answer(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: toText(cred.rawId), type: cred.type,
      extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      out.response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return JSON.stringify(out);
  }
  function send(form, field, value) {
    form.querySelector("input[name=" + field + "]").value = value;
    form.querySelector("input[name=action][value=passkey]").disabled = false;
    form.submit();
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var options = JSON.parse(form.getAttribute("data-options"));
    var kind = form.getAttribute("data-passkey");
    var button = form.querySelector("[data-passkey-start]");
    var pending = null;
    if (button) button.hidden = false;
    form.querySelectorAll("[data-passkey-only]").forEach(function (e) { e.hidden = false; });

    function run(mediation) {
      var call;
      if (kind === "create") {
        call = navigator.credentials.create({ publicKey: creationOptions(options) });
      } else {
        var request = { publicKey: requestOptions(options) };
        if (pending) pending.abort();
        pending = new AbortController();
        request.signal = pending.signal;
        if (mediation) request.mediation = mediation;
        call = navigator.credentials.get(request);
      }
      return call.then(function (cred) {
        if (cred) send(form, "credential", answer(cred));
      });
    }

    // Typed in the username field: passkeys offered among the saved
    // sign-ins (conditional mediation), where the browser supports it. Its
    // failures are silent: the password form stays usable.
    if (kind === "get" && form.hasAttribute("data-conditional") &&
        PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (ok) run("conditional").catch(function () {});
      });
    }
    form.addEventListener("submit", function (event) {
      var by = event.submitter;
      if (!by || !by.hasAttribute("data-passkey-start")) return;
      event.preventDefault();
      run(null).catch(function (e) {
        send(form, "passkey_error", (e && e.name) || "UnknownError");
      });
    });
  });
})();
