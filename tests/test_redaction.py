"""The redactor: recall on the labelled set, form values, properties on arbitrary text, logging."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from privacybot.privacy.checks import luhn_valid
from privacybot.privacy.redaction import (
    WITHHELD,
    Finding,
    RedactingFilter,
    get_redactor,
    redact,
)
from privacybot.privacy.redaction_eval import evaluate_redaction, format_recall_table

LABELLED_SET = Path(__file__).parent / "redaction_set.yml"
# People's names typed anywhere, and the recall each labelled set must keep: the development
# set, and a second set measured blind once (86.0%) and then read, so no longer blind.
NAME_SETS = {
    "name_redaction_set.yml": 0.99,
    "name_redaction_holdout.yml": 0.97,
}
KINDS = {"EMAIL", "PHONE", "MY_NUMBER", "POSTAL_CODE", "DATE_OF_BIRTH", "CARD_NUMBER", "IP_ADDRESS"}
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


@pytest.fixture(scope="module")
def labelled_set() -> list[dict]:
    return yaml.safe_load(LABELLED_SET.read_text(encoding="utf-8"))


# --- the labelled set ---------------------------------------------------------------------------


def test_labelled_set_is_large_varied_and_consistent(labelled_set):
    assert len(labelled_set) >= 320
    assert sum(1 for item in labelled_set if not item["pii"]) >= 100
    kinds = {kind for item in labelled_set for kind, _ in item["pii"]}
    assert kinds == KINDS
    for item in labelled_set:
        for kind, substring in item["pii"]:
            assert substring in item["text"], (kind, substring)
    japanese = [
        item for item in labelled_set if any("\u3040" <= c <= "\u9fff" for c in item["text"])
    ]
    japanese_kinds = {kind for item in japanese for kind, _ in item["pii"]}
    assert japanese_kinds == KINDS
    assert sum(1 for item in japanese if not item["pii"]) >= 30


def test_recall_on_labelled_set_and_no_ordinary_question_altered(labelled_set, redactor):
    result = evaluate_redaction(labelled_set, redactor)
    print("\n" + format_recall_table(result))
    for miss in result["missed"]:
        print(f"missed {miss['kind']} {miss['substring']!r} in {miss['redacted']!r}")
    assert result["recall"] >= 0.99
    assert result["ordinary_altered"] == []


@pytest.mark.parametrize(("name", "floor"), NAME_SETS.items())
def test_names_typed_anywhere_are_redacted_and_ordinary_messages_left_alone(name, floor, redactor):
    items = yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))
    assert len(items) >= 100
    japanese = [item for item in items if any("\u3040" <= c <= "\u9fff" for c in item["text"])]
    assert sum(len(item["pii"]) for item in japanese) >= 40
    assert sum(1 for item in items if not item["pii"]) >= 40
    for item in items:
        for kind, substring in item["pii"]:
            assert kind == "NAME" and substring in item["text"], (kind, substring)
    result = evaluate_redaction(items, redactor)
    print("\n" + format_recall_table(result))
    for miss in result["missed"]:
        print(f"missed {miss['substring']!r} in {miss['redacted']!r}")
    assert result["recall"] >= floor
    assert result["ordinary_altered"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, I'm Tanaka Yui, who reads this?", "Hi, I'm [NAME], who reads this?"),
        ("my name is John Smith", "my name is [NAME]"),
        ("山田です。カルテは誰が見ますか", "[NAME]です。カルテは誰が見ますか"),
        ("娘の美咲の記録を見たい", "娘の[NAME]の記録を見たい"),
        ("Can Dr. Okafor see my file? Thanks, Ruth", "Can Dr. [NAME] see my file? Thanks, [NAME]"),
        # words that only look like a cue and a name
        ("I'm worried. May I see my file?", "I'm worried. May I see my file?"),
        ("I'm Japanese, which law applies?", "I'm Japanese, which law applies?"),
        ("急ぎです。本人です。", "急ぎです。本人です。"),
        ("マイナ保険証は使えますか", "マイナ保険証は使えますか"),
        ("松本市に住んでいます", "松本市に住んでいます"),
    ],
)
def test_a_name_is_replaced_and_the_words_around_it_kept(redactor, text, expected):
    assert redactor.redact(text) == expected


def test_names_are_found_from_many_threads_at_once(redactor):
    """Each log handler thread redacts: SudachiPy's objects must not be shared between them."""
    from concurrent.futures import ThreadPoolExecutor

    texts = ["田中と申します。I'm Owen.", "母の渡辺和子です", "this is Li Wei"] * 20
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(redactor.redact, texts))
    assert results == ["[NAME]と申します。I'm [NAME].", "母の[NAME]です", "this is [NAME]"] * 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("電話番号は090-1234-5678です", "電話番号は[PHONE]です"),
        ("メールはtaro@example.jpです", "メールは[EMAIL]です"),
        ("Hi, cell 080-9876-5432.", "Hi, cell [PHONE]."),
        ("〒105-0012 東京都港区", "〒[POSTAL_CODE] 東京都港区"),
        ("born 1985-04-12", "born [DATE_OF_BIRTH]"),
        ("card 4111-1111-1111-1111!", "card [CARD_NUMBER]!"),
        ("card 4111-1111-1111-1112!", "card 4111-1111-1111-1112!"),  # fails the Luhn check
        ("(03-1234-5678)", "([PHONE])"),
        ("", ""),
    ],
)
def test_redaction_replaces_only_the_personal_data(redactor, text, expected):
    assert redactor.redact(text) == expected


