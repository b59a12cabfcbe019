// Tell the duty operator at once: a new (or escalated) incident plays a short tone and
// raises a browser notification. Browsers allow both only after the operator chose to:
// the "Sound and notifications" button asks for permission and unlocks audio; the
// choice is remembered for this browser.
import { t } from "./i18n.js";
import { word } from "./words.js";

const KEY = "cityops.notify";
let audio = null;

export function notifyEnabled() {
  return localStorage.getItem(KEY) === "on";
}

/** Wire the toggle button; returns a function to call with each live incident event. */
export function setupNotify(buttonId) {
  const button = document.getElementById(buttonId);
  const label = () => {
    if (!button) return;
    const on = notifyEnabled();
    button.textContent = on ? t("Sound and notifications: on") : t("Turn on sound and notifications");
    button.setAttribute("aria-pressed", String(on));
  };
  button?.addEventListener("click", async () => {
    if (notifyEnabled()) {
      localStorage.setItem(KEY, "off");
    } else {
      localStorage.setItem(KEY, "on");
      audio = audio || new AudioContext(); // created in a user gesture: allowed to play
      if ("Notification" in window && Notification.permission === "default") {
        await Notification.requestPermission();
      }
      tone();
    }
    label();
  });
  label();
  return (ev) => {
    const escalated = (ev.changes || []).includes("escalation");
    if (ev.kind !== "created" && !escalated) return;
    alertOperator(ev, escalated);
  };
}

function alertOperator(ev, escalated) {
  if (!notifyEnabled()) return;
  tone(escalated ? 3 : 2);
  if ("Notification" in window && Notification.permission === "granted") {
    const title = escalated ? t("Unacknowledged: %(subject)s", { subject: ev.subject })
      : t("New incident: %(subject)s", { subject: ev.subject });
    const n = new Notification(title, {
      body: `${ev.level_name} (${word(ev.severity)}) · ${t("rule %(rule)s", { rule: ev.rule })}`,
      tag: `incident-${ev.id}`,
      requireInteraction: true,
    });
    n.onclick = () => { window.focus(); n.close(); };
  }
}

function tone(beeps = 2) {
  try {
    audio = audio || new AudioContext();
    for (let i = 0; i < beeps; i += 1) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const start = audio.currentTime + i * 0.35;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.3);
    }
  } catch { /* no audio device: the notification still shows */ }
}
