"""Words and forms that confirm what a message is, per language, where an intent's classifier
is not enough on its own: "forget this conversation" must speak of the chat (so that "delete my
data" stays a request), a status question needs a reference or a word about progress, "how do
I get my data deleted?" asks about the process while "please delete my data" is the request,
and "and the pharmacy?" continues the last answer.

Each language's cues are data, in `cue_words/<language>.yml`; a clinic's language with a
reader needs only that file, no code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CUE_DIR = Path(__file__).with_name("cue_words")
PATTERN_KEYS = (
    "chat_words",
    "forget_needs",
    "about_this_chat",
    "status_words",
    "request_forms",
    "how_to",
    "question_opening",
    "followup_opening",
    "followup_bare",
    "followup_reference",
    "followup_names_only",
    "asks_whom_to_contact",
    "asks_for_contact_details",
    "accepts_offer",
    "turns_to_records",
    "data_words",
)


class CueError(ValueError):
    """A language's cue file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class LanguageCues:
    language: str
    short_reply_unit: str  # "words" or "characters"
    short_reply_max: int
    followup_max_length: int
    patterns: dict[str, re.Pattern | None]

    @classmethod
    def load(cls, language: str, directory: Path = CUE_DIR) -> LanguageCues:
        path = directory / f"{language}.yml"
        if not path.is_file():
            raise CueError(
                f"{path}:0: no cue words for language {language!r}; copy cue_words/en.yml "
                "to this name and translate its patterns"
            )
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text) or {}
            node = yaml.compose(text)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
            raise CueError(f"{path}:{line}: not valid YAML") from None
        if not isinstance(data, dict):
            raise CueError(f"{path}:1: expected a mapping of cue names to patterns")
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
        patterns: dict[str, re.Pattern | None] = {}
        for key in PATTERN_KEYS:
            if key not in data:
                raise CueError(f"{path}:1: '{key}' is missing (a regular expression, or null)")
            try:
                patterns[key] = re.compile(data[key], re.I) if data[key] else None
            except (re.error, TypeError) as exc:
                raise CueError(
                    f"{path}:{lines[key]}: '{key}' is not a valid regular expression: {exc}"
                ) from None
        short = data.get("short_reply") or {}
        if short.get("unit") not in ("words", "characters") or not isinstance(
            short.get("max"), int
        ):
            raise CueError(
                f"{path}:{lines.get('short_reply', 1)}: short_reply needs unit "
                "(words or characters) and max (a whole number)"
            )
        return cls(
            language,
            short["unit"],
            short["max"],
            int(data.get("followup_max_length") or 0),
            patterns,
        )

    def _search(self, key: str, text: str) -> bool:
        pattern = self.patterns[key]
        return pattern is not None and bool(pattern.search(_normalise(text).strip()))

    def speaks_of_chat(self, text: str) -> bool:
        """The message is about this conversation (and, where the language needs it, about
        deleting it): "forget this conversation"."""
        needs = self.patterns["forget_needs"]
        return self._search("chat_words", text) and (
            needs is None or self._search("forget_needs", text)
        )

    def mentions_chat(self, text: str) -> bool:
        """Has a word for the conversation or what is typed into it ("typed", 「履歴」)."""
        return self._search("chat_words", text)

    def asks_about_this_chat(self, text: str) -> bool:
        """A question about the assistant or what is typed into it, not about the clinic."""
        return self._search("about_this_chat", text)

    def speaks_of_progress(self, text: str) -> bool:
        return self._search("status_words", text)

    def asks_for_action(self, text: str) -> bool:
        """Worded as an order or a wish, rather than as a question."""
        return self._search("request_forms", text)

    def asks_how_to(self, text: str) -> bool:
        return self._search("how_to", text)

    def asks_a_question(self, text: str) -> bool:
        """A sentence of it opens with a question word: "what sort of stuff is in my file",
        "unhappy with how you handled my info, what now"."""
        return self._search("question_opening", text)

    def is_short_reply(self, text: str) -> bool:
        return _length(text, self.short_reply_unit) <= self.short_reply_max

    def continues(self, text: str) -> bool:
        """May continue the last answer: opens with a linking word ("and the pharmacy?",
        「じゃあ会社は？」), or is short, or asks again ("why?")."""
        return (
            self._search("followup_opening", text)
            or self.is_elliptical(text)
            or self.refers_back(text)
        )

    def opens_as_follow_up(self, text: str) -> bool:
        """Opens with a linking word: "and if I refuse?", 「じゃあ家族は？」."""
        return self._search("followup_opening", text)

    def refers_back(self, text: str) -> bool:
        """Points at what was said before: "how long do you keep it?", 「それはいつまで？」."""
        return self._search("followup_reference", text)

    def names_only(self, text: str) -> bool:
        """Names only what the last answer is about, no verb of its own: "what about my kids?",
        「家族は？」."""
        return self._search("followup_names_only", text)

    def asks_whom_to_contact(self, text: str) -> bool:
        """Asks whom to contact or where to write: "who can I talk to about that?"."""
        return self._search("asks_whom_to_contact", text)

    def asks_for_contact_details(self, text: str) -> bool:
        """Asks for the clinic's telephone number, address or e-mail ("number for them?",
        「電話番号おしえて」), not about one's own."""
        return self._search("asks_for_contact_details", text)

    def turns_to_records(self, text: str) -> bool:
        """Turns to the patient's records held by the clinic ("and my patient file, ...",
        「カルテの方は」): after the chat's notice, a question about them is the policy's."""
        return self._search("turns_to_records", text)

    def names_data(self, text: str) -> bool:
        """Names some of the patient's data ("my address", 「個人情報」)."""
        return self._search("data_words", text)

    def accepts_offer(self, text: str) -> bool:
        """The whole message goes ahead with what was just offered ("ok pls start one for me",
        「それでお願いします」)."""
        return self._search("accepts_offer", text)

    def is_elliptical(self, text: str) -> bool:
        """Too short to be read alone: "and the pharmacy?", 「家族は？」, "for how long"."""
        length = _length(text, self.short_reply_unit)
        return self.asks_again(text) or length <= self.followup_max_length

    def asks_again(self, text: str) -> bool:
        """A follow-up with no subject of its own ("why?", "even if I say no?")."""
        return self._search("followup_bare", text)


@cache
def cues_for(language: str) -> LanguageCues:
    return LanguageCues.load(language)


def _length(text: str, unit: str) -> int:
    if unit == "characters":
        return len("".join(ch for ch in text if ch.isalnum()))
    return len(text.split())


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()
