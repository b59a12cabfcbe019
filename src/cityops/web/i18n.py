"""Languages of the public page: the reader's choice (``?lang=``), else Accept-Language,
else English. Alert texts come in the alert's own languages; the page's own labels come
from the same gettext catalogues as the operator pages (one place for translators)."""

from __future__ import annotations

from cityops.cap.templates import LANGUAGES, load_templates
from cityops.web.translations import N_, gettext_for

DEFAULT = "en"

#: The page's labels: key -> English msgid, translated from the gettext catalogues
#: (``web.translations``) like the operator pages; ``{address}`` is filled in by the page.
LABELS: dict[str, str] = {
    "title": N_("Current warnings"),
    "none": N_("No warnings in force."),
    "language": N_("Language"),
    "instruction": N_("What to do"),
    "area": N_("Area"),
    "expires": N_("Valid until"),
    "feeds": N_("Feeds and CAP documents"),
    "cap": N_("CAP document"),
    "map": N_("Map of current warnings"),
    "updated": N_("Updated"),
    "severity": N_("Severity"),
    "loading": N_("Loading warnings…"),
    "show": N_("Show"),
    "other_language": N_("Not available in your language; shown in"),
    "issued_by": N_("Issued by"),
    "issued": N_("Issued"),
    "region": N_("Region"),
    "all_regions": N_("All regions"),
    "whole_region": N_("The whole region"),
    "times_in": N_("Times are local time of"),
    "details": N_("Details and history"),
    "all_clear": N_("All clear"),
    "cancelled_note": N_("This warning was cancelled:"),
    "all_clear_note": N_("The danger is over for:"),
    "subscribe": N_("Get warnings on this phone"),
    "subscribe_note": N_(
        "Notifications come for the region and language chosen above. No app store "
        "needed: add this page to your home screen."
    ),
    "push_on": N_("Turn on notifications"),
    "push_off": N_("Turn off notifications"),
    "push_done": N_("Notifications are on."),
    "push_removed": N_("Notifications are off."),
    "push_unsupported": N_("This browser cannot receive notifications; use e-mail below."),
    "push_denied": N_("Notifications were not allowed."),
    "email": N_("E-mail address"),
    "email_subscribe": N_("Subscribe by e-mail"),
    "privacy": N_(
        "We keep only what is needed to reach you (the notification address or your "
        "e-mail, the region and the language) and delete it when you unsubscribe."
    ),
    "map_credits": N_(
        "Map: Natural Earth (public domain); provinces: geoBoundaries (CC BY 3.0 IGO), "
        "censusVN2009 (MIT)."
    ),
    "confirm_subject": N_("Confirm your warning subscription"),
    "confirm_text": N_("Please confirm that you want public warnings at this address:"),
    "confirm_ignore": N_(
        "If you did not ask for this, ignore this message: nothing is sent unless you confirm."
    ),
    "inbox_title": N_("Check your inbox"),
    "inbox_text": N_("We sent a link to {address}. Open it to start receiving warnings."),
    "confirm_title": N_("Confirm your subscription"),
    "confirm_page": N_("Press the button to start receiving public warnings by e-mail."),
    "confirm_button": N_("Confirm"),
    "subscribed_title": N_("Subscribed"),
    "subscribed_text": N_("Warnings will be sent to {address}."),
    "unsubscribe_title": N_("Unsubscribe"),
    "unsubscribe_page": N_("Press the button to stop the e-mails and delete your address."),
    "unsubscribe_button": N_("Unsubscribe"),
    "unsubscribed_text": N_("{address} was deleted; no more e-mails will come."),
    "offline": N_("You are offline: these are the last warnings received."),
}


def language_names() -> dict[str, str]:
    """Code -> the language's own name, for the selector."""
    return {code: str(load_templates(code).get("name", code)) for code in LANGUAGES}


def labels(code: str) -> dict[str, str]:
    """The labels in ``code`` (English where the catalogue lacks one)."""
    return {key: gettext_for(code, msgid) for key, msgid in LABELS.items()}


def _primary(tag: str) -> str:
    return tag.strip().split("-")[0].split("_")[0].lower()


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The page language: a supported ``chosen`` code, else the best of Accept-Language
    (by q value, then order), else English."""
    if chosen and _primary(chosen) in LANGUAGES:
        return _primary(chosen)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag.strip() and q > 0:
            ranked.append((-q, index, _primary(tag)))
    for _, _, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return DEFAULT
