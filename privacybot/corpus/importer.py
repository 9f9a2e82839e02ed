"""Turn a clinic's privacy policy as the clinic has it (plain text, Markdown or an HTML page)
into the corpus format of `policy.md` (see policy_corpus/README.md).

Only the markup changes: the policy's numbering becomes `# N Title`, its sub-headings `##`
and `###`, its list items `- ` bullets, and the text before the first section becomes
section 0. Sentences are never rewritten; the lines of a hard-wrapped paragraph are joined.
What the importer cannot place is reported as notes with the line of the source file, so
that the clinic checks those places before it uses the result.

    result = import_policy("privacy.html", clinic="Hollowbrook Surgery", version="2025-03")
    Path("policy.md").write_text(result.markdown, encoding="utf-8")
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from privacybot.corpus.loader import CorpusError, load_policy
from privacybot.corpus.model import Policy

PLACEHOLDER_CLINIC = "TODO: the clinic's name"
PLACEHOLDER_VERSION = "TODO: the policy's version or date"
DEFAULT_TITLE = {"en": "Privacy Policy", "ja": "個人情報保護方針"}
INTRODUCTION = {"en": "Introduction", "ja": "はじめに"}
INTRO_WORDS = {"introduction", "preamble", "overview", "はじめに", "前文", "序文", "総則"}
FORMAT_NAMES = {"text": "plain text", "markdown": "Markdown", "html": "HTML"}


@dataclass(frozen=True)
class Note:
    """Something the importer could not place, at a line of the source file."""

    line: int
    message: str


@dataclass
class ImportResult:
    markdown: str
    notes: list[Note]
    sections: list[tuple[int, str]]
    language: str
    source_format: str  # "text", "markdown" or "html"
    title: str


def import_policy(
    path: str | Path,
    clinic: str | None = None,
    language: str | None = None,
    version: str | None = None,
    title: str | None = None,
    requests_section: int | None = None,
) -> ImportResult:
    """Read a policy file and return it in the corpus format; raises CorpusError when the file
    cannot be read or holds no recognisable section (nothing is written by this function)."""
    path = Path(path)
    notes: list[Note] = []
    text = _read(path, notes)
    fmt = _detect_format(path, text)
    if language is not None and language not in ("en", "ja"):
        raise CorpusError(path, 0, f"unknown language {language!r}: use 'en' or 'ja'")
    lang = language or ("ja" if _cjk_share(text) >= 0.3 else "en")
    meta: dict = {}
    page_title = None
    if fmt == "html":
        parser = _HTMLBlocks(text)
        blocks = parser.blocks
        page_title = parser.page_title
        notes.extend(parser.notes)
    else:
        if fmt == "markdown":
            records, meta = _markdown_lines(text, notes)
        else:
            records = _plain_lines(text)
        blocks = _group(records, _wrap_width(records), lang)
    hint = _date_hint(blocks)
    builder = _Structure(path, blocks, lang, notes)
    doc_title, sections = builder.build()
    if not sections:
        raise CorpusError(
            path,
            1,
            "no numbered sections or headings found; mark the policy's sections as '1. Title' "
            "(or 'Article 1 (Title)', '第1条（…）') on lines of their own, or as Markdown "
            "'## Title' headings, or as <h2> headings in HTML, and import again",
        )
    if len([section for section in sections if section.number != 0]) < 2:
        # The assistant answers by citing the section that answers: one section cannot tell
        # a question about cookies from one about copies of records.
        raise CorpusError(
            path,
            sections[-1].line,
            "only one section was found: the assistant answers by citing sections, so mark "
            "each topic of the policy (what is collected, who it is shared with, your rights, "
            "contact...) as a numbered heading of its own, and import again",
        )

    title = title or doc_title or _str(meta.get("title")) or page_title
    if not title:
        title = DEFAULT_TITLE[lang]
        notes.append(Note(1, f"no title found: the front matter says '{title}'; use --title"))
    clinic = clinic or _str(meta.get("clinic"))
    if not clinic:
        clinic = PLACEHOLDER_CLINIC
        notes.append(Note(1, f"no --clinic given: the front matter says '{clinic}'; fill it in"))
    version = version or _str(meta.get("version"))
    if not version:
        version = PLACEHOLDER_VERSION
        notes.append(
            Note(
                hint[0] if hint else 1,
                f"no --version given: the front matter says '{version}'; fill it in"
                + (f" (the text says '{hint[1]}')" if hint else ""),
            )
        )
    numbers = [s.number for s in sections]
    if requests_section is not None and requests_section not in numbers:
        raise CorpusError(
            path, 0, f"requests section {requests_section} is not one of the sections {numbers}"
        )

    front = [
        "---",
        f"title: {_yaml_str(title)}",
        f"clinic: {_yaml_str(clinic)}",
        f"language: {lang}",
        f"version: {_yaml_str(version)}",
    ]
    if requests_section is not None:
        front.append(f"requests_section: {requests_section}")
    front.append(f"source: {_yaml_str(f'imported from {path.name} by privacybot import-policy')}")
    front.append("---")
    body = "\n\n".join(s.render() for s in sections)
    notes.sort(key=lambda n: n.line)
    return ImportResult(
        markdown="\n".join(front) + "\n\n" + body + "\n",
        notes=notes,
        sections=[(s.number, s.title) for s in sections],
        language=lang,
        source_format=fmt,
        title=title,
    )


def check_markdown(markdown: str, name: str = "policy.md") -> Policy:
    """Validate text in the corpus format with the loader (raises CorpusError)."""
    with tempfile.TemporaryDirectory(prefix="privacybot-import-") as folder:
        target = Path(folder) / name
        target.write_text(markdown, encoding="utf-8")
        return load_policy(target)


# --------------------------------------------------------------------------- reading


def _read(path: Path, notes: list[Note]) -> str:
    if path.is_dir():
        raise CorpusError(path, 0, "is a folder: give the policy file itself")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(path, 0, "file not found") from None
    except OSError as exc:
        raise CorpusError(path, 0, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise CorpusError(path, 1, "the file is empty: export the policy's text into it first")
    if data.startswith(b"%PDF"):
        raise CorpusError(
            path,
            1,
            "this is a PDF, not text: save its text as a .txt file (or run "
            "'pdftotext -layout') and import that",
        )
    if data.startswith(b"PK\x03\x04"):
        raise CorpusError(
            path,
            1,
            "this is a zip archive (a Word .docx or similar), not text: save the "
            "document as plain text (.txt) or as a web page (.html) and import that",
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
        notes.append(Note(1, "read as UTF-16 (it has a UTF-16 byte-order mark)"))
    elif b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CorpusError(
            path,
            line,
            "binary data (a NUL byte), not text: export the policy as plain text "
            "(UTF-8), Markdown or HTML and import that",
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            text = _shift_jis(data)
            if text is None:
                raise CorpusError(
                    path,
                    line,
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read, nor is it "
                    "Japanese Shift_JIS text): save the file as UTF-8 and import again",
                ) from None
            notes.append(
                Note(line, "not UTF-8: read as Japanese Shift_JIS (cp932); policy.md is UTF-8")
            )
    controls = [i for i, c in enumerate(text) if _is_control(c)]
    if controls:
        line = text[: controls[0]].count("\n") + 1
        if len(controls) > max(2, len(text) // 1000):
            raise CorpusError(
                path,
                line,
                "binary data (control characters), not text: export the policy as "
                "plain text (UTF-8), Markdown or HTML and import that",
            )
        text = "".join(c for c in text if not _is_control(c))
        notes.append(Note(line, f"{len(controls)} control character(s) removed"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise CorpusError(path, 1, "the file is empty: export the policy's text into it first")
    return text


def _shift_jis(data: bytes) -> str | None:
    for encoding in ("cp932", "shift_jis"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _cjk_share(text) >= 0.3 and not any(_is_control(c) for c in text):
            return text
    return None


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in "\t\n\r\f\v"


def _cjk_share(text: str) -> float:
    cjk = latin = 0
    for char in text:
        if "\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff" or "\uff66" <= char:
            cjk += 1
        elif char.isalpha():
            latin += 1
    return cjk / (cjk + latin) if cjk + latin else 0.0


def _detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    head = text.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<") and re.search(r"<(body|p|h[1-6]|div|ul)\b", head)
    ):
        return "html"
    if re.search(r"(?m)^ {0,3}#{1,6}[ \t]+\S", text):
        return "markdown"
    return "text"


def _str(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _yaml_str(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(re.sub(r"[ \t\n\r]+", " ", value).strip(), ensure_ascii=False)


DATE_HINT = re.compile(
    r"(?i)(?:last (?:updated|revised|reviewed)|updated|revised|effective|version|改定|制定|施行|"
    r"最終更新)[^\n]{0,40}?(?:\d{4}|[0-9０-９]{4}年)"
)


def _date_hint(blocks: list[_Block]) -> tuple[int, str] | None:
    """The last line that reads like the policy's date, to suggest as its version."""
    found = None
    for block in blocks:
        for offset, line in enumerate(block.lines):
            match = DATE_HINT.search(line)
            if match:
                start = line.rfind(". ", 0, match.start())
                quoted = line[start + 2 if start >= 0 else 0 : match.end() + 12]
                found = (block.line + (offset if block.kind == "para" else 0), quoted.strip())
    return found


