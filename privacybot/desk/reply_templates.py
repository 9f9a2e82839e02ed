"""The replies staff start from in the desk, per language, as data.

`reply_templates/<language>.yml` ships with the assistant; a clinic's own folder
(`requests.reply_templates` in clinic.yml) adds templates or rewords them, file by file. Each
template has a title (for staff) and a body: `{placeholders}` are filled from the request and
`[[...]]` marks what staff must write before the reply can be sent. A template that names a
placeholder the desk does not know is refused when the service starts, with the file and the
template named, rather than failing the day someone picks it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from privacybot.desk.models import DataRequest
from privacybot.replies.catalog import MessageCatalog

TEMPLATES_DIR = Path(__file__).with_name("reply_templates")
PLACEHOLDERS = ("name", "reference", "request", "made_on", "due_on", "clinic_name", "contact_email")
TO_FILL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


class TemplateError(ValueError):
    """A reply template the desk cannot use; the message names the file and the template."""


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    title: str
    body: str


def unfilled(text: str) -> list[str]:
    """What is still marked [[...]] for staff to write."""
    return [mark.strip() for mark in TO_FILL.findall(text)]


class ReplyTemplates:
    def __init__(self, languages: list[str], clinic_folder: Path | None = None) -> None:
        if clinic_folder is not None and not clinic_folder.is_dir():
            raise TemplateError(
                f"{clinic_folder}: requests.reply_templates names no folder; create it with "
                "<language>.yml files, or remove the setting"
            )
        self.by_language: dict[str, dict[str, ReplyTemplate]] = {}
        for language in languages:
            templates: dict[str, ReplyTemplate] = {}
            for folder in (TEMPLATES_DIR, clinic_folder):
                path = folder / f"{language}.yml" if folder else None
                if path and path.is_file():
                    templates.update(_load(path))
            self.by_language[language] = templates

    def for_language(self, language: str) -> list[ReplyTemplate]:
        return list(self.by_language.get(language, {}).values())

    def render(self, key: str, request: DataRequest, catalog: MessageCatalog) -> str:
        """The template's body for this request, in the catalogue's language."""
        template = self.by_language.get(catalog.language, {}).get(key)
        if template is None:
            raise LookupError(key)
        say = catalog.say
        values = {
            "name": request.requester_name,
            "reference": request.reference,
            "request": say(f"kind_{request.kind}"),
            "made_on": f"{request.created_at:%Y-%m-%d}",
            "due_on": f"{request.due_on:%Y-%m-%d}" if request.due_on else "-",
            "clinic_name": catalog.values["clinic_name"],
            "contact_email": catalog.values["contact_email"],
        }
        return template.body.format_map(values).strip()


def _load(path: Path) -> dict[str, ReplyTemplate]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise TemplateError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: expected templates by name (name: {{title, body}})")
    templates = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("body"):
            raise TemplateError(f"{path}: template '{key}' needs a title and a body")
        body = str(entry["body"])
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
        except ValueError as error:  # a lone { or }
            raise TemplateError(f"{path}: template '{key}': {error}") from None
        for name in fields:
            if name not in PLACEHOLDERS:
                raise TemplateError(
                    f"{path}: template '{key}' uses {{{name}}}, which the desk cannot fill; "
                    f"use one of {', '.join('{' + p + '}' for p in PLACEHOLDERS)}, or [[...]] "
                    "for what staff write in"
                )
        templates[str(key)] = ReplyTemplate(str(key), str(entry["title"]), body)
    return templates
