"""Languages of the public page: the reader's choice (``?lang=``), else Accept-Language,
else English. Alert texts come in the alert's own languages; these are the page's labels."""

from __future__ import annotations

from cityops.cap.templates import LANGUAGES, load_templates
from cityops.web.public_labels import PUBLIC_LABELS

DEFAULT = "en"

#: Page labels per language; missing labels fall back to English.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Current warnings",
        "none": "No warnings in force.",
        "language": "Language",
        "instruction": "What to do",
        "area": "Area",
        "expires": "Valid until",
        "feeds": "Feeds and CAP documents",
        "cap": "CAP document",
        "map": "Map of current warnings",
        "updated": "Updated",
        "severity": "Severity",
        "loading": "Loading warnings…",
        "show": "Show",
        "other_language": "Not available in your language; shown in",
        **{k: v["en"] for k, v in PUBLIC_LABELS.items()},
    },
    "vi": {
        "title": "Cảnh báo hiện hành",
        "none": "Hiện không có cảnh báo.",
        "language": "Ngôn ngữ",
        "instruction": "Cần làm gì",
        "area": "Khu vực",
        "expires": "Hiệu lực đến",
        "feeds": "Nguồn tin và tài liệu CAP",
        "cap": "Tài liệu CAP",
        "map": "Bản đồ cảnh báo hiện hành",
        "updated": "Cập nhật",
        "severity": "Mức độ",
        "loading": "Đang tải cảnh báo…",
        "show": "Hiển thị",
        "other_language": "Không có bằng ngôn ngữ của bạn; hiển thị bằng",
        **{k: v["vi"] for k, v in PUBLIC_LABELS.items() if "vi" in v},
    },
    "th": {
        "title": "คำเตือนปัจจุบัน",
        "none": "ไม่มีคำเตือนในขณะนี้",
        "language": "ภาษา",
        "instruction": "สิ่งที่ควรทำ",
        "area": "พื้นที่",
        "expires": "มีผลถึง",
        "feeds": "ฟีดและเอกสาร CAP",
        "cap": "เอกสาร CAP",
        "show": "แสดง",
    },
}


def language_names() -> dict[str, str]:
    """Code -> the language's own name, for the selector."""
    return {code: str(load_templates(code).get("name", code)) for code in LANGUAGES}


def labels(code: str) -> dict[str, str]:
    return {**LABELS[DEFAULT], **LABELS.get(code, {})}


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