# --------------------------------------------------------------------------- source lines


@dataclass
class _Line:
    no: int
    indent: int
    text: str
    kind: str = "text"  # "text", "item", "heading", "blank"
    level: int = 0  # a Markdown heading's level
    strong: bool = False  # the whole line is bold
    hard_break: bool = False  # a Markdown hard line break ends it
    verbatim: bool = False  # inside a code block: never joined or taken for a heading


SYMBOL_BULLET = re.compile(r"^(?:[•・●○◦▪▫‣⁃∙◉]\s*|[-–*+](?:[ \u3000]+))(?P<text>\S.*)$")
ENUMERATION_START = re.compile(
    r"^(?:[(（][0-9０-９a-zA-Zａ-ｚ]{1,4}[)）]|[0-9０-９]{1,3}[.．)）]|[a-z][)]|[①-⑳]|"
    r"[IVX]{1,5}[.)]\s|[A-HJ-UWYZ][.]\s|第\s*[0-9０-９一二三四五六七八九十百]+\s*[条章節]|"
    r"(?:Article|ARTICLE|Art\.|Section|SECTION|Chapter|CHAPTER)\s*\d|"
    r"\d{1,2}(?:[.．\-－]\d{1,2})+\s|[■□◆◇▼▽▶▷◎]|\[[^\]]+\]$|【[^】]+】$|〔[^〕]+〕$)"
)
DECIMAL_SPACE_START = re.compile(r"^[0-9０-９]{1,2}[ \u3000]+\S")


def _indent_of(raw: str) -> tuple[int, str]:
    width = 0
    for index, char in enumerate(raw):
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4
        elif char == "\u3000":
            width += 2
        else:
            return width, raw[index:]
    return width, ""


def _clean(text: str) -> str:
    return text.replace("\t", " ").strip()


def _plain_lines(text: str) -> list[_Line]:
    records = []
    for number, raw in enumerate(text.split("\n"), start=1):
        indent, rest = _indent_of(raw.rstrip())
        if not rest:
            records.append(_Line(number, 0, "", "blank"))
            continue
        bullet = SYMBOL_BULLET.match(rest)
        if bullet:
            records.append(_Line(number, indent, _clean(bullet["text"]), "item"))
        else:
            records.append(_Line(number, indent, _clean(rest)))
    return records


