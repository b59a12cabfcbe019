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

from babel.messages.extract import extract_from_dir
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


JS_DIR = Path(__file__).resolve().parent / "static" / "js"
#: How the scripts mark a string: ``t("msgid")`` or ``t("... %(name)s ...", {name})``.
JS_KEYWORDS = {"t": (1,)}
JS_OPTIONS = {"parse_template_string": "true"}


@cache
def js_messages() -> tuple[str, ...]:
    """Every string the scripts pass to ``t()``, found as ``pybabel extract`` finds them
    (babel.cfg), so there is no second list in Python to forget."""
    found = extract_from_dir(
        str(JS_DIR),
        method_map=[("**.js", "javascript")],
        options_map={"**.js": JS_OPTIONS},
        keywords=JS_KEYWORDS,
        comment_tags=(),
    )
    return tuple(sorted({str(m) for _, _, m, _, _ in found if isinstance(m, str) and m}))


#: CAP codes the composer offers, shown in the page's language (the message keeps the codes).
CAP_WORDS = {
    "severity": (N_("Extreme"), N_("Severe"), N_("Moderate"), N_("Minor"), N_("Unknown")),
    "urgency": (N_("Immediate"), N_("Expected"), N_("Future"), N_("Past"), N_("Unknown")),
    "certainty": (N_("Observed"), N_("Likely"), N_("Possible"), N_("Unlikely"), N_("Unknown")),
    "response_type": (
        N_("Shelter"),
        N_("Evacuate"),
        N_("Prepare"),
        N_("Execute"),
        N_("Avoid"),
        N_("Monitor"),
        N_("Assess"),
        N_("AllClear"),
        N_("None"),
    ),
}


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


def gettext_for(code: str, message: str, **variables: Any) -> str:
    """``message`` in ``code``, with ``%(name)s`` placeholders filled from ``variables``."""
    text = translations(code).gettext(message)
    return text % variables if variables else text


def js_catalogue(code: str) -> str:
    """The scripts' strings in ``code`` as JSON (msgid -> text)."""
    text = json.dumps({m: gettext_for(code, m) for m in js_messages()}, ensure_ascii=False)
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
    env.globals["cap_words"] = CAP_WORDS
