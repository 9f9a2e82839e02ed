"""A clinic with only its policy: the privacy topics (privacybot/topics/) are placed in its
sections, so it answers on the first day, in English or in Japanese, without a question bank;
and nothing about a clinic's sections is written in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacybot.benchmark import OTHER_CLINICS
from privacybot.benchmark import clinic_settings as other_clinic
from privacybot.evaluation import evaluate, load_questions, summarise
from privacybot.settings import PROJECT_ROOT, Settings
from privacybot.topics import TopicsFileError, load_topics

# Floors of the other clinics' question sets, policy only (no bank); docs/benchmarks.md.
# Hollowbrook and Midorinomori are dev sets (the engine was tuned on them); Riverside and
# Aozora are held out (written blind by helpers who saw only the policy).
FLOORS = {
    "hollowbrook": 0.65,  # 67.0%
    "midorinomori": 0.76,  # 78.9%
    "riverside": 0.61,  # 63.5%
    "aozora": 0.75,  # 77.4%
}
# SAKURA's policy alone (no bank in any language), asked in English and in Japanese: a new
# clinic offering both languages with one English policy. 66.6% and 53.6% (docs/benchmarks.md).
POLICY_ONLY = {"en": ("tests/dev_questions.yml", 0.63), "ja": ("tests/ja_dev_questions.yml", 0.52)}


def clinic_settings(settings: Settings, clinic: str | Path, languages: list[str]) -> Settings:
    return other_clinic(settings, Path("policy_corpus") / clinic, languages)


@pytest.fixture(scope="module")
def japanese_only(settings):
    from privacybot.assistant import PolicyAssistant

    return PolicyAssistant(clinic_settings(settings, "midorinomori", ["ja"]))


def test_a_japanese_only_clinic_with_an_empty_bank_starts_and_answers(japanese_only):
    bank = PROJECT_ROOT / "policy_corpus/midorinomori/ja/question_bank.yml"
    assert "sections: {}" in bank.read_text(encoding="utf-8")
    reply = japanese_only.respond("保有個人データの開示を請求する手続きを教えてください")
    assert str(reply.outcome) == "answer"
    title = japanese_only.policy.section(reply.sections[0]).title
    assert "開示" in title, title


@pytest.mark.parametrize(
    "question", ["ウェブサイトでクッキーを使っていますか", "カルテは何年間保存されますか"]
)
def test_a_japanese_policy_silent_on_a_topic_says_so(japanese_only, question):
    # Midorinomori's policy speaks neither of cookies nor of how long records are kept.
    policy_text = " ".join(p.text for p in japanese_only.policy.passages)
    assert "クッキー" not in policy_text and "Cookie" not in policy_text
    assert str(japanese_only.respond(question).outcome) == "not_covered"


def test_a_request_cites_the_section_on_requests_found_in_the_policy(japanese_only):
    reply = japanese_only.respond("私の個人情報を削除してください")
    assert str(reply.outcome) == "request"
    [section] = reply.sections
    assert "開示" in japanese_only.policy.section(section).title


@pytest.mark.parametrize("clinic", sorted(OTHER_CLINICS))
def test_another_clinics_patients_are_answered_from_its_policy_alone(clinic, settings):
    from privacybot.assistant import PolicyAssistant

    languages, path, _ = OTHER_CLINICS[clinic]
    floor = FLOORS[clinic]
    assistant = PolicyAssistant(clinic_settings(settings, clinic, languages))
    results = evaluate(
        load_questions(PROJECT_ROOT / path), lambda q: assistant.respond(q).payload()
    )
    summary = summarise(results)
    assert summary["accuracy"] >= floor, summary
    missed = [r.q for r in results if "emergency" in r.expect and not r.passed]
    assert missed == []


@pytest.fixture(scope="module")
def policy_only(settings, tmp_path_factory):
    """SAKURA's English policy and nothing else: no question bank, no glossary."""
    from privacybot.assistant import PolicyAssistant

    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "en").mkdir()
    source = PROJECT_ROOT / "policy_corpus/sakura/en/policy.md"
    (corpus / "en" / "policy.md").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return PolicyAssistant(clinic_settings(settings, corpus, ["en", "ja"]))


@pytest.mark.parametrize("language", sorted(POLICY_ONLY))
def test_a_policy_alone_answers_patients_in_both_languages(policy_only, language):
    """Japanese questions are matched to the English passages by their meaning (e5), and the
    Japanese topics are placed in the English policy the same way."""
    path, floor = POLICY_ONLY[language]
    results = evaluate(
        load_questions(PROJECT_ROOT / path),
        lambda q: policy_only.respond(q, language=language).payload(),
    )
    summary = summarise(results)
    assert summary["accuracy"] >= floor, summary
    assert [r.q for r in results if "emergency" in r.expect and not r.passed] == []
    japanese = policy_only.by_language["ja"]
    assert japanese.knowledge.placement.sections, "no Japanese topic placed in the policy"


def test_japanese_is_read_without_e5_where_it_cannot_run(monkeypatch):
    """A CPU without AVX2 (the engine would stop the process): the TF-IDF views answer."""
    from privacybot.retrieval import readers

    monkeypatch.setattr(readers, "meaning_available", lambda: False)
    reader = readers.JapaneseReader(["カルテの開示", "クッキーの利用", "第三者への提供"])
    assert not reader.reads_across_languages
    similarity = reader.vectors(["カルテの開示"]) @ reader.vector("カルテを開示してほしい")
    assert float(similarity[0]) > 0


def test_a_malformed_topics_file_is_refused_with_its_path(tmp_path, monkeypatch):
    import privacybot.topics as topics

    (tmp_path / "xx.yml").write_text("topics:\n  cookies:\n    statements: []\n")
    monkeypatch.setattr(topics, "TOPICS_DIR", tmp_path)
    with pytest.raises(TopicsFileError, match=r"xx\.yml: topic 'cookies' needs"):
        load_topics("xx")
    assert load_topics("no-such-language") == []


def test_the_seed_clinics_section_on_requests_is_found_in_its_policy(assistant):
    """SAKURA's requests section is found from its text, as any clinic's would be: a request
    cites it, and an answer from it is followed by the offer to pass a request on."""
    english = assistant.by_language["en"]
    requests = english.request_sections[0]
    assert "Disclosure" in assistant.policy.section(requests).title
    assert assistant.by_language["ja"].request_sections[0] == requests  # quotes the English
    request = assistant.respond("Please delete all of the personal data you hold on me.")
    assert str(request.outcome) == "request" and request.sections == [requests]
    how = assistant.respond("How can I get the clinic to correct wrong details in my file?")
    assert how.sections[0] == requests and how.offer_handoff
    cookies = assistant.respond("What cookies does your website set?")
    assert str(cookies.outcome) == "answer" and not cookies.offer_handoff