def test_find_reports_kinds_and_offsets_of_the_original_text(redactor):
    text = "携帯：０９０－１２３４－５６７８ mail a@example.com"
    findings = redactor.find(text)
    assert findings == [
        Finding("PHONE", 3, 16),
        Finding("EMAIL", 22, 35),
    ]
    assert [text[f.start : f.end] for f in findings] == [
        "０９０－１２３４－５６７８",
        "a@example.com",
    ]


LONG_MESSAGE = (
    "Hello, my name is Tanaka Hiroshi and I have been a patient at your clinic since last year. "
    "I received a letter about the new privacy policy and have questions the website did not "
    "answer. Which of my records do you keep, and for how long? The policy says five years for "
    "medical records, but what about the appointment history, the questionnaire from my first "
    "visit and the photo of my insurance card? Please send a copy of everything to "
    "hiroshi.tanaka@example.jp or call me on 090-1234-5678 in the evening. My date of birth is "
    "wrong in the booking system: I was born on 1979-03-14. Do you share anything with insurers "
    "or pharmacies, and do the cookies on your website show advertising? "
) * 4
LONG_MESSAGE_JA = (
    "いつもお世話になっております。田中と申します。昨年からそちらのクリニックに通院しております。"
    "個人情報の取り扱いについてのお知らせを受け取りましたが、分からない点があります。"
    "どの記録をどのくらいの期間保存しているのか教えてください。カルテは五年と書いてありますが、"
    "予約の履歴や問診票、受付で撮影した保険証の写真はどうなりますか。私に関する情報の開示を請求します。"
    "結果はメール（hiroshi.tanaka@example.jp）で送っていただくか、夜に０９０－１２３４－５６７８まで"
    "お電話ください。予約システムの生年月日が間違っています。正しくは昭和54年3月14日です。"
    "保険会社や薬局に情報を提供していますか。自宅への郵送はしないでください。"
) * 6


def test_the_redactor_is_built_once_per_process():
    assert get_redactor() is get_redactor()


# --- values typed into the request form ---------------------------------------------------------


def test_known_form_values_are_replaced_wherever_they_occur(redactor):
    known = {
        "NAME": "Yamada Taro",
        "EMAIL": "Taro.Yamada@example.jp",
        "PHONE": "090-1234-5678",
        "DESCRIPTION": "Please send me the X-ray from my knee operation",
    }
    text = (
        "Request from yamada  TARO: please send me the X-ray\nfrom my knee operation. "
        "Reply to taro.yamada@EXAMPLE.jp (Yamada Taro)"
    )
    assert redactor.redact(text, known) == (
        "Request from [NAME]: [DESCRIPTION]. Reply to [EMAIL] ([NAME])"
    )


def test_a_japanese_name_is_found_with_or_without_the_space(redactor):
    known = {"NAME": "山田 太郎"}
    text = "山田太郎様と山田　太郎様は同じ方です"
    assert redactor.redact(text, known) == "[NAME]様と[NAME]様は同じ方です"


def test_known_values_match_whole_words_and_ignore_empty_values(redactor):
    known = {"name": "Ken", "relationship": "", "other": None, "x": "a"}
    assert redactor.redact("Ken asked about tokens; Kent is someone else", known) == (
        "[NAME] asked about tokens; Kent is someone else"
    )


def test_placeholders_are_not_redacted_again(redactor):
    known = {"DESCRIPTION": "email"}
    once = redactor.redact("my email is a@example.com", known)
    assert once == "my [DESCRIPTION] is [EMAIL]"
    assert redactor.redact(once, known) == once


def test_a_failure_withholds_the_text(monkeypatch, redactor):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(redactor, "find", broken)
    assert redactor.redact("a@example.com") == WITHHELD


