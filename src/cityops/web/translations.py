"""The operator interface's translations: gettext catalogues (``src/cityops/locale/<code>/
LC_MESSAGES/cityops.po``) in the public page's languages (:data:`cityops.cap.templates.LANGUAGES`).

The ``.po`` files are the only artefact: they are read and compiled in memory once, at the
first page, so there is no build step to forget and no stale ``.mo`` to ship. English is the
source language (the msgids) and has no catalogue. Templates use Jinja2's i18n extension
(``{{ _("...") }}``), each call resolved in the page's language (``ui_lang`` in the
template context); scripts get the strings they show as a JSON catalogue in the page
(:func:`js_catalogue`), never hard-coded English.
"""

from __future__ import annotations

import gettext
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from cityops.cap.templates import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "cityops"
SOURCE = "en"


def N_(message: str) -> str:
    """Marks a string for ``pybabel extract`` that is translated later (see babel.cfg)."""
    return message


#: Strings the operator pages' scripts show; the page hands them over translated.
JS_MESSAGES = (
    N_("Live updates on."),
    N_("Live updates interrupted; reconnecting…"),
    N_("Acknowledge"),
    N_("Assign"),
    N_("Add note"),
    N_("Resolve"),
    N_("No open incidents."),
    N_("Timeline"),
    N_("Note"),
    N_("Assignee"),
    N_("The alerts service is not available."),
    N_("Alerts unavailable:"),
    N_("No alerts in force or drafted."),
    N_("Draft"),
    N_("Review and issue"),
    N_("Open"),
    N_("No cities yet."),
    # the incident card's and map's stations downstream (alerting/downstream.py)
    N_("Next downstream"),
    N_("Not a river incident."),
    N_("No station downstream is linked by a river lag rule."),
    N_("Travel time"),
    N_("estimated"),
    N_("unknown: no forecast"),
    N_("Expected level"),
    N_("Expected arrival"),
    # the composer's exposure suggestion (exposure/wording.py)
    N_("Who is exposed"),
    N_("facilities include synthetic demo data"),
    N_("Add to description"),
    N_("flood extent at level"),
)


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``code`` (English and unknown codes: the msgids)."""
    path = po_path(code)
    if code == SOURCE or code not in LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(code: str, message: str) -> str:
    return translations(code).gettext(message)


def js_catalogue(code: str) -> str:
    """The scripts' strings in ``code`` as JSON (msgid -> text)."""
    text = json.dumps({m: gettext_for(code, m) for m in JS_MESSAGES}, ensure_ascii=False)
    return text.replace("</", "<\\/")  # it sits in a <script> element


@pass_context
def _gettext(context: Context, message: str, **variables: Any) -> str:
    text = gettext_for(str(context.get("ui_lang") or SOURCE), message)
    if context.eval_ctx.autoescape:  # the catalogue is trusted; the variables are not
        return Markup(text) % variables if variables else Markup(text)
    return text % variables if variables else text


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(str(context.get("ui_lang") or SOURCE)).ngettext(singular, plural, n)
    if context.eval_ctx.autoescape:
        return Markup(text) % {"num": n, **variables}
    return text % {"num": n, **variables}


def install(env: Environment) -> None:
    """Give ``env`` the i18n extension with calls that follow each page's language."""
    env.add_extension("jinja2.ext.i18n")
    env.globals["_"] = _gettext
    env.globals["gettext"] = _gettext
    env.globals["ngettext"] = _ngettext
