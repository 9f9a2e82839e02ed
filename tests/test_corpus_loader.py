"""The policy corpus: structure of the seed policy, and clear errors for malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacybot.corpus import CorpusError, load_policy, load_question_bank
from privacybot.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "policy_corpus" / "sakura" / "en" / "policy.md"
BANK = PROJECT_ROOT / "policy_corpus" / "sakura" / "en" / "question_bank.yml"

GOOD_HEADER = '---\ntitle: Privacy Policy\nclinic: Test Clinic\nlanguage: en\nversion: "1"\n---\n'


def write(tmp_path: Path, text: str, name: str = "policy.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_policy_has_the_policys_own_sections():
    policy = load_policy(SEED)
    assert [s.number for s in policy.sections] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert policy.section(5).title == "Cookies, etc."
    assert policy.section(5).citation == "Section 5 (Cookies, etc.)"
    assert policy.section(0).passages[0].text.startswith("SAKURA International Clinic Tokyo")
    assert policy.policy_version.startswith("2026-11-28#")


def test_a_bullet_knows_the_heading_and_parent_bullet_it_sits_under():
    policy = load_policy(SEED)
    passage = next(
        p for p in policy.section(3).passages if p.text == "Outsourcing of insurance administration"
    )
    assert "(2) Uses involving provision of information to third parties" in passage.context
    assert "Among medical insurance administration:" in passage.context
    assert passage.context[0] == "[Purposes necessary for providing medical care to users]"


def test_bullets_of_a_list_know_the_sentence_that_introduces_them():
    policy = load_policy(SEED)
    police = next(p for p in policy.section(4).passages if "police" in p.text)
    assert police.context == (
        "The Clinic may provide Personal Information, etc. "
        "to third parties in the following cases:",
    )


def test_contact_block_keeps_its_line_breaks():
    contact = load_policy(SEED).section(7).passages[-1]
    assert contact.text.splitlines()[-1] == "E-mail: info@sakura-international-clinic.com"


def test_version_changes_when_the_text_changes(tmp_path):
    first = load_policy(write(tmp_path, GOOD_HEADER + "# 0 Intro\nSome text.\n", "a.md"))
    second = load_policy(write(tmp_path, GOOD_HEADER + "# 0 Intro\nOther text.\n", "b.md"))
    assert first.version == second.version
    assert first.policy_version != second.policy_version


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# 0 Intro\ntext\n", 1, "front-matter"),
        ("---\ntitle: x\n", 1, "not closed"),
        ("---\ntitle: x\nclinic: y\nlanguage: en\n---\n# 0 Intro\ntext\n", 5, "missing 'version'"),
        (GOOD_HEADER + "Loose text\n# 0 Intro\ntext\n", 7, "before the first"),
        (GOOD_HEADER + "# 0 Intro\ntext\n# 0 Again\ntext\n", 9, "appears twice"),
        (GOOD_HEADER + "# 2 Two\ntext\n# 1 One\ntext\n", 9, "comes after section 2"),
        (GOOD_HEADER + "# 0 Intro\n\n# 1 Empty\n", 7, "section 0 has no text"),
        (GOOD_HEADER + "# 0 Intro\n- a\n      - too deep\n", 9, "deeper than its parent"),
        (GOOD_HEADER + "# 0 Intro\n - odd indent\n", 8, "multiples of two"),
        (GOOD_HEADER + "# 0 Intro\n\ttabbed\n", 8, "tab character"),
        (GOOD_HEADER + "# Intro without number\ntext\n", 7, "'# N Title'"),
        (GOOD_HEADER + "#### 0 Too deep\n", 7, "a heading must be"),
        (GOOD_HEADER, 7, "no '# N Title' sections"),
    ],
)
def test_malformed_policy_names_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(CorpusError) as error:
        load_policy(path)
    assert error.value.line == line
    assert message in error.value.message
    assert str(error.value).startswith(f"{path}:{line}: ")


def test_missing_policy_file_is_reported(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_policy(tmp_path / "absent.md")


def test_seed_question_bank_covers_every_section():
    policy = load_policy(SEED)
    bank = load_question_bank(BANK, policy)
    assert set(bank.by_section) == {s.number for s in policy.sections}
    assert all(len(questions) >= 20 for questions in bank.by_section.values())
    assert len(bank.not_covered) >= 50


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("sections:\n  9:\n    - a question\n", 2, "section 9 is not in"),
        ("sections:\n  0:\n    - a\n  0:\n    - b\n", 4, "listed twice"),
        ("sections:\n  0: just text\n", 2, "list of questions"),
        ("sections:\n  0:\n    - ''\n", 3, "non-empty"),
        ("sections:\n  0:\n    - a\nextra: 1\n", 4, "unknown key"),
        ("sections: [\n", 2, "not valid YAML"),
        ("not_covered:\n  - a\n", 1, "no 'sections'"),
    ],
)
def test_malformed_question_bank_names_file_and_line(tmp_path, text, line, message):
    policy = load_policy(write(tmp_path, GOOD_HEADER + "# 0 Intro\ntext\n"))
    path = write(tmp_path, text, "bank.yml")
    with pytest.raises(CorpusError) as error:
        load_question_bank(path, policy)
    assert (error.value.line, message in error.value.message) == (line, True), str(error.value)


def test_the_front_matter_may_name_the_section_on_requests(tmp_path):
    header = GOOD_HEADER.replace("---\n", "---\nrequests_section: 1\n", 1)
    named = load_policy(write(tmp_path, header + "# 0 Intro\nText.\n# 1 Your rights\nAsk us.\n"))
    assert named.requests_section == 1
    assert (
        load_policy(write(tmp_path, GOOD_HEADER + "# 0 Intro\nT.\n", "b.md")).requests_section
        is None
    )
    wrong = GOOD_HEADER.replace("---\n", "---\nrequests_section: 9\n", 1)
    with pytest.raises(CorpusError, match=r"'requests_section' must be one of the section numbers"):
        load_policy(write(tmp_path, wrong + "# 0 Intro\nText.\n", "c.md"))


def test_a_clinic_without_a_question_bank_gets_an_empty_one(tmp_path):
    policy = load_policy(PROJECT_ROOT / "policy_corpus" / "hollowbrook" / "en" / "policy.md")
    bank = load_question_bank(tmp_path / "question_bank.yml", policy)
    assert bank.all_questions == () and bank.not_covered == ()


def test_a_one_section_policy_is_refused_at_start_with_what_to_do(tmp_path):
    from privacybot.corpus import require_sections_to_cite

    path = write(tmp_path, GOOD_HEADER + "# 0 Intro\nHello.\n# 1 Privacy\nWe keep it safe.\n")
    with pytest.raises(CorpusError, match=r"policy\.md:9: the policy has only one numbered"):
        require_sections_to_cite(load_policy(path))
