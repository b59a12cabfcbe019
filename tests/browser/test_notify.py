"""The operator is told at once (issue 17, item 7): once the operator turned on sound and
notifications, a new incident plays a tone and raises a browser notification.

The browser's Notification and AudioContext are wrapped to record what the page asks
for (a headless browser shows no notification and plays no sound)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.browser.conftest import World
from tests.browser.test_pages import login

RECORD = """
window.__notes = []; window.__tones = 0;
class RecordedNotification {
  constructor(title, options) { window.__notes.push({ title, body: options.body }); }
  close() {}
  static async requestPermission() {
    RecordedNotification.permission = "granted";
    return "granted";
  }
}
RecordedNotification.permission = "default";
window.Notification = RecordedNotification;
const RealAudio = window.AudioContext;
window.AudioContext = class extends RealAudio {
  createOscillator() { window.__tones += 1; return super.createOscillator(); }
};
"""


def test_a_new_incident_sounds_and_notifies(browser: Any, world: World) -> None:
    world.setup_city()
    world.observe(1.5, datetime.now(UTC).isoformat())
    page = world.page(browser)
    page.add_init_script(RECORD)
    login(page, world.url)
    page.locator("#station-list li[data-station]").first.wait_for()
    toggle = page.get_by_role("button", name="Turn on sound and notifications")
    toggle.click()
    page.get_by_role("button", name="Sound and notifications: on").wait_for()
    tones_before = page.evaluate("window.__tones")  # the confirmation tone
    assert page.evaluate("window.__notes") == []
    world.observe(3.4, datetime.now(UTC).isoformat())  # above danger: a new incident
    page.locator("article.incident[data-state=open]").wait_for()
    page.wait_for_function("window.__notes.length > 0")
    [note] = page.evaluate("window.__notes")
    assert note["title"].startswith("New incident") and "danger" in note["body"]
    assert page.evaluate("window.__tones") > tones_before
