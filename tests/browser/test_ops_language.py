"""An operator who chose Vietnamese sees no English from the pages' scripts: every string a
script shows (``t()`` in static/js, served as the page's catalogue) is looked for in the
rendered text and in titles, placeholders and labels of every operator page, with an open
incident, its drafted alert in the composer and a station popup on the map; axe-core finds
no serious violation on those pages in Vietnamese."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from cityops.web import translations
from tests.browser.conftest import World, shot, wait_until
from tests.browser.test_accessibility import _axe_source, _violations
from tests.browser.test_pages import login

PAGES = ["/ops", "/ops/alerts?alert=1", "/ops/data", "/ops/stations/1", "/ops/network"]
PAGES += ["/ops/programmes"]

#: Everything a person reads on the page: its text and the attributes read out or shown.
#: The composer's preview is left out: it shows each language of the alert exactly as
#: the public will see it (its English text is the English message, by design).
SEEN = """() => {
  const preview = document.getElementById('preview-panel');
  if (preview) preview.hidden = true;
  const own = (e) => !e.closest('#preview-panel');
  return [document.body.innerText, document.title,
    ...[...document.querySelectorAll('[title],[placeholder],[aria-label],[alt]')].filter(own)
      .flatMap(e => ['title', 'placeholder', 'aria-label', 'alt'].map(a => e.getAttribute(a) || ''))
  ].join('\\n');
}"""


OPACITY = "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity"


def _english_patterns(code: str) -> dict[str, re.Pattern[str]]:
    """A pattern per script string whose translation differs from the English: its
    literal words (placeholders match anything). One-word strings need 5 letters and a
    capital so that data ("Han River at Da Nang", rule levels "warning") is not taken for
    an interface string."""
    found: dict[str, re.Pattern[str]] = {}
    for msgid in translations.js_messages():
        if translations.gettext_for(code, msgid) == msgid:
            continue
        words = re.sub(r"%\(\w+\)s", " ", msgid).strip(" :·?.()“”")
        if " " not in words and not (len(words) >= 5 and words[:1].isupper()):
            continue
        parts = [re.escape(p.strip()) for p in re.split(r"%\(\w+\)s", msgid) if p.strip()]
        found[msgid] = re.compile(r"\b" + r".+?".join(parts))
    return found


def test_vietnamese_operator_sees_no_english_from_the_scripts(browser: Any, world: World) -> None:
    world.setup_city()
    world.observe(1.5, "2026-01-01T00:00:00Z")
    world.observe(3.4, datetime.now(UTC).isoformat())  # danger: an incident and a draft
    patterns = _english_patterns("vi")
    assert {"Acknowledge", "Open station", "Levels: %(levels)s"} <= set(patterns)
    axe = _axe_source()
    page = world.page(browser, locale="en-US")  # the user's choice, not the browser's
    login(page, world.url)
    page.get_by_label("Language").select_option("vi")
    page.get_by_role("button", name="Change", exact=True).click()
    page.get_by_role("heading", name="Hàng đợi sự cố").wait_for()
    english: dict[str, list[str]] = {}
    problems: dict[str, list[str]] = {}
    for path in PAGES:
        page.goto(world.url + path)
        page.wait_for_load_state("networkidle")
        if path == "/ops":
            page.locator("article.incident[data-state=open]").wait_for()
            page.locator("article.incident details.exposure summary").first.click()
            page.locator("article.incident details.downstream summary").first.click()
            timeline = "article.incident details:not(.exposure):not(.downstream) summary"
            page.locator(timeline).first.click()
            page.locator("article.incident details ol li").first.wait_for()  # the timeline
            page.locator("#station-list li[data-station]").first.wait_for()
            page.locator("path.station-marker").first.click()  # the popup, built by script
            page.locator(".station-popup").wait_for()
            wait_until(lambda: page.evaluate(OPACITY) == "1", "the popup's fade-in")  # for axe
        if path.startswith("/ops/alerts"):
            page.locator("#editor-tabs [role=tab]").first.wait_for()
        if not path.startswith("/ops/programmes"):  # the register does not update live
            page.locator("#live-status", has_text="Đang cập nhật trực tiếp").wait_for()
        assert page.locator("html").get_attribute("lang") == "vi"
        seen = page.evaluate(SEEN)
        english[path] = [m for m, p in patterns.items() if p.search(seen)]
        page.evaluate(
            "() => { const p = document.getElementById('preview-panel'); if (p) p.hidden = false; }"
        )
        problems[path] = _violations(page, axe)
        shot(page, "ops-vi-" + (path.strip("/").split("?")[0].replace("/", "-") or "ops"))
    page.context.close()
    assert {p: v for p, v in english.items() if v} == {}
    assert {p: v for p, v in problems.items() if v} == {}
    assert world.foreign == [] and world.errors == []