MD_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
MD_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+(?:\[[ xX]\][ \t]+)?(?P<text>\S.*)$")
MD_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _markdown_lines(text: str, notes: list[Note]) -> tuple[list[_Line], dict]:
    lines = text.split("\n")
    meta: dict = {}
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            try:
                loaded = yaml.safe_load("\n".join(lines[1:end]))
            except yaml.YAMLError:
                loaded = None
            if isinstance(loaded, dict):
                meta = loaded
                start = end + 1
                notes.append(
                    Note(
                        1,
                        "the source's front matter was read for its title, clinic "
                        "and version; the options override it",
                    )
                )
    records: list[_Line] = []
    fence = None
    in_comment = False
    links = [0, 0]
    tables: list[int] = []
    for index in range(start, len(lines)):
        number = index + 1
        raw = lines[index].rstrip("\n")
        if fence:
            if raw.strip().startswith(fence):
                fence = None
                records.append(_Line(number, 0, "", "blank"))
            elif raw.strip():
                records.append(_Line(number, 0, _clean(raw), verbatim=True))
            continue
        if in_comment:
            if "-->" in raw:
                in_comment = False
                raw = raw.split("-->", 1)[1]
            else:
                continue
        raw = re.sub(r"<!--.*?-->", "", raw)
        if "<!--" in raw:
            raw, in_comment = raw.split("<!--", 1)[0], True
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            notes.append(Note(number, "a code block: its lines are kept as they are"))
            records.append(_Line(number, 0, "", "blank"))
            continue
        while stripped.startswith(">"):
            stripped = stripped[1:].lstrip()
            raw = stripped
        if not stripped:
            records.append(_Line(number, 0, "", "blank"))
            continue
        previous = records[-1] if records else None
        if (
            previous is not None
            and previous.kind == "text"
            and not previous.verbatim
            and re.fullmatch(r"=+|-+", stripped)
            and (not records[:-1] or records[-2].kind == "blank")
        ):
            previous.kind, previous.level = "heading", 1 if stripped[0] == "=" else 2
            continue
        if MD_RULE.match(raw):
            records.append(_Line(number, 0, "", "blank"))
            continue
        atx = MD_ATX.match(raw)
        if atx:
            heading = _md_inline(atx.group(2) or "", links, number)
            if heading:
                records.append(_Line(number, 0, heading, "heading", level=len(atx.group(1))))
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if MD_TABLE_RULE.match(stripped):
                continue
            tables.append(number)
            cells = [_md_inline(c, links, number) for c in stripped.strip("|").split("|")]
            records.append(_Line(number, 0, " | ".join(c for c in cells), verbatim=True))
            continue
        hard_break = raw.endswith(("  ", "\\")) or bool(re.search(r"<br\s*/?>\s*$", raw))
        raw = re.sub(r"<br\s*/?>\s*$", "", raw.rstrip(" \\"))
        indent, rest = _indent_of(raw)
        bullet = MD_BULLET.match(raw)
        if bullet:
            record = _Line(number, indent, _md_inline(bullet["text"], links, number), "item")
        else:
            strong = bool(re.fullmatch(r"(\*\*|__)(?=\S).+?(?<=\S)\1[:：]?", rest))
            record = _Line(number, indent, _md_inline(rest, links, number), strong=strong)
        record.hard_break = hard_break
        if record.text:
            records.append(record)
    if tables:
        notes.append(
            Note(
                tables[0],
                f"a table ({len(tables)} rows) is kept as one paragraph, a line per "
                "row with cells separated by ' | ': check it reads well",
            )
        )
    if links[0]:
        notes.append(
            Note(
                links[1],
                f"{links[0]} link(s) kept as their text only (the addresses are "
                "left out): check that none is needed to follow the policy",
            )
        )
    return records, meta