# --- properties ---------------------------------------------------------------------------------

WORDS = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12)
SENTENCE = st.lists(WORDS, max_size=6).map(" ".join)
LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)


def digit_string(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


@st.composite
def emails(draw) -> tuple[str, str]:
    parts = draw(st.lists(LABEL, min_size=1, max_size=3))
    local = parts[0] + "".join(draw(st.sampled_from(".-_+")) + part for part in parts[1:])
    domain = ".".join(draw(st.lists(LABEL, min_size=1, max_size=3)))
    tld = draw(st.sampled_from(["jp", "com", "co.jp", "ne.jp", "org", "net", "io", "de"]))
    address = f"{local}@{domain}.{tld}"
    return "EMAIL", address.upper() if draw(st.booleans()) else address


@st.composite
def phones(draw) -> tuple[str, str]:
    sep = draw(st.sampled_from(["-", " ", ""]))
    mobile = f"0{draw(st.sampled_from('789'))}0"
    number = draw(
        st.sampled_from(
            [
                f"{mobile}{sep}{draw(digit_string(4))}{sep}{draw(digit_string(4))}",
                f"03{sep}{draw(digit_string(4))}{sep}{draw(digit_string(4))}",
                f"0{draw(digit_string(3))}{sep}{draw(digit_string(2))}{sep}{draw(digit_string(4))}",
                f"+81 {mobile[1:]}-{draw(digit_string(4))}-{draw(digit_string(4))}",
                f"+1 {draw(st.sampled_from('23456789'))}{draw(digit_string(2))} "
                f"{draw(digit_string(3))} {draw(digit_string(4))}",
                f"0120-{draw(digit_string(3))}-{draw(digit_string(3))}",
            ]
        )
    )
    return "PHONE", number


@st.composite
def card_numbers(draw) -> tuple[str, str]:
    length = draw(st.sampled_from([13, 15, 16, 19]))
    body = draw(st.sampled_from("3456")) + draw(digit_string(length - 2))
    number = next(body + check for check in "0123456789" if luhn_valid(body + check))
    if length == 16 and draw(st.booleans()):
        separator = draw(st.sampled_from([" ", "-"]))
        number = separator.join(number[i : i + 4] for i in range(0, 16, 4))
    return "CARD_NUMBER", number


@PROPERTY_SETTINGS
@given(st.text(max_size=200))
@example("+81 3 1234 5678 0120")
@example("[EMAIL]@x.jp")
@example("1 1234 5678 9012 3")
@example("090-1234-5678-1234-5678 〒105-0012-3456")
@example("Hi, I'm Tanaka Yui. 山田です。娘の美咲 - Tom")
@example("my name is [NAME] Smith, this is [NAME] here")
def test_redact_never_raises_and_is_idempotent(text):
    redactor = get_redactor()
    redactor.find(text)  # the unguarded path must not raise either
    once = redactor.redact(text)
    assert once != WITHHELD or text == WITHHELD
    assert redactor.redact(once) == once


@PROPERTY_SETTINGS
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet="0123456789 -./:+()@年月日生〒", max_size=40),
)
def test_redact_is_idempotent_on_number_heavy_text(prefix, numbers):
    redactor = get_redactor()
    once = redactor.redact(prefix + numbers)
    assert redactor.redact(once) == once


@PROPERTY_SETTINGS
@given(SENTENCE, st.one_of(emails(), phones(), card_numbers()), SENTENCE)
def test_generated_personal_data_in_any_words_is_removed(before, personal, after):
    kind, value = personal
    redacted = get_redactor().redact(f"{before} {value} {after}")
    assert value not in redacted
    assert f"[{kind}]" in redacted


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=200))
def test_text_of_letters_and_spaces_is_unchanged(text):
    assert get_redactor().redact(text) == text


# --- logging ------------------------------------------------------------------------------------


def test_the_logging_filter_removes_personal_data_from_records():
    stream_records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            stream_records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test_redaction.filter")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("reply to %s failed", "hanako@example.jp")
        try:
            raise ValueError("bad address taro@example.jp")
        except ValueError:
            logger.exception("could not send to 090-1234-5678")
    finally:
        logger.removeHandler(handler)
    assert stream_records[0] == "WARNING reply to [EMAIL] failed"
    assert "taro@example.jp" not in stream_records[1]
    assert "090-1234-5678" not in stream_records[1]
    assert "ValueError: bad address [EMAIL]" in stream_records[1]


def test_module_level_redact_uses_the_shared_redactor():
    assert redact("mail a@example.com") == "mail [EMAIL]"
