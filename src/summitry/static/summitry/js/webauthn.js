// WebAuthn for the second factor: registering a security key, and signing in with it.

const b64u = {
  decode(s) {
    const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
  },
  encode(buf) {
    let s = "";
    new Uint8Array(buf).forEach((x) => { s += String.fromCharCode(x); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
};

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) });
  return { ok: r.ok, body: await r.json().catch(() => ({})) };
}

function fail(button) {
  const box = document.getElementById("key-error");
  box.textContent = button.dataset.failed;
  box.hidden = false;
  button.disabled = false;
}

function credentialJSON(cred) {
  const r = cred.response;
  const out = { id: cred.id, rawId: b64u.encode(cred.rawId), type: cred.type, clientExtensionResults: {}, response: {
    clientDataJSON: b64u.encode(r.clientDataJSON) } };
  if (r.attestationObject) {
    out.response.attestationObject = b64u.encode(r.attestationObject);
    out.response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = b64u.encode(r.authenticatorData);
    out.response.signature = b64u.encode(r.signature);
    out.response.userHandle = r.userHandle ? b64u.encode(r.userHandle) : null;
  }
  return out;
}

const add = document.getElementById("add-key");
if (add) {
  add.addEventListener("click", async () => {
    add.disabled = true;
    try {
      const o = await (await fetch(add.dataset.options, { credentials: "same-origin" })).json();
      o.challenge = b64u.decode(o.challenge);
      o.user.id = b64u.decode(o.user.id);
      o.excludeCredentials = (o.excludeCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) }));
      const cred = await navigator.credentials.create({ publicKey: o });
      const res = await post(add.dataset.register, { credential: credentialJSON(cred), name: document.getElementById("key-name").value });
      if (res.ok) location.reload(); else fail(add);
    } catch (_) { fail(add); }
  });
}

const use = document.getElementById("use-key");
if (use) {
  use.addEventListener("click", async () => {
    use.disabled = true;
    try {
      const o = await (await fetch(use.dataset.options, { credentials: "same-origin" })).json();
      o.challenge = b64u.decode(o.challenge);
      o.allowCredentials = (o.allowCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) }));
      const cred = await navigator.credentials.get({ publicKey: o });
      const res = await post(use.dataset.verify, credentialJSON(cred));
      if (res.ok) location.assign(res.body.next || "/"); else fail(use);
    } catch (_) { fail(use); }
  });
}