def _md_inline(text: str, links: list[int], line: int) -> str:
    def link(match: re.Match) -> str:
        links[0] += 1
        links[1] = links[1] or line
        return match.group(1)

    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\((?:[^()\s]|\([^()]*\))+(?:\s+\"[^\"]*\")?\)", link, text)
    text = re.sub(r"<((?:https?://|mailto:)[^>\s]+|[^@\s<>]+@[^@\s<>]+)>", r"\1", text)
    text = re.sub(r"<br\s*/?>", " ", text)
    text = re.sub(r"</?(?:span|strong|b|em|i|u|a|small|sup|sub|mark)\b[^>]*>", "", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", text)
    return _clean(text)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap_width(records: list[_Line]) -> int:
    """The column the source was hard-wrapped at; 0 when its paragraphs are not wrapped."""
    widths = [r.indent + _width(r.text) for r in records if r.kind != "blank" and not r.verbatim]
    if not widths or max(widths) > 100:
        return 0
    return max(widths)


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _joined(left: str, right: str) -> str:
    if left and right and _is_cjk(left[-1]) and _is_cjk(right[0]):
        return left + right
    return f"{left} {right}"


def _wrapped(previous: _Line, following: _Line, width: int) -> bool:
    """Whether `previous` ends where it does only because the source was wrapped at `width`."""
    if not width or previous.hard_break or previous.verbatim or following.verbatim:
        return False
    used = previous.indent + _width(previous.text)
    first_word = following.text.split(" ", 1)[0]
    if _is_cjk(following.text[0]):
        return used >= width - 3 or (
            used >= 0.8 * width and not previous.text.endswith(("。", "：", ":", "）", ")"))
        )
    if used + 1 + _width(first_word) > width:  # the next word did not fit
        return True
    # A long line that stops mid-sentence, or one the next line continues in lower case.
    return used >= 0.6 * width and (
        following.text[0].islower() or not re.search(r"[.:;!?)\]”\"']$", previous.text)
    )


# --------------------------------------------------------------------------- blocks


@dataclass
class _Candidate:
    """A line that may be a heading (or an enumerated list item)."""

    style: str
    number: int | None
    label: str  # the enumeration as written: "1.", "(2)", "第3条"
    title: str  # the text after the label
    body: str | None = None  # text after the title on the same line (第1条 当院は…)
    heading_like: bool = False


@dataclass(eq=False)  # blocks are told apart by identity
class _Block:
    kind: str  # "heading" (markup), "para", "item"
    lines: list[str]
    line: int
    level: int = 0
    indent: int = 0
    strong: bool = False
    verbatim: bool = False
    cand: _Candidate | None = None
    standalone: str | None = None  # an unnumbered heading-looking line: its style

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _group(records: list[_Line], width: int, lang: str) -> list[_Block]:
    """Source lines into paragraphs, list items and headings."""
    blocks: list[_Block] = []
    current: _Block | None = None
    last: _Line | None = None  # the last line of `current`
    chunk_start = True

    def close() -> None:
        nonlocal current
        if current is not None:
            blocks.extend(_finish(current, lang))
        current = None

    for record in records:
        if record.kind == "blank":
            close()
            chunk_start = True
            continue
        if record.kind == "heading":
            close()
            blocks.append(_Block("heading", [record.text], record.no, level=record.level))
            chunk_start = True
            continue
        if record.kind == "item":
            close()
            current = _Block("item", [record.text], record.no, indent=record.indent)
            last, chunk_start = record, False
            continue
        starts = not record.verbatim and (
            bool(ENUMERATION_START.match(record.text))
            or (chunk_start and bool(DECIMAL_SPACE_START.match(record.text)))
            or record.strong
            or (_caps(record.text) and (chunk_start or _caps_words(record.text)))
        )
        if current is None or starts:
            close()
            current = _Block(
                "para",
                [record.text],
                record.no,
                indent=record.indent,
                strong=record.strong,
                verbatim=record.verbatim,
            )
            current.cand = _enumerated(record.text) if starts else None
        elif current.kind == "item":
            if record.indent > current.indent or _wrapped(last, record, width):
                current.lines[-1] = _joined(current.lines[-1], record.text)
            else:
                close()
                current = _Block("para", [record.text], record.no, indent=record.indent)
        elif current.cand is not None or current.strong:
            if _wrapped(last, record, width):
                current.lines[-1] = _joined(current.lines[-1], record.text)
            else:
                close()
                current = _Block("para", [record.text], record.no, indent=record.indent)
        elif _wrapped(last, record, width):
            current.lines[-1] = _joined(current.lines[-1], record.text)
        else:
            current.lines.append(record.text)
        last, chunk_start = record, False
    close()
    return blocks


def _finish(block: _Block, lang: str) -> list[_Block]:
    """Classify a finished paragraph: an enumerated line, or a heading-looking line; a
    heading-looking first line over prose is split off."""
    if block.kind != "para" or block.verbatim:
        return [block]
    if block.cand is not None or len(block.lines) == 1:
        block.cand = _enumerated(block.text) if len(block.lines) == 1 else None
        if block.cand is None:
            block.standalone = _standalone(block.lines[0], lang, block.strong)
        return [block]
    first, second = block.lines[0], block.lines[1]
    prose = "。" in second if lang == "ja" else bool(re.search(r"[.!?:;]$|\. ", second))
    style = _standalone(first, lang, False)
    if style and prose:
        head = _Block("para", [first], block.line, indent=block.indent, standalone=style)
        return [head, _Block("para", block.lines[1:], block.line + 1, indent=block.indent)]
    return [block]


KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def _number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if all(c in KANJI_DIGITS or c in "十百" for c in text):
        total, digit = 0, 0
        for char in text:
            if char == "十":
                total += (digit or 1) * 10
                digit = 0
            elif char == "百":
                total += (digit or 1) * 100
                digit = 0
            else:
                digit = KANJI_DIGITS[char]
        return total + digit
    return None


def _roman(text: str) -> int | None:
    if not re.fullmatch(r"(?i)X{0,3}(IX|IV|V?I{0,3})", text) or not text:
        return None
    values = [ROMAN[c] for c in text.upper()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


N = "0-9０-９"
ENUMERATIONS: list[tuple[str, re.Pattern]] = [
    ("jp-chapter", re.compile(rf"^(第\s*([{N}一二三四五六七八九十百]+)\s*[章節])[ \u3000]*(.*)$")),
    ("jp-article", re.compile(rf"^(第\s*([{N}一二三四五六七八九十百]+)\s*条)[ \u3000]*(.*)$")),
    ("chapter", re.compile(r"^((?:Chapter|CHAPTER|Part|PART)\s+(\d+|[IVX]+))\b[.:\-–—]?\s*(.*)$")),
    (
        "article",
        re.compile(
            r"^((?:Article|ARTICLE|Art\.|Section|SECTION)\s*(\d{1,3}))\b[.:：\-–—]?\s*(.*)$"
        ),
    ),
    ("dotted", re.compile(rf"^(([{N}]{{1,2}}(?:[.．\-－][{N}]{{1,2}})+)[.．]?)[ \u3000]+(\S.*)$")),
    ("decimal-dot", re.compile(rf"^(([{N}]{{1,3}})[.．])(?![{N}])[ \u3000]*(.*)$")),
    ("decimal-space", re.compile(rf"^(([{N}]{{1,2}}))[ \u3000]+(\S.*)$")),
    ("paren-num", re.compile(rf"^([(（]\s*([{N}]{{1,2}})\s*[)）])[ \u3000]*(.*)$")),
    ("num-paren", re.compile(rf"^(([{N}]{{1,2}})[)）])[ \u3000]*(.*)$")),
    ("paren-roman", re.compile(r"^([(（]((?:ii|iii|iv|vi|vii|viii|ix|xi|xii))[)）])\s+(\S.*)$")),
    ("paren-alpha", re.compile(r"^([(（]([a-zA-Zａ-ｚ])[)）])[ \u3000]*(\S.*)$")),
    ("alpha-paren", re.compile(r"^(([a-z])\))\s+(\S.*)$")),
    ("roman-dot", re.compile(r"^(([IVX]{1,5})[.)])\s+(\S.*)$")),
    ("alpha-dot", re.compile(r"^(([A-HJ-UWYZ])[.])\s+(\S.*)$")),
    ("circled", re.compile(r"^(([①-⑳]))[ \u3000]*(.*)$")),
    ("bracket", re.compile(r"^(\[[^\]]+\]|【[^】]+】|〔[^〕]+〕)()()$")),
    ("mark", re.compile(r"^(([■□◆◇▼▽▶▷◎]))[ \u3000]*(\S.*)$")),
]
ITEM_STYLES = {"paren-num", "num-paren", "paren-roman", "paren-alpha", "alpha-paren", "circled"}
SECTION_STYLES = [  # in order of preference when two number the same count of sections
    "jp-article",
    "article",
    "decimal-dot",
    "roman-dot",
    "decimal-space",
    "alpha-dot",
    "paren-num",
    "circled",
]
PARENTHESISED = re.compile(r"^[(（]([^()（）]+)[)）](.*)$")


def _enumerated(text: str) -> _Candidate | None:
    for style, pattern in ENUMERATIONS:
        match = pattern.match(text)
        if not match:
            continue
        label, raw_number, rest = match.group(1), match.group(2), match.group(3).strip()
        if style == "bracket":
            return _Candidate(style, None, "", text, heading_like=True)
        if style == "mark":
            return _Candidate(style, None, label, rest, heading_like=_headingish(rest))
        if style in ("roman-dot", "chapter") and not raw_number.isdigit():
            number = _roman(raw_number)
            if number is None:
                continue
        elif style in ("paren-alpha", "alpha-paren", "alpha-dot"):
            number = ord(unicodedata.normalize("NFKC", raw_number).lower()) - ord("a") + 1
        elif style == "paren-roman":
            number = _roman(raw_number)
        elif style == "circled":
            number = ord(raw_number) - ord("①") + 1
        elif style == "dotted":
            number = None
        else:
            number = _number(raw_number)
        cand = _Candidate(style, number, label, rest)
        if style in ("jp-article", "article", "jp-chapter", "chapter"):
            cand.heading_like = True
            titled = PARENTHESISED.match(rest)
            if titled and titled.group(2).strip():
                cand.title, cand.body = titled.group(1).strip(), titled.group(2).strip()
            elif rest and not _headingish(rest):
                cand.title, cand.body = "", rest
        else:
            cand.heading_like = not rest or _headingish(rest)
        return cand
    return None


def _headingish(text: str) -> bool:
    text = text.strip()
    if not text or "\n" in text:
        return False
    if PARENTHESISED.match(text) and not PARENTHESISED.match(text).group(2).strip():
        return _width(text) <= 100
    if _cjk_share(text) >= 0.3:
        return (
            _width(text) <= 80 and "。" not in text and not text.endswith(("：", ":", "、", "，"))
        )
    if _width(text) > 90 or len(text.split()) > 14:
        return False
    if text.endswith((":", ";", ",", "?", "!")):
        return False
    return not text.endswith(".") or text.endswith("etc.")


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) >= 3
        and all(c.isupper() for c in letters if c.isascii())
        and all(c.isascii() for c in letters)
        and _headingish(text)
        and not re.search(r"[:@]|https?:|www\.|\d{3}", text)
    )


def _caps_words(text: str) -> bool:
    """An ALL-CAPS line of words (WHO WE ARE), not a postcode or a code (HB4 2QT)."""
    return not re.search(r"\d", text) and len(re.findall(r"\b[A-Z]{2,}\b", text)) >= 2


def _standalone(text: str, lang: str, strong: bool) -> str | None:
    """The style of an unnumbered line that looks like a heading, or None."""
    if not _headingish(text) or re.search(r"[:：@〒]|https?:|www\.|\d{3}", text):
        return None
    if strong:
        return "strong"
    if _cjk_share(text) >= 0.3:
        return "ja-short" if _width(text) <= 40 else None
    if _caps(text):
        return "caps"
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    if not words or not words[0][0].isupper() or len(text.split()) > 8 or _width(text) > 60:
        return None
    significant = [w for w in words[1:] if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in significant)
    return "titlecase" if capitalised >= 0.75 * len(significant) else None


# --------------------------------------------------------------------------- HTML


BLOCK_TAGS = set(
    "p div section article main li ul ol dl dt dd table blockquote address pre hr figure "
    "figcaption caption h1 h2 h3 h4 h5 h6 header footer nav aside form body html".split()
)
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "select", "button"}
CHROME_TAGS = {"nav", "header", "footer", "aside", "form"}


