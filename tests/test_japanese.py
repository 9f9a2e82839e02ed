"""Japanese, decided in-process: the language of a message, the Japanese reader, emergencies,
the request form's Japanese words, and answers in the patient's language."""

from __future__ import annotations

import shutil

import pytest
import yaml

from privacybot.desk import intake
from privacybot.handoff.form import (
    field_to_change,
    is_cancel,
    is_skip,
    is_yes,
    kind_from_text,
    on_behalf_from_text,
)
from privacybot.replies import Outcome
from privacybot.replies.catalog import MESSAGES_DIR
from privacybot.settings import PROJECT_ROOT
from privacybot.text.japanese import JapaneseAnalyzer
from privacybot.text.language import detect_language
from privacybot.triage.emergency import EmergencyDetector


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("クッキーは何に使っていますか？", "ja"),
        ("ｶﾙﾃ開示", "ja"),  # half-width katakana
        ("個人情報", "ja"),  # kanji only
        ("kojin jouhou no sakujo wo onegai shimasu", "ja"),  # romaji
        ("What cookies do you use?", "en"),
        ("cookies", "en"),
        ("delete my data", "en"),
        ("ok", None),  # said in every language's chat
        ("IDFA", None),
        ("Tanaka", None),
        ("hanako@example.jp", None),
        ("090-1234-5678", None),
        ("", None),
    ],
)
def test_the_language_of_a_message(message, language):
    assert detect_language(message) == language


def test_the_reader_hears_kana_romaji_and_wrong_kanji_alike():
    reader = JapaneseAnalyzer()
    kanji = reader.read("個人情報保護法")
    assert reader.read("こじんじょうほうほごほう").reading == kanji.reading
    assert reader.read("kojin jouhou hogo hou").reading == kanji.reading
    assert reader.read("個人上方保護法").reading == kanji.reading  # 変換ミス reads the same
    assert reader.read("くっきー").folded == reader.read("クッキー").folded == "くっきー"
    assert "個人情報保護法" in reader.read("APPIに準拠してる？").normalised


@pytest.fixture(scope="module")
def japanese_emergency():
    return EmergencyDetector("ja")


@pytest.mark.parametrize(
    "message",
    [
        "父が倒れて意識がありません",
        "息ができない、助けて",
        "もう死にたい",
        "胸が苦しくて冷や汗が止まらない",
        "救急車を呼んだほうがいいですか",
        "ishiki ga nai",  # romaji
        "たすけて へやに しらない ひとが いる",  # kana, typed in a hurry
        "ほうちょうを もった ひとが げんかんに いる",
        "母が階段で転んだ、救急車お願い",
        "きゅうきゅうしゃ よんで",
    ],
)
def test_japanese_emergencies_are_found(japanese_emergency, message):
    assert japanese_emergency.matches(message)


@pytest.mark.parametrize(
    "message",
    [
        "カルテを見られるのは誰ですか",
        "私が死亡したらデータはどうなりますか",
        "090-1193-4567",
        "救急車で運ばれた先の病院に私の情報は送られますか",  # mentions one: a policy question
    ],
)
def test_ordinary_japanese_questions_are_not_emergencies(japanese_emergency, message):
    assert not japanese_emergency.matches(message)


def test_the_request_form_understands_japanese_answers():
    assert is_yes("はい") and is_yes("はい、お願いします。") and is_yes("送信してください")
    assert is_cancel("キャンセル") and is_cancel("やっぱりやめます") and not is_cancel("はい")
    assert is_skip("スキップ") and is_skip("なし") and is_skip("電話は不要です")
    assert kind_from_text("カルテを削除してほしい") == "deletion"
    assert kind_from_text("データの利用を停止してください") == "stop_using"
    assert kind_from_text("住所が間違っているので直して") == "correction"
    assert kind_from_text("診療記録のコピーがほしい") == "disclosure"
    assert kind_from_text("苦情があります") == "complaint"
    assert kind_from_text("削除", {"削除": "deletion"}) == "deletion"
    assert on_behalf_from_text("自分の情報") == "self"
    assert on_behalf_from_text("母の情報です") == "other"
    assert field_to_change("メールアドレスを変更したい") == "contact_email"
    assert field_to_change("名前が間違っています") == "requester_name"


