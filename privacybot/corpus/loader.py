"""Read and validate a policy written in the corpus format (see policy_corpus/README.md).

Every problem is reported as `file:line: what is wrong`, so that a clinic editing its policy
text finds the mistake at once and a malformed corpus stops start-up instead of answering
from half a policy.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from privacybot.corpus.model import Passage, Policy, QuestionBank, Section

REQUIRED_FRONT_MATTER = ("title", "clinic", "language", "version")
SECTION_HEADING = re.compile(r"^# (?P<number>\d+) (?P<title>\S.*)$")
SUB_HEADING = re.compile(r"^(?P<hashes>#{2,3}) (?P<title>\S.*)$")
BULLET = re.compile(r"^(?P<indent> *)- (?P<text>\S.*)$")


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and line."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(path, 0, "policy file not found") from None
    except UnicodeDecodeError as exc:
        raise CorpusError(path, 0, f"not UTF-8 text ({exc.reason})") from None
    lines = raw.split("\n")
    meta, body_start = _front_matter(path, lines)
    sections = _sections(path, lines, body_start)
    body = "\n".join(lines[body_start:]).strip()
    requests_section = _requests_section(path, meta, sections)
    return Policy(
        clinic=str(meta["clinic"]),
        language=str(meta["language"]),
        title=str(meta["title"]),
        version=str(meta["version"]),
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        path=str(path),
        sections=tuple(sections),
        requests_section=requests_section,
    )


def _requests_section(path: Path, meta: dict, sections: list[Section]) -> int | None:
    """`requests_section: N` in the front matter: the section telling patients how to have
    their data disclosed, corrected or deleted (optional: otherwise found from the text)."""
    value = meta.get("requests_section")
    if value is None:
        return None
    numbers = [s.number for s in sections]
    if not isinstance(value, int) or value not in numbers:
        raise CorpusError(
            path,
            2,
            f"'requests_section' must be one of the section numbers {numbers}, not {value!r}",
        )
    return value


def _front_matter(path: Path, lines: list[str]) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        raise CorpusError(path, 1, "the file must start with a '---' front-matter block")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(path, 1, "the front-matter block is not closed by '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        raise CorpusError(path, line, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise CorpusError(path, 2, "front matter must be 'key: value' lines")
    for key in REQUIRED_FRONT_MATTER:
        if not str(meta.get(key) or "").strip():
            raise CorpusError(path, end + 1, f"front matter is missing '{key}'")
    return meta, end + 1


class _SectionBuilder:
    def __init__(self, number: int, title: str, line: int) -> None:
        self.number, self.title, self.line = number, title, line
        self.passages: list[Passage] = []
        self.headings: dict[int, str] = {}
        self.bullet_stack: list[str] = []
        self.intro: str | None = None

    def heading_context(self) -> tuple[str, ...]:
        return tuple(self.headings[level] for level in sorted(self.headings))

    def add(self, text: str, line: int, context: tuple[str, ...], depth: int = 0) -> None:
        pid = f"{self.number}.{len(self.passages) + 1}"
        self.passages.append(Passage(pid, self.number, text, context, line, depth))


def _sections(path: Path, lines: list[str], start: int) -> list[Section]:
    sections: list[Section] = []
    current: _SectionBuilder | None = None
    paragraph: list[str] = []
    paragraph_line = 0

    def flush_paragraph() -> None:
        nonlocal paragraph
        if paragraph and current is not None:
            text = "\n".join(paragraph)
            current.add(text, paragraph_line, current.heading_context())
            current.bullet_stack = []
            # A paragraph that ends in a colon introduces the bullets under it.
            current.intro = text if text.endswith(":") else None
        paragraph = []

    def close_section() -> None:
        if current is None:
            return
        if not current.passages:
            raise CorpusError(path, current.line, f"section {current.number} has no text")
        sections.append(
            Section(current.number, current.title, current.line, tuple(current.passages))
        )

    for index in range(start, len(lines)):
        lineno = index + 1
        line = lines[index].rstrip()
        if "\t" in line:
            raise CorpusError(path, lineno, "tab character: indent bullets with two spaces")
        if not line.strip():
            flush_paragraph()
            continue
        if line.startswith("#"):
            flush_paragraph()
            heading = SECTION_HEADING.match(line)
            if heading:
                close_section()
                number = int(heading["number"])
                if any(s.number == number for s in sections):
                    raise CorpusError(path, lineno, f"section {number} appears twice")
                if sections and number < sections[-1].number:
                    raise CorpusError(
                        path, lineno, f"section {number} comes after section {sections[-1].number}"
                    )
                current = _SectionBuilder(number, heading["title"].strip(), lineno)
                continue
            sub = SUB_HEADING.match(line)
            if not sub:
                raise CorpusError(
                    path, lineno, "a heading must be '# N Title', '## Title' or '### Title'"
                )
            if current is None:
                raise CorpusError(path, lineno, "a sub-heading comes before the first section")
            level = len(sub["hashes"])
            current.headings = {k: v for k, v in current.headings.items() if k < level}
            current.headings[level] = sub["title"].strip()
            current.bullet_stack = []
            current.intro = None
            continue
        if current is None:
            raise CorpusError(path, lineno, "text comes before the first '# N Title' section")
        bullet = BULLET.match(line)
        if bullet:
            flush_paragraph()
            indent = len(bullet["indent"])
            if indent % 2:
                raise CorpusError(path, lineno, "bullets are indented by multiples of two spaces")
            depth = indent // 2
            if depth > len(current.bullet_stack):
                raise CorpusError(path, lineno, "bullet is indented deeper than its parent")
            del current.bullet_stack[depth:]
            intro = (current.intro,) if current.intro else ()
            context = (*current.heading_context(), *intro, *current.bullet_stack)
            current.add(bullet["text"].strip(), lineno, context, depth)
            current.bullet_stack.append(bullet["text"].strip())
            continue
        if line.startswith(" "):
            raise CorpusError(path, lineno, "indented text that is not a '- ' bullet")
        if not paragraph:
            paragraph_line = lineno
        paragraph.append(line)
    flush_paragraph()
    close_section()
    if not sections:
        raise CorpusError(path, len(lines), "the policy has no '# N Title' sections")
    return sections


def require_sections_to_cite(policy: Policy) -> None:
    """The assistant answers by citing the section that answers: a policy with one numbered
    section cannot tell a question about cookies from one about copies of records, so it is
    refused at start (the loader alone accepts it, for tools that only read)."""
    numbered = [section for section in policy.sections if section.number != 0]
    if len(numbered) < 2:
        raise CorpusError(
            policy.path,
            policy.sections[-1].line,
            "the policy has only one numbered section: give each topic (what is collected, "
            "who it is shared with, the patient's rights, contact...) its own '# N Title' "
            "heading",
        )


def load_question_bank(path: str | Path, policy: Policy) -> QuestionBank:
    """Read per-section example questions; every section number must exist in `policy`.
    The bank is optional enrichment: a clinic without one is answered from its policy (and
    the privacy topics) alone."""
    path = Path(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return QuestionBank(path=str(path), by_section={}, not_covered=())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CorpusError(path, mark.line + 1 if mark else 1, f"not valid YAML: {exc}") from None
    if not isinstance(node, yaml.MappingNode):
        raise CorpusError(path, 1, "expected keys 'sections' and 'not_covered'")
    if not any(key.value == "sections" for key, _ in node.value):
        raise CorpusError(path, 1, "the question bank has no 'sections'")
    known = {s.number for s in policy.sections}
    by_section: dict[int, tuple[str, ...]] = {}
    not_covered: tuple[str, ...] = ()
    for key_node, value_node in node.value:
        key = key_node.value
        if key == "sections":
            if not isinstance(value_node, yaml.MappingNode):
                raise CorpusError(path, value_node.start_mark.line + 1, "'sections' is a mapping")
            for number_node, questions_node in value_node.value:
                line = number_node.start_mark.line + 1
                try:
                    number = int(number_node.value)
                except ValueError:
                    raise CorpusError(path, line, "a section key must be a number") from None
                if number not in known:
                    raise CorpusError(path, line, f"section {number} is not in {policy.path}")
                if number in by_section:
                    raise CorpusError(path, line, f"section {number} is listed twice")
                by_section[number] = _questions(path, questions_node)
        elif key == "not_covered":
            if not_covered:
                raise CorpusError(
                    path, key_node.start_mark.line + 1, "'not_covered' is listed twice"
                )
            not_covered = _questions(path, value_node)
        else:
            raise CorpusError(path, key_node.start_mark.line + 1, f"unknown key '{key}'")
    return QuestionBank(str(path), by_section, not_covered)


def _questions(path: Path, node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise CorpusError(path, node.start_mark.line + 1, "expected a list of questions")
    questions = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not item.value.strip():
            raise CorpusError(path, item.start_mark.line + 1, "a question must be non-empty text")
        questions.append(item.value.strip())
    return tuple(questions)
