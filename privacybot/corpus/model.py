"""Plain data classes for a loaded policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# How a policy gives a way to reach someone: an e-mail address, or a telephone number (digits
# with spaces, dots, hyphens or brackets between them, full-width ones too; at least 9 digits, so
# no date is one).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?[(（]?\d[\d ()（）\-‐－−ー.]{6,}\d")
PHONE_DIGITS = 9


@dataclass(frozen=True)
class Passage:
    """One quotable unit of the policy: a paragraph or a bullet, verbatim.

    `context` is the chain of headings and parent bullets the passage sits under, so that a
    bullet such as "Outsourcing of insurance administration" still knows it belongs to
    "(2) Uses involving provision of information to third parties".
    """

    id: str
    section: int
    text: str
    context: tuple[str, ...]
    line: int
    depth: int = 0

    def with_context(self) -> str:
        return " › ".join((*self.context, self.text))


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    line: int
    passages: tuple[Passage, ...]

    @property
    def citation(self) -> str:
        return f"Section {self.number} ({self.title})"

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)

    @property
    def gives_contact_details(self) -> bool:
        """The section gives an e-mail address or a telephone number to reach someone."""
        text = self.text
        return bool(EMAIL.search(text)) or any(
            len(re.sub(r"\D", "", number)) >= PHONE_DIGITS for number in PHONE.findall(text)
        )


@dataclass(frozen=True)
class Policy:
    clinic: str
    language: str
    title: str
    version: str
    content_hash: str
    path: str
    sections: tuple[Section, ...]
    # The section on patients' requests, when the front matter names it (`requests_section`).
    requests_section: int | None = None

    @property
    def policy_version(self) -> str:
        """The version cited with every answer: the clinic's date plus a hash of the text."""
        return f"{self.version}#{self.content_hash[:8]}"

    @property
    def passages(self) -> tuple[Passage, ...]:
        return tuple(p for s in self.sections for p in s.passages)

    @property
    def contact_detail_sections(self) -> list[int]:
        """The sections that give an e-mail address or a telephone number, in order."""
        return [s.number for s in self.sections if s.gives_contact_details]

    def section(self, number: int) -> Section:
        for s in self.sections:
            if s.number == number:
                return s
        raise KeyError(number)

    def passage(self, passage_id: str) -> Passage:
        for p in self.passages:
            if p.id == passage_id:
                return p
        raise KeyError(passage_id)


@dataclass(frozen=True)
class QuestionBank:
    """Example questions per section, and questions the policy does not answer."""

    path: str
    by_section: dict[int, tuple[str, ...]] = field(default_factory=dict)
    not_covered: tuple[str, ...] = ()

    @property
    def all_questions(self) -> tuple[str, ...]:
        return tuple(q for _, qs in sorted(self.by_section.items()) for q in qs) + self.not_covered
