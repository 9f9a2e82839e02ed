"""The website chat widget: its script, style and wording, and the demo pages of a mock clinic
site. A clinic embeds it with one tag: `<script src="https://<service>/widget.js" defer>`.
Their headers (the strict Content-Security-Policy, caching) come from privacybot.api.security."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from privacybot.api.deps import get_settings_dep
from privacybot.api.routes.chat import MAX_MESSAGE_CHARS
from privacybot.api.security import LIMIT_RESPONSES
from privacybot.replies.catalog import MESSAGES_DIR, MessageCatalog
from privacybot.settings import Settings

WIDGET_DIR = Path(__file__).resolve().parent.parent / "static" / "widget"
WIDGET_FILES = {"widget.js": "text/javascript", "widget.css": "text/css"}
DEMO_PAGES = {"home": "demo-home.html", "access": "demo-access.html"}
DEMO_STATIC = {"demo.css": "text/css"}
STRING_PREFIX = "widget_"

router = APIRouter(tags=["web chat widget"], responses=LIMIT_RESPONSES)


class LanguageOption(BaseModel):
    code: str
    name: str  # in its own language, for the widget's switch: "English", "日本語"


class WidgetConfig(BaseModel):
    language: str
    languages: list[LanguageOption]
    clinic_name: str
    contact_email: str
    policy_url: str
    max_message_chars: int
    strings: dict[str, str]


def widget_strings(language: str, settings: Settings) -> dict[str, str]:
    """The widget's own wording in `language`, keys without their `widget_` prefix."""
    catalog = MessageCatalog.for_clinic(settings.clinic, language)
    return {
        key.removeprefix(STRING_PREFIX): catalog.say(key, max_chars=MAX_MESSAGE_CHARS)
        for key in catalog.messages
        if key.startswith(STRING_PREFIX)
    }


def widget_language(requested: str | None, settings: Settings) -> str:
    languages = settings.clinic.languages
    if requested in languages and (MESSAGES_DIR / f"{requested}.yml").is_file():
        return requested
    return languages[0]


@router.get("/chat/widget-config", response_model=WidgetConfig)
def widget_config(
    lang: str | None = Query(default=None, max_length=16, description="e.g. en"),
    settings: Settings = Depends(get_settings_dep),
) -> WidgetConfig:
    """The widget's wording and the clinic details its privacy notice shows; an unknown
    language falls back to the clinic's first one."""
    language = widget_language(lang, settings)
    clinic = settings.clinic
    return WidgetConfig(
        language=language,
        languages=[
            LanguageOption(
                code=code,
                name=MessageCatalog.for_clinic(clinic, code).say("widget_language_name"),
            )
            for code in clinic.languages
            if (MESSAGES_DIR / f"{code}.yml").is_file()
        ],
        clinic_name=clinic.name,
        contact_email=str(clinic.contact_email),
        policy_url=clinic.policy_url,
        max_message_chars=MAX_MESSAGE_CHARS,
        strings=widget_strings(language, settings),
    )


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> FileResponse:
    return widget_file("widget.js")


@router.get("/widget.css", include_in_schema=False)
def widget_style() -> FileResponse:
    return widget_file("widget.css")


def widget_file(name: str) -> FileResponse:
    return FileResponse(WIDGET_DIR / name, media_type=WIDGET_FILES[name])


@router.get("/demo", include_in_schema=False)
def demo_home() -> FileResponse:
    return demo_page("home")


@router.get("/demo/static/{name}", include_in_schema=False)
def demo_static(name: str) -> FileResponse:
    if name not in DEMO_STATIC:
        raise HTTPException(status_code=404)
    return FileResponse(WIDGET_DIR / name, media_type=DEMO_STATIC[name])


@router.get("/demo/{page}", include_in_schema=False)
def demo_page(page: str) -> FileResponse:
    if page not in DEMO_PAGES:
        raise HTTPException(status_code=404)
    return FileResponse(WIDGET_DIR / DEMO_PAGES[page], media_type="text/html")
