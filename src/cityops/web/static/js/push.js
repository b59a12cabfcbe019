// Web Push on the public page: subscribe this browser for the chosen region and language
// (the server's VAPID key from /api/public/push/key), or unsubscribe (the row is deleted).

function keyBytes(b64) {
  const pad = "=".repeat((4 - (b64.length % 4)) % 4);
  const raw = atob((b64 + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function call(url, method, body) {
  const resp = await fetch(url, { method, headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body) });
  if (!resp.ok && resp.status !== 404) throw new Error(`${resp.status}`);
  return resp;
}

export function setupPush({ lang, region, area, t }) {
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  const status = document.getElementById("push-status");
  if (!on) return;
  const say = (text) => { status.textContent = text || ""; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    on.disabled = true;
    say(t.push_unsupported);
    return;
  }
  const show = (subscribed) => { on.hidden = subscribed; off.hidden = !subscribed; };
  navigator.serviceWorker.ready.then((reg) => reg.pushManager.getSubscription()).then((s) => show(!!s)).catch(() => {});

  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") { say(t.push_denied); return; }
      const reg = await navigator.serviceWorker.ready;
      const { public_key: key } = await (await fetch("/api/public/push/key")).json();
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      await call("/api/public/push-subscriptions", "POST", { subscription: sub.toJSON(), region: region(), area: area(), lang });
      show(true);
      say(t.push_done);
    } catch (err) {
      say(`${t.push_unsupported} (${err.message})`);
    }
  });
  off.addEventListener("click", async () => {
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.getSubscription();
    if (sub) {
      await call("/api/public/push-subscriptions", "DELETE", { endpoint: sub.endpoint }).catch(() => {});
      await sub.unsubscribe();
    }
    show(false);
    say(t.push_removed);
  });
}
