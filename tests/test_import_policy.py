"""`privacybot import-policy`: a clinic's policy as it has it (text, Markdown, HTML) becomes a
policy.md that the loader accepts, with the policy's own sections and its text verbatim."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from privacybot.corpus import CorpusError, load_policy
from privacybot.corpus.importer import check_markdown, import_policy

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
SEED = FIXTURES / "sakura_privacy_policy.txt"  # the clinic's public policy, as published
CURATED = REPO / "policy_corpus" / "sakura" / "en" / "policy.md"


def imported(path: Path, **options):
    result = import_policy(path, **options)
    return result, check_markdown(result.markdown)


def passage(policy, text: str):
    matches = [p for p in policy.passages if p.text == text]
    assert matches, f"no passage {text!r}"
    return matches[0]


def flat(text: str) -> str:
    return " ".join(text.split())


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "privacybot.cli.main", "import-policy", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --------------------------------------------------------------------------- the seed policy


def test_seed_text_imports_as_the_curated_policy():
    """The published plain text gives what was curated by hand: same sections and titles,
    the same passages (all 47 of them, in order) under the same headings and bullets."""
    curated = load_policy(CURATED)
    result, policy = imported(
        SEED, clinic=curated.clinic, version=curated.version, requests_section=7
    )
    assert [(s.number, s.title) for s in policy.sections] == [
        (s.number, s.title) for s in curated.sections
    ]
    curated_texts = [p.text for p in curated.passages]
    imported_texts = [p.text for p in policy.passages]
    found = sum(text in imported_texts for text in curated_texts)
    assert (found, len(curated_texts)) == (47, 47)  # 100%: every curated passage, verbatim
    assert imported_texts == curated_texts  # and nothing else, in the same order
    # Each passage sits under the same sub-headings, introducing sentence and parent bullets.
    assert [(p.id, p.context, p.depth) for p in policy.passages] == [
        (p.id, p.context, p.depth) for p in curated.passages
    ]
    assert (policy.title, policy.clinic, policy.version) == (
        curated.title,
        curated.clinic,
        curated.version,
    )
    assert policy.requests_section == 7
    assert result.language == "en" and result.source_format == "text"
    # The only difference from the curated file: blank lines (a blank line after "# 0 ...").
    body = result.markdown.split("---\n", 2)[2].split()
    assert body == CURATED.read_text(encoding="utf-8").split("---\n", 2)[2].split()


def test_every_passage_of_the_seed_is_in_the_source_text_verbatim():
    source = flat(SEED.read_text(encoding="utf-8"))
    _, policy = imported(SEED, clinic="SAKURA International Clinic Tokyo", version="1")
    for p in policy.passages:
        assert flat(p.text) in source
    # The address block keeps its lines.
    assert (
        passage(
            policy,
            "SAKURA International Clinic Tokyo\n4F MHK Building, 2-8-5 Shiba "
            "Daimon, Minato-ku, Tokyo 105-0012, Japan\nContact for inquiries regarding "
            "personal information\nE-mail: info@sakura-international-clinic.com",
        ).section
        == 7
    )


def test_placeholders_are_noted_and_requests_section_is_not_guessed():
    result, policy = imported(SEED)
    assert policy.clinic.startswith("TODO") and policy.version.startswith("TODO")
    assert policy.requests_section is None
    assert "requests_section" not in result.markdown
    messages = [n.message for n in result.notes]
    assert any("--clinic" in m for m in messages)
    assert any("--version" in m for m in messages)


def test_a_requests_section_that_does_not_exist_is_refused():
    with pytest.raises(CorpusError, match="requests section 9 is not one of the sections"):
        import_policy(SEED, requests_section=9)


# --------------------------------------------------------------------------- Markdown


def test_markdown_notice():
    path = FIXTURES / "riverside_privacy_notice.md"
    result, policy = imported(path, clinic="Riverside Family Practice", version="2025-02-14")
    assert result.source_format == "markdown"
    assert policy.title == "Privacy Notice for Patients"
    assert [(s.number, s.title) for s in policy.sections] == [
        (0, "Introduction"),
        (1, "Who we are"),
        (2, "What we collect"),
        (3, "How we use your information"),
        (4, "Your rights"),
        (5, "Changes to this notice"),
    ]
    # ### headings become the passages' sub-headings; '-' and '*' lists become bullets.
    name = passage(policy, "your name, address, date of birth and NHS number")
    assert (name.section, name.context, name.depth) == (2, ("Information you give us",), 0)
    xray = passage(policy, "X-rays and scans")
    assert xray.depth == 1
    assert xray.context == ("Information from other services", "results of tests, such as:")
    # Bold and link markup go, the words stay; hard-wrapped lines are joined.
    passage(policy, "your contact details, including your mobile number and email address")
    rights = policy.section(4).passages[0].text
    assert "\n" not in rights and rights.startswith("You have the right to ask for a copy")
    assert "write to the Practice Manager at the address above" in rights
    assert any("link(s) kept as their text" in n.message and n.line == 6 for n in result.notes)
    # The address block keeps its lines; "1)" items are bullets that keep their numbers.
    passage(
        policy,
        "Riverside Family Practice\n22 Mill Lane\nRiverside RV1 4AB\nTelephone: 01632 960 201",
    )
    care = passage(policy, "1) to provide your care and treatment")
    assert care.context == ("We use your information for the following purposes:",)


# --------------------------------------------------------------------------- HTML


def test_html_page():
    path = FIXTURES / "lakeside_privacy.html"
    result, policy = imported(path, clinic="Lakeside Dental Clinic", version="2025-06-02")
    assert result.source_format == "html"
    assert policy.title == "Privacy Policy"  # the page's <h1>, not its <title>
    assert [(s.number, s.title) for s in policy.sections] == [
        (0, "Introduction"),
        (1, "Information we collect"),
        (2, "How we use your information"),
        (3, "Cookies"),
        (4, "Keeping your information"),
        (5, "Contact us"),
    ]
    allergies = passage(policy, "allergies")
    assert allergies.depth == 1
    assert allergies.context == (
        "When you register as a patient we ask for:",
        "your medical history, including:",
    )
    insurer = policy.section(2).passages[1]
    assert insurer.context == ("Payments & insurance",)  # <h3>, with its &amp; decoded
    assert insurer.text.startswith("We share the details needed for a claim")
    passage(policy, "Dental records of adults are kept for 11 years after the last treatment.")
    passage(
        policy,
        "Lakeside Dental Clinic\n3 Harbour Road\nLakeside LK2 9QP\nprivacy@lakeside-dental.example",
    )  # <br> lines
    text = result.markdown
    for chrome in ("Treatments", "All rights reserved", "dataLayer", "font-family"):
        assert chrome not in text  # navigation, footer, scripts and styles are left out
    assert any("only the page's <main>" in n.message for n in result.notes)


def test_japanese_html_page_with_articles():
    path = FIXTURES / "aoba_privacy.html"
    result, policy = imported(path, clinic="あおば内科クリニック", version="2024-06-01")
    assert result.language == "ja" and policy.language == "ja"
    assert policy.title == "個人情報保護方針"
    assert [(s.number, s.title) for s in policy.sections] == [
        (0, "はじめに"),
        (1, "個人情報の取得"),
        (2, "利用目的"),
        (3, "第三者提供"),
        (4, "安全管理"),
        (5, "開示等のご請求"),
    ]
    # （1）… lines separated by <br> are bullets (keeping their numbers).
    item = passage(policy, "（2）医療保険事務")
    assert (item.section, item.depth) == (2, 0)
    passage(policy, "2　前項の目的以外に利用する場合は、あらかじめ患者さまの同意を得ます。")
    counter = passage(policy, "窓口 | あおば内科クリニック 受付\n電話 | 022-000-1234")
    assert counter.context == ("お問い合わせ窓口",)  # <h4> under the article
    assert "採用情報" not in result.markdown and "Copyright" not in result.markdown
    assert any("table" in n.message and n.line == 40 for n in result.notes)


# --------------------------------------------------------------------------- Japanese text


def test_japanese_articles_in_plain_text(tmp_path):
    path = FIXTURES / "kaede_privacy_policy.txt"
    result, policy = imported(path, clinic="かえで皮膚科クリニック", version="2023-04-01")
    assert result.language == "ja"
    assert policy.title == "かえで皮膚科クリニック　個人情報保護規程"
    # 「（目的）」 above 「第1条　…」 is the article's title; the article's text follows it.
    assert [(s.number, s.title) for s in policy.sections] == [
        (1, "目的"),
        (2, "定義"),
        (3, "利用目的"),
        (4, "第三者提供"),
    ]
    assert policy.section(1).passages[0].text.startswith("この規程は、かえで皮膚科クリニック")
    item = passage(policy, "②　会計および医療保険事務")  # ① ② ③ items are bullets
    assert (item.section, item.depth) == (3, 0)
    passage(policy, "法令に基づく場合")  # 「・」 bullets
    source = flat(path.read_text(encoding="utf-8"))
    assert all(flat(p.text) in source for p in policy.passages)
    chapters = [n for n in result.notes if "chapter" in n.message]
    assert [n.line for n in chapters] == [3, 11]  # 第1章, 第2章: left out, and said so

    # The same file saved as Shift_JIS (Windows' Japanese encoding) imports the same.
    sjis = tmp_path / "kaede_sjis.txt"
    sjis.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    again = import_policy(sjis, clinic="かえで皮膚科クリニック", version="2023-04-01")
    assert again.markdown == result.markdown.replace(path.name, sjis.name)
    assert any("Shift_JIS" in n.message for n in again.notes)


# --------------------------------------------------------------------------- other shapes


def test_all_caps_headings_without_numbers(tmp_path):
    path = tmp_path / "northgate.txt"
    path.write_text(
        "NORTHGATE MEDICAL CENTRE\nPRIVACY NOTICE\n\n"
        "This notice explains how Northgate Medical Centre uses the information it holds\n"
        "about its patients.\n\n"
        "WHO WE ARE\n\nNorthgate Medical Centre is a group practice in Leeds.\n\n"
        "WHAT WE COLLECT\n\nWe record:\n- your name, address and date of birth\n"
        "- notes of your consultations\n  - including letters from hospitals\n\n"
        "YOUR RIGHTS\n\nYou may ask for a copy of your records at any time.\n",
        encoding="utf-8",
    )
    _, policy = imported(path)
    assert policy.title == "NORTHGATE MEDICAL CENTRE PRIVACY NOTICE"
    assert [(s.number, s.title) for s in policy.sections] == [
        (0, "Introduction"),
        (1, "WHO WE ARE"),
        (2, "WHAT WE COLLECT"),
        (3, "YOUR RIGHTS"),
    ]
    assert passage(policy, "including letters from hospitals").depth == 1


def test_articles_with_numbered_sub_headings_and_lettered_items(tmp_path):
    path = tmp_path / "oak.txt"
    path.write_text(
        "Privacy Policy of Oak Street Clinic\r\n\r\n"
        "Article 1 (Purpose)\r\nThis policy sets out how Oak Street Clinic handles personal "
        "information.\r\n\r\n"
        "Article 2 (Information Collected)\r\n1.1 Information from patients\r\n"
        "The Clinic collects the following:\r\n(a) name and address;\r\n"
        "(b) insurance details;\r\n(c) medical history.\r\n"
        "1.2 Information from others\r\nThe Clinic may receive referral letters.\r\n\r\n"
        "Article 3 (Contact)\r\nQuestions should be sent to privacy@oakstreet.example.\r\n",
        encoding="utf-8-sig",  # Windows: a byte-order mark and CRLF line ends
    )
    _, policy = imported(path)
    assert policy.title == "Privacy Policy of Oak Street Clinic"
    assert [(s.number, s.title) for s in policy.sections] == [
        (1, "Purpose"),
        (2, "Information Collected"),
        (3, "Contact"),
    ]
    item = passage(policy, "(b) insurance details;")
    assert item.context == ("1.1 Information from patients", "The Clinic collects the following:")
    assert passage(policy, "The Clinic may receive referral letters.").context == (
        "1.2 Information from others",
    )


def test_hard_wrapped_text_is_joined_but_an_address_is_not(tmp_path):
    path = tmp_path / "wrapped.txt"
    path.write_text(
        "Privacy Policy\n\n"
        "1. Who we are\n\n"
        "Elm Tree Clinic is a small family practice. We are responsible for the\n"
        "personal information we hold about you and we keep it safe and\n"
        "confidential at all times.\n\n"
        "Elm Tree Clinic\n"
        "5 Station Road\n"
        "Elmford EF1 2GH\n\n"
        "2. Your rights\n\n"
        "You can ask for a copy of your record by writing to the practice manager.\n",
        encoding="utf-8",
    )
    _, policy = imported(path)
    assert [p.text for p in policy.section(1).passages] == [
        "Elm Tree Clinic is a small family practice. We are responsible for the personal "
        "information we hold about you and we keep it safe and confidential at all times.",
        "Elm Tree Clinic\n5 Station Road\nElmford EF1 2GH",
    ]


def test_a_single_section_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "short.md"
    path.write_text("## Your privacy\n\nWe keep your records confidential.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"short\.md:1: only one section was found"):
        import_policy(path)


# --------------------------------------------------------------------------- the command


def test_cli_writes_checks_and_summarises(tmp_path):
    out = tmp_path / "policy.md"
    done = run_cli(SEED, "--out", out, "--clinic", "SAKURA International Clinic Tokyo",
                   "--version", "2026-11-28", "--requests-section", "7")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert load_policy(out).requests_section == 7
    assert "8 sections, 47 passages" in done.stdout
    assert "Disclosure, Correction, etc. of Personal Information" in done.stdout
    assert not list(tmp_path.glob(".*"))  # no scratch file left behind


def test_cli_prints_to_stdout_with_notes_as_file_line(tmp_path):
    done = run_cli(FIXTURES / "kaede_privacy_policy.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("---\ntitle:")
    assert "# 1 目的" in done.stdout
    assert f"{FIXTURES / 'kaede_privacy_policy.txt'}:3: '第1章　総則' heads a group" in done.stderr
    assert ":1: no --clinic given" in done.stderr


def test_cli_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "policy.md"
    out.write_text("the clinic's own edits\n", encoding="utf-8")
    done = run_cli(SEED, "--out", out)
    assert done.returncode == 2
    assert f"{out}: already exists and was left unchanged; use --force" in done.stderr
    assert out.read_text(encoding="utf-8") == "the clinic's own edits\n"
    forced = run_cli(SEED, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert load_policy(out).sections[-1].number == 7


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", ":1: the file is empty"),
        ("blank.txt", b"\n  \n\n", ":1: the file is empty"),
        (
            "prose.txt",
            b"We look after your data.\nWe never sell it.\n",
            ":1: no numbered sections or headings found; mark the policy's sections",
        ),
        ("binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", ":3: binary data"),
        (
            "latin1.txt",
            b"Privacy Policy\n\n1. Caf\xe9 and data\nWe keep it safe.\n",
            ":3: not UTF-8 text (byte 0xe9",
        ),
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", ":1: this is a PDF, not text"),
    ],
)
def test_cli_bad_input_is_a_clear_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "policy.md"
    done = run_cli(path, "--out", out)
    assert done.returncode == 2
    assert done.stderr.startswith(f"privacybot: {path}{message}"), done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()  # nothing written


def test_cli_missing_file(tmp_path):
    path = tmp_path / "nowhere.txt"
    done = run_cli(path)
    assert done.returncode == 2
    assert done.stderr == f"privacybot: {path}:0: file not found\n"
    assert done.stdout == ""


def test_damaged_files_give_a_message_or_a_valid_policy_never_a_traceback(tmp_path):
    """Shuffled, cut and garbled copies of the fixtures: each is refused with a CorpusError
    or gives a policy.md the loader accepts."""
    rng = random.Random(20250301)
    sources = sorted(FIXTURES.iterdir())
    junk = [b"#", b"  - ", b"\t\tx", b"1.", b"(1)", b"<h2></h2>", b"<li>", b"**", b"---", b"# 3 x"]
    for number in range(120):
        source = rng.choice(sources)
        lines = source.read_bytes().split(b"\n")
        change = number % 4
        if change == 0:
            rng.shuffle(lines)
        elif change == 1:
            lines = [line for line in lines if rng.random() > 0.4]
        elif change == 2:
            lines = lines[: rng.randrange(len(lines) + 1)]
        else:
            for _ in range(5):
                lines.insert(rng.randrange(len(lines) + 1), rng.choice(junk))
        path = tmp_path / f"damaged{number}{source.suffix}"
        path.write_bytes(b"\n".join(lines))
        try:
            result = import_policy(path)
        except CorpusError as error:
            assert error.path == str(path) and error.message
            continue
        check_markdown(result.markdown)