def test_full_width_contact_details_are_accepted():
    assert intake.clean_email("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "hanako@example.jp"
    assert intake.clean_phone("０９０ー１２３４ー５６７８") == "090-1234-5678"


def test_every_catalogue_has_the_same_keys_and_placeholders():
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = yaml.safe_load((MESSAGES_DIR / "en.yml").read_text(encoding="utf-8"))
    for path in MESSAGES_DIR.glob("*.yml"):
        other = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(other) == set(english), path.name
        for key, text in english.items():
            assert fields(other[key]) <= fields(text) | {"emergency_number"}, (path.name, key)


def test_a_japanese_question_is_answered_in_japanese_quoting_the_english_policy(assistant):
    reply = assistant.respond("クッキーは何に使っていますか？")
    assert reply.outcome == Outcome.ANSWER and reply.sections[0] == 5
    assert reply.language == "ja"
    assert reply.lead.startswith("この点について") and "英語の原文" in reply.lead
    assert reply.citations[0].label == "第5項「Cookies, etc.」"
    english = [p.text for p in assistant.policy.section(5).passages]
    assert all(p["text"] in english for p in reply.citations[0].passages)


def test_a_message_without_a_language_is_answered_in_the_conversations(assistant):
    acronym = assistant.respond("IDFA", language="ja")
    assert acronym.outcome == Outcome.ANSWER and acronym.sections[0] == 5
    assert acronym.language == "ja" and acronym.lead.startswith("この点について")
    assert assistant.respond("ok", language="ja").language == "ja"
    assert assistant.respond("What cookies do you use?", language="ja").language == "en"


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("カルテの情報を全部消してください", Outcome.REQUEST),
        ("検査結果の開示を請求します", Outcome.REQUEST),  # an order, though it reads as a topic
        ("診療情報の訂正をお願いします", Outcome.REQUEST),
        ("開示を請求するにはどうすればいいですか", Outcome.ANSWER),
        ("個人情報を消してもらうにはどうすればいいですか", Outcome.ANSWER),
        ("明日の予約を変更したいです", Outcome.OUT_OF_SCOPE),
        ("子どもが息をしていません", Outcome.EMERGENCY),
        ("この会話の履歴を消して", Outcome.FORGET),
        ("こんにちは", Outcome.SMALLTALK),
    ],
)
def test_japanese_messages_reach_the_right_outcome(assistant, message, outcome):
    reply = assistant.respond(message)
    assert reply.outcome == outcome
    assert reply.language == "ja"


def test_an_emergency_phrase_counts_in_any_language(assistant):
    assert assistant.respond("help 救急車を呼んで").outcome == Outcome.EMERGENCY
    assert assistant.is_emergency("I can't breathe")
    assert assistant.is_emergency("息ができない")


@pytest.fixture(scope="module")
def clinic_with_a_japanese_policy(tmp_path_factory):
    """A copy of the seed corpus to which the clinic has added its Japanese policy text."""
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copytree(PROJECT_ROOT / "policy_corpus" / "sakura", corpus, dirs_exist_ok=True)
    sections = {
        0: "当院は、個人情報の保護に関する法律その他の関係法令を遵守します。",
        1: "「個人情報」とは、氏名その他の記述により特定の個人を識別できる情報をいいます。",
        2: "当院は、個人情報を適正に管理し、漏えいを防止するための安全管理措置を講じます。",
        3: "当院は、患者さんへの医療の提供のために個人情報を利用します。",
        4: "当院は、法令に基づく場合を除き、ご本人の同意なく第三者に個人情報を提供しません。",
        5: "当院は、本サービスの利用状況を把握するため、クッキー等の技術を使用することがあります。",
        6: "当院は、本ポリシーを変更することがあります。",
        7: "ご本人から個人情報の開示、訂正、追加、削除、利用停止の請求があったときは対応します。",
    }
    titles = [
        "はじめに",
        "個人情報",
        "基本方針",
        "利用目的",
        "第三者提供",
        "クッキー等",
        "変更",
        "開示等",
    ]
    body = "\n".join(f"# {n} {titles[n]}\n{text}\n" for n, text in sections.items())
    (corpus / "ja" / "policy.md").write_text(
        "---\ntitle: プライバシーポリシー\nclinic: テストクリニック\nlanguage: ja\n"
        f'version: "2026-12-01"\n---\n\n{body}',
        encoding="utf-8",
    )
    return corpus


def test_with_the_clinics_japanese_text_answers_quote_it(clinic_with_a_japanese_policy):
    from privacybot.assistant import PolicyAssistant
    from privacybot.settings import CorpusSettings, get_settings

    settings = get_settings().model_copy(
        update={"corpus": CorpusSettings(directory=clinic_with_a_japanese_policy)}
    )
    reply = PolicyAssistant(settings).respond("クッキーは何に使っていますか？")
    assert reply.outcome == Outcome.ANSWER and reply.sections[0] == 5
    assert "英語の原文" not in reply.lead
    assert reply.citations[0].label == "第5項「クッキー等」"
    assert "クッキー等の技術を使用することがあります" in reply.text


@pytest.mark.parametrize(
    ("question", "passage_words"),
    [
        ("会社の健康診断の結果は会社に行きますか", "employers"),
        ("家族に病状を説明することはある？", "family members"),
        ("警察に情報を渡すことはありますか", "police"),
    ],
)
def test_the_glossary_picks_the_english_passage_that_answers(assistant, question, passage_words):
    reply = assistant.respond(question)
    assert reply.outcome == Outcome.ANSWER
    assert passage_words in reply.citations[0].passages[0]["text"]


def test_a_malformed_glossary_is_refused_with_its_file(tmp_path):
    from privacybot.corpus import CorpusError
    from privacybot.retrieval.bridge import load_glossary

    assert load_glossary(tmp_path / "missing.yml") == {}
    bad = tmp_path / "glossary.yml"
    bad.write_text("terms:\n  薬局: []\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="glossary.yml.*薬局"):
        load_glossary(bad)