class _HTMLBlocks(HTMLParser):
    """An HTML page into blocks: headings, paragraphs and list items of its main content."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        lowered = text.lower()
        self.scope = (
            "main"
            if re.search(r"<main\b", lowered)
            else "article"
            if len(re.findall(r"<article\b", lowered)) == 1
            else None
        )
        self.blocks: list[_Block] = []
        self.notes: list[Note] = []
        self.page_title: str | None = None
        self.in_title = False
        self.title_parts: list[str] = []
        self.skip = 0
        self.chrome = 0
        self.in_scope = 0
        self.list_depth = 0
        self.context: list[tuple[str, int]] = []  # ("li", depth) / ("h", level)
        self.parts: list[tuple[str, bool, int]] = []  # (text, bold, source line)
        self.bold = 0
        self.pre = 0
        self.table_rows: list[int] = []
        self.cell_count = 0
        self.left_out: list[int] = []
        self.scope_line = 0
        self.feed(text)
        self.close()
        self.flush()
        if self.table_rows:
            self.notes.append(
                Note(
                    self.table_rows[0],
                    f"a table ({len(self.table_rows)} rows) is kept as text, "
                    "a line per row with cells separated by ' | ': check it",
                )
            )
        if self.scope and self.scope_line:
            self.notes.append(
                Note(
                    self.scope_line,
                    f"only the page's <{self.scope}> is imported: its navigation, header and "
                    "footer are left out",
                )
            )
        elif self.left_out:
            self.notes.append(
                Note(
                    self.left_out[0],
                    "the page's navigation, header, footer and forms were left out",
                )
            )

    @property
    def recording(self) -> bool:
        inside = self.in_scope > 0 if self.scope else self.chrome == 0
        return inside and self.skip == 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED_TAGS:
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
            return
        if tag == "br":
            if self.recording:
                self.parts.append(("\n", False, self.getpos()[0]))
            return
        if tag in BLOCK_TAGS:
            self.flush()
        if tag == self.scope:
            self.in_scope += 1
            self.scope_line = self.scope_line or self.getpos()[0]
        if tag in CHROME_TAGS:
            if self.recording:
                self.left_out.append(self.getpos()[0])
            self.chrome += 1
        if tag in ("ul", "ol"):
            self.list_depth += 1
        elif tag == "li":
            while (
                self.context
                and self.context[-1][0] == "li"
                and (self.context[-1][1] >= self.list_depth - 1)
            ):
                self.context.pop()
            self.context.append(("li", max(self.list_depth - 1, 0)))
        elif re.fullmatch(r"h[1-6]", tag):
            self.context.append(("h", int(tag[1])))
        elif tag in ("b", "strong"):
            self.bold += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "tr":
            self.cell_count = 0
            if self.recording:
                self.table_rows.append(self.getpos()[0])
        elif tag in ("td", "th"):
            if self.cell_count and self.recording:
                self.parts.append((" | ", False, self.getpos()[0]))
            self.cell_count += 1

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "br" and self.recording:
            self.parts.append(("\n", False, self.getpos()[0]))
        elif tag in BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip = max(self.skip - 1, 0)
            return
        if tag == "title":
            self.in_title = False
            self.page_title = " ".join("".join(self.title_parts).split()) or None
            return
        if tag in ("td", "th"):
            return
        if tag in BLOCK_TAGS:
            self.flush()
        if tag in ("ul", "ol"):
            while (
                self.context
                and self.context[-1][0] == "li"
                and (self.context[-1][1] >= self.list_depth - 1)
            ):
                self.context.pop()
            self.list_depth = max(self.list_depth - 1, 0)
        elif tag == "li":
            if self.context and self.context[-1][0] == "li":
                self.context.pop()
        elif re.fullmatch(r"h[1-6]", tag):
            if self.context and self.context[-1][0] == "h":
                self.context.pop()
        elif tag in ("b", "strong"):
            self.bold = max(self.bold - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
        elif tag == "tr":
            if self.recording:
                self.parts.append(("\n", False, self.getpos()[0]))
        if tag in CHROME_TAGS:
            self.chrome = max(self.chrome - 1, 0)
        if tag == self.scope:
            self.in_scope = max(self.in_scope - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if not self.recording:
            return
        line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
        if self.pre:
            for index, piece in enumerate(data.split("\n")):
                if index:
                    self.parts.append(("\n", False, line + index))
                self.parts.append((piece, False, line + index))
        else:
            self.parts.append((re.sub(r"[ \t\n\r\f\v]+", " ", data), self.bold > 0, line))

    def flush(self) -> None:
        parts, self.parts = self.parts, []
        lines: list[tuple[int, str]] = []  # (source line, text)
        text, first = "", 0
        for piece, _, line in [*parts, ("\n", False, 0)]:
            if piece == "\n":
                cleaned = re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()
                if cleaned:
                    lines.append((first, cleaned))
                text, first = "", 0
            else:
                if piece.strip() and not first:
                    first = line
                text += piece
        if not lines:
            return
        strong = all(bold for piece, bold, _ in parts if piece.strip() and piece != " | ")
        kind, level, depth = "para", 0, 0
        for name, value in reversed(self.context):
            if name == "h":
                kind, level = "heading", value
                break
            if name == "li":
                kind, depth = "item", value
                break
        line = lines[0][0]
        texts = [t for _, t in lines]
        lang = "ja" if _cjk_share("".join(texts)) >= 0.3 else "en"
        if kind == "heading":
            self.blocks.append(_Block("heading", [" ".join(texts)], line, level=level))
        elif kind == "item":
            joined = texts[0]
            for piece in texts[1:]:
                joined = _joined(joined, piece)
            self.blocks.append(_Block("item", [joined], line, indent=2 * depth))
        elif len(lines) == 1:
            self.blocks.extend(_finish(_Block("para", texts, line, strong=strong), lang))
        else:
            # Lines separated by <br>: enumerations and bullets among them are found as in text.
            records = []
            for number, text in lines:
                records.extend(_plain_lines(text))
                records[-1].no = number
            self.blocks.extend(_group(records, 0, lang))


# --------------------------------------------------------------------------- structure


@dataclass
class _Out:
    """A section as it will be written."""

    number: int
    title: str
    line: int
    elements: list[tuple] = field(default_factory=list)  # ("para"|"sub"|"item", ...)

    @property
    def has_text(self) -> bool:
        return any(e[0] in ("para", "item") for e in self.elements)

    def render(self) -> str:
        out = [f"# {self.number} {self.title}"]
        previous = "heading"
        for element in self.elements:
            kind = element[0]
            if kind == "item":
                if previous != "item":
                    out.append("")
                out.append("  " * element[1] + "- " + element[2])
            elif kind == "sub":
                out.extend(["", "#" * element[1] + " " + element[2]])
            else:
                out.extend(["", *element[1]])
            previous = kind
        return "\n".join(out)


class _Structure:
    def __init__(self, path: Path, blocks: list[_Block], lang: str, notes: list[Note]) -> None:
        self.path, self.blocks, self.lang, self.notes = path, blocks, lang, notes
        self.run = self._runs()

    def note(self, line: int, message: str) -> None:
        self.notes.append(Note(line, message))

    def _same_run(self, a: _Block, b: _Block) -> bool:
        if a.kind != "para" or b.kind != "para" or not a.cand or not b.cand:
            return False
        if a.cand.style != b.cand.style or a.cand.body or b.cand.body:
            return False
        if a.cand.style in ITEM_STYLES or a.cand.number is None:
            return True
        return b.cand.number == a.cand.number + 1

    def _runs(self) -> set[int]:
        """Blocks that are enumerated one after the other with nothing between: list items."""
        members: set[int] = set()
        for index in range(1, len(self.blocks)):
            if self._same_run(self.blocks[index - 1], self.blocks[index]):
                members.update((index - 1, index))
        return members

    # -- the title and the section headings

    def _take_title(self) -> str | None:
        blocks = self.blocks
        if not blocks:
            return None
        headings = [b for b in blocks if b.kind == "heading"]
        first = blocks[0]
        if headings:
            top = min(b.level for b in headings)
            tops = [b for b in headings if b.level == top]
            others = len(headings) > 1 or any(b.cand and b.cand.heading_like for b in blocks)
            if len(tops) == 1 and headings[0] is tops[0] and others:
                index = blocks.index(tops[0])
                if all(b.kind == "para" and not b.cand for b in blocks[:index]):
                    del blocks[index]
                    self.run = self._runs()
                    return tops[0].text
            if first.kind == "heading" and first.level == top and len(tops) > 1:
                rest = [_enumerated(b.text) for b in tops[1:]]
                if all(c and c.number is not None for c in rest) and not _enumerated(first.text):
                    del blocks[0]
                    self.run = self._runs()
                    return first.text
            if first.kind == "heading":
                return None
        if (
            first.kind == "para"
            and len(first.lines) == 1
            and (first.cand is None or first.cand.style == "bracket")
            and _headingish(first.text)
            and len(blocks) > 1
        ):
            del blocks[0]
            parts = [first.text.strip("[]【】〔〕")]
            # A title over two lines: NORTHGATE MEDICAL CENTRE / PRIVACY NOTICE
            while (
                len(blocks) > 1
                and first.standalone
                and blocks[0].standalone == first.standalone
                and len(blocks[0].lines) == 1
                and self._content_follows(0)
                and blocks[1].kind == "para"
                and not blocks[1].cand
            ):
                parts.append(blocks.pop(0).text)
                if len(parts) == 2:
                    break
            self.run = self._runs()
            return " ".join(parts)
        return None

    def _chain(self, style: str) -> list[int]:
        """The longest run of `style` headings numbered 1, 2, 3... (or from 0)."""
        found = [
            (i, b.cand.number)
            for i, b in enumerate(self.blocks)
            if b.kind == "para"
            and b.cand
            and b.cand.style == style
            and b.cand.heading_like
            and b.cand.number is not None
            and i not in self.run
        ]
        length: list[int] = []
        back: list[int | None] = []
        for k, (_, number) in enumerate(found):
            best, link = (1, None) if number in (0, 1) else (0, None)
            for j in range(k):
                if found[j][1] == number - 1 and length[j] and length[j] + 1 > best:
                    best, link = length[j] + 1, j
            length.append(best)
            back.append(link)
        if not length or max(length) == 0:
            return []
        k: int | None = length.index(max(length))
        chain = []
        while k is not None:
            chain.append(found[k][0])
            k = back[k]
        return chain[::-1]

    def _section_heads(self) -> tuple[str, list[int]]:
        blocks = self.blocks
        headings = [i for i, b in enumerate(blocks) if b.kind == "heading"]
        chains = sorted(
            ((self._chain(s), SECTION_STYLES.index(s)) for s in SECTION_STYLES),
            key=lambda c: (-len(c[0]), c[1]),
        )
        best_chain = chains[0][0]
        if headings:
            top = min(blocks[i].level for i in headings)
            tops = [i for i in headings if blocks[i].level == top]
            if len(tops) >= 2 or len(best_chain) < 2:
                return "markup", tops
        if best_chain:
            return "numbered", best_chain
        for style in ("bracket", "mark", "strong", "caps", "titlecase", "ja-short"):
            found = [
                i
                for i, b in enumerate(blocks)
                if self._style(b) == style and i not in self.run and self._content_follows(i)
            ]
            if len(found) >= 2:
                return "unnumbered", found
        for style in ("bracket", "mark", "strong", "caps", "titlecase", "ja-short"):
            found = [
                i
                for i, b in enumerate(blocks)
                if self._style(b) == style and self._content_follows(i)
            ]
            if found:
                return "unnumbered", found
        return "none", []

    @staticmethod
    def _style(block: _Block) -> str | None:
        if block.kind != "para":
            return None
        if block.cand and block.cand.style in ("bracket", "mark") and block.cand.heading_like:
            return block.cand.style
        if block.cand is None:
            return block.standalone
        return None

    def _content_follows(self, index: int) -> bool:
        if index + 1 >= len(self.blocks):
            return False
        following = self.blocks[index + 1]
        if following.kind == "item":
            return True
        return following.kind == "para" and following.cand is None and not following.standalone

    # -- building

    def _titles_above_articles(self) -> None:
        """「（目的）」 on the line above 「第1条　当院は…」: the article's title."""
        for index in range(len(self.blocks) - 1, 0, -1):
            block, above = self.blocks[index], self.blocks[index - 1]
            cand = block.cand
            if (
                block.kind == "para"
                and cand
                and cand.style in ("jp-article", "article")
                and not cand.title
                and above.kind == "para"
                and len(above.lines) == 1
                and above.cand is None
                and PARENTHESISED.fullmatch(above.text)
                and not PARENTHESISED.match(above.text).group(2).strip()
            ):
                cand.title = above.text
                del self.blocks[index - 1]
        self.run = self._runs()

    def build(self) -> tuple[str | None, list[_Out]]:
        self._titles_above_articles()
        title = self._take_title()
        mode, heads = self._section_heads()
        if mode == "none":
            return title, []
        numbers = self._numbers(mode, heads)
        first_title = _section_title(
            self.blocks[heads[0]].cand.title
            if self.blocks[heads[0]].cand and self.blocks[heads[0]].cand.title
            else self.blocks[heads[0]].text
        )
        intro_named = first_title.lower() in INTRO_WORDS
        if intro_named and numbers[0] == 1 and numbers == list(range(1, len(numbers) + 1)):
            numbers = [n - 1 for n in numbers]  # "Introduction" as the first heading: section 0
        head_set = set(heads)
        sections: list[_Out] = []
        intro = _Out(0, INTRODUCTION[self.lang], self.blocks[0].line if self.blocks else 1)
        intro_blocks = self.blocks[: heads[0]]
        if intro_blocks:
            first = intro_blocks[0]
            if (self._style(first) or first.kind == "heading") and len(intro_blocks) > 1:
                intro.title = _section_title(first.text)
                intro.line = first.line
                intro_blocks = intro_blocks[1:]
        self._fill(intro, intro_blocks, head_set)
        for position, index in enumerate(heads):
            block = self.blocks[index]
            end = heads[position + 1] if position + 1 < len(heads) else len(self.blocks)
            content = self.blocks[index + 1 : end]
            out = _Out(numbers[position], "", block.line)
            out.title = self._head_title(block, content, out)
            self._fill(out, content, head_set)
            sections.append(out)
        if intro.has_text:
            if sections and sections[0].number == 0:
                sections[0].elements[:0] = intro.elements
                if not intro_named:
                    self.note(intro.line, "the text before section 0 was put into section 0")
            else:
                sections.insert(0, intro)
        kept = []
        for section in sections:
            if section.has_text:
                kept.append(section)
            else:
                self.note(
                    section.line,
                    f"heading '{section.title}' has no text under it and was left out (a "
                    "section needs text): check whether text belongs to it",
                )
        return title, kept

    def _numbers(self, mode: str, heads: list[int]) -> list[int]:
        if mode == "numbered":
            return [self.blocks[i].cand.number for i in heads]
        if mode == "unnumbered":
            return list(range(1, len(heads) + 1))
        own = [_enumerated(self.blocks[i].text) for i in heads]
        own_numbers = [
            c.number if c and c.style in SECTION_STYLES and c.number is not None else None
            for c in own
        ]
        if own_numbers[0] is None and all(n is not None for n in own_numbers[1:]):
            own_numbers[0] = 0 if own_numbers[1:] and own_numbers[1] == 1 else None
        if all(n is not None for n in own_numbers) and all(
            a < b for a, b in zip(own_numbers, own_numbers[1:], strict=False)
        ):
            for index, cand in zip(heads, own, strict=True):
                if cand and cand.style in SECTION_STYLES and cand.number is not None:
                    self.blocks[index].cand = cand
            return own_numbers
        if any(n is not None for n in own_numbers):
            self.note(
                self.blocks[heads[0]].line,
                "the headings' own numbers are missing or out of order: sections are numbered "
                "1, 2, 3... in the order of the headings; check references between sections",
            )
        return list(range(1, len(heads) + 1))

    def _head_title(self, block: _Block, content: list[_Block], out: _Out) -> str:
        cand = block.cand
        if cand is None or (block.kind == "heading" and cand.style not in SECTION_STYLES):
            return _section_title(block.text)
        if cand.style == "mark":
            return cand.title
        title = cand.title
        if (
            not title
            and cand.body is None
            and content
            and content[0].kind == "para"
            and (
                len(content[0].lines) == 1
                and content[0].cand is None
                and _headingish(content[0].text)
            )
        ):
            title = content.pop(0).text
        if cand.body:
            out.elements.append(("para", [cand.body]))
        if not title:
            title = cand.label
            self.note(block.line, f"'{cand.label}' has no title: '{title}' is used as its title")
        return _section_title(title) or cand.label

    def _fill(self, out: _Out, blocks: list[_Block], heads: set[int]) -> None:
        subs: list[tuple[int, tuple, str, int]] = []  # (element index, key, text, line)
        for k, block in enumerate(blocks):
            following = blocks[k + 1] if k + 1 < len(blocks) else None
            index = self.blocks.index(block)
            if block.kind == "heading":
                if following is None:
                    self.note(
                        block.line, f"heading '{block.text}' has no text under it and was left out"
                    )
                    continue
                subs.append((len(out.elements), ("h", block.level), block.text, block.line))
                out.elements.append(("sub", 0, block.text))
            elif block.kind == "item":
                out.elements.append(("item", block.indent, block.text, block.line))
            elif block.cand is not None:
                cand = block.cand
                if cand.style in ("jp-chapter", "chapter") and following is None:
                    self.note(
                        block.line,
                        f"'{block.text}' heads a group of sections (a chapter): "
                        "left out, the corpus has one level of sections",
                    )
                    continue
                if index in self.run or (not cand.heading_like and cand.style in ITEM_STYLES):
                    out.elements.append(("item", block.indent, block.text, block.line))
                elif cand.heading_like and following is not None:
                    subs.append((len(out.elements), ("s", cand.style), block.text, block.line))
                    out.elements.append(("sub", 0, block.text))
                elif cand.style in ITEM_STYLES:
                    out.elements.append(("item", block.indent, block.text, block.line))
                else:
                    self._para(out, block)
            elif (
                block.standalone
                and following is not None
                and (
                    following.kind == "item"
                    or (
                        following.kind == "para" and not following.cand and not following.standalone
                    )
                )
            ):
                subs.append((len(out.elements), ("s", block.standalone), block.text, block.line))
                out.elements.append(("sub", 0, block.text))
            else:
                self._para(out, block)
        self._levels(out, subs)
        self._depths(out)

    def _para(self, out: _Out, block: _Block) -> None:
        lines = []
        for line in block.lines:
            if line.startswith("#"):
                if lines:
                    lines[-1] = _joined(lines[-1], line)
                    continue
                self.note(
                    block.line,
                    "a paragraph starting with '#' would read as a heading: the '#' was left out",
                )
                line = re.sub(r"^[#\s]+", "", line)
            if line:
                lines.append(line)
        if lines:
            out.elements.append(("para", lines))

    def _levels(self, out: _Out, subs: list[tuple[int, tuple, str, int]]) -> None:
        markup = sorted({key for _, key, _, _ in subs if key[0] == "h"}, key=lambda k: k[1])
        others: list[tuple] = []
        for _, key, _, _ in subs:
            if key[0] == "s" and key not in others:
                others.append(key)
        order = markup + others
        flattened = False
        for position, key, text, line in subs:
            level = 2 + order.index(key)
            if level > 3:
                level = 3
                if not flattened:
                    self.note(
                        line,
                        f"a third level of headings ('{text}') is written as '###' "
                        "(the corpus has two levels under a section)",
                    )
                    flattened = True
            out.elements[position] = ("sub", level, text)

    @staticmethod
    def _depths(out: _Out) -> None:
        stack: list[int] = []
        for position, element in enumerate(out.elements):
            if element[0] != "item":
                stack = []
                continue
            indent = element[1]
            while stack and indent < stack[-1]:
                stack.pop()
            if not stack or indent > stack[-1]:
                stack.append(indent)
            out.elements[position] = ("item", len(stack) - 1, element[2])


def _section_title(text: str) -> str:
    text = re.sub(r"[ \t\n\r]+", " ", text).strip()
    match = re.fullmatch(r"[(（\[【〔]\s*(.+?)\s*[)）\]】〕]", text)
    return match.group(1) if match else text
