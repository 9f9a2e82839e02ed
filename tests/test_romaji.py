"""Romaji to hiragana, and telling Japanese typed in romaji apart from English."""

from __future__ import annotations

import pytest

from privacybot.text.romaji import looks_like_romaji, to_hiragana, word_to_hiragana


@pytest.mark.parametrize(
    ("romaji", "kana"),
    [
        # The brief's examples.
        (
            "kojin jouhou no sakujo wo onegai shimasu",
            "こじん じょうほう の さくじょ を おねがい します",
        ),
        ("deta no sekyuriti wa daijoubu?", "でた の せきゅりち わ だいじょうぶ?"),
        ("konbanwa", "こんばんわ"),
        ("kojinjoho", "こじんじょほ"),
        # Double consonants.
        ("kitte", "きって"),
        ("gakkou", "がっこう"),
        ("zasshi", "ざっし"),
        ("kippu", "きっぷ"),
        ("matcha", "まっちゃ"),
        ("maccha", "まっちゃ"),
        ("tte", "って"),
        # ん: before a consonant, at the end, n', nn, and m before b/m/p.
        ("shinbun", "しんぶん"),
        ("shimbun", "しんぶん"),
        ("sempai", "せんぱい"),
        ("kon'ya", "こんや"),
        ("kon\u2019ya", "こんや"),
        ("konya", "こにゃ"),
        ("konnichiwa", "こんにちわ"),
        ("konnnichiha", "こんにちは"),
        ("onna", "おんな"),
        ("konnyaku", "こんにゃく"),
        ("shinnen", "しんねん"),
        ("honn", "ほん"),
        # Long vowels: spelled out as typed, macrons and circumflexes expanded.
        ("jouhou", "じょうほう"),
        ("jōhō", "じょうほう"),
        ("jôhô", "じょうほう"),
        ("johou", "じょほう"),  # what was typed: no long vowel on the first o
        ("joho", "じょほ"),
        ("Tōkyō", "とうきょう"),
        ("ōkii", "おうきい"),
        ("o\u0304kii", "おうきい"),  # decomposed macron
        ("obāsan", "おばあさん"),
        ("onēsan", "おねえさん"),
        ("kūki", "くうき"),
        ("oniisan", "おにいさん"),
        ("sensei", "せんせい"),
        ("ookii", "おおきい"),
        # A hyphen after a vowel is ー, but not before an honorific.
        ("kuki- tte nani?", "くきー って なに?"),
        ("de-ta", "でーた"),
        ("ko-hi-", "こーひー"),
        ("Tanaka-san", "たなか-さん"),
        # Hepburn, Kunrei and IME spellings agree.
        ("shi si", "し し"),
        ("chi ti", "ち ち"),
        ("tsu tu", "つ つ"),
        ("fu hu", "ふ ふ"),
        ("ji zi", "じ じ"),
        ("sha sya", "しゃ しゃ"),
        ("cha tya cya", "ちゃ ちゃ ちゃ"),
        ("ja jya zya", "じゃ じゃ じゃ"),
        ("shu syu chu tyu ju zyu jo zyo", "しゅ しゅ ちゅ ちゅ じゅ じゅ じょ じょ"),
        ("fairu", "ふぁいる"),
        ("xtu xya", "っ ゃ"),
        # Particles are converted as spelled.
        ("watashi wa", "わたし わ"),
        ("sore wo", "それ を"),
        ("gakkou e", "がっこう え"),
        # Case-insensitive.
        ("KONBANWA", "こんばんわ"),
        ("Sumimasen", "すみません"),
        ("ÔSAKA", "おうさか"),
    ],
)
def test_to_hiragana(romaji, kana):
    assert to_hiragana(romaji) == kana


@pytest.mark.parametrize(
    ("text", "converted"),
    [
        ("IDFA", "IDFA"),
        ("IDFA tte nani?", "IDFA って なに?"),
        ("GDPR", "GDPR"),
        ("e-mail", "e-mail"),
        ("don't", "don't"),
        ("3ji ni yoyaku", "3じ に よやく"),
        ("tel: 090-1234-5678", "tel: 090-1234-5678"),
        ("taro@example.jp", "たろ@example.jp"),
        ("個人情報 wo sakujo", "個人情報 を さくじょ"),
        ("", ""),
        ("!!! ...", "!!! ..."),
        ("kitt", "kitt"),  # っ with nothing after it: not a whole word of romaji
        ("kon'", "こん'"),  # a quote after the word is not part of it
    ],
)
def test_non_romaji_is_kept_as_it_is(text, converted):
    assert to_hiragana(text) == converted


def test_word_to_hiragana_reports_words_that_are_not_romaji():
    assert word_to_hiragana("sakujo") == "さくじょ"
    assert word_to_hiragana("Kuki-") == "くきー"
    assert word_to_hiragana("cookie") is None
    assert word_to_hiragana("IDFA") is None
    assert word_to_hiragana("two words") is None
    assert word_to_hiragana("") is None


ROMAJI_MESSAGES = [
    "kojin jouhou no sakujo wo onegai shimasu",
    "kojin jouhou sakujo shite kudasai",
    "deta no sekyuriti wa daijoubu?",
    "kuki- tte nani?",
    "karute no kaiji wo onegai shimasu",
    "konbanwa",
    "kojinjoho",
    "sumimasen",
    "arigatou gozaimasu",
    "Onegaishimasu!",
    "watashi no deta wo keshite hoshii desu",
    "jōhō no teisei wa dekimasu ka?",
    "kurinikku wa kojin jouhou wo dare to kyouyuu shite imasu ka",
    "shinsatsu kiroku wo mitai desu",
    "meeru adoresu wo henkou shitai",
    "IDFA tte nan desu ka",
    "kojin jouhou wa anzen desu ka",
    "yoyaku no kyanseru wo shitai",
    "cookie wo sakujo shite kudasai",  # one loanword typed in English is tolerated
    "Tanaka Taro desu. karute wo misete kudasai",
    "zyouhou no sakuzyo wo onegaisimasu",  # Kunrei
    "wakarimashita",
    "byouin no denwa bangou wa nan desu ka",
    "hoken no jouhou wa doko ni aru?",
    "chotto matte kudasai",
    "sou desu ne",
    "kore wa nan desu ka",
    "mou ii",
]

ENGLISH_MESSAGES = [
    "what cookies do you use",
    "delete my data",
    "hi",
    "ok",
    "OK",
    "thanks",
    "no",
    "yes",
    "IDFA",
    "GDPR",
    "who sees my records?",
    # A name alone is not romaji speech: nothing in it is specifically Japanese.
    "Tanaka Taro",
    "taro.tanaka@example.com",
    "+81 90-1234-5678",
    "090-1234-5678",
    "Do you share my data with insurers?",
    "How long do you keep my records?",
    "Can I see my file?",
    "I want to delete my account",
    "is my data safe?",
    "are you a bot?",
    "no thanks",
    "no no no",
    "to do",
    "I see",
    "me too",
    "Please remove my email from your list",
    "why do you need my name",
    "what is the IDFA",
    "hello, is anyone there?",
    "see https://example.com/privacy",
    "",
    "   ",
    "!!!",
    "個人情報を削除してください",
    "moo dee woo",  # long-vowel folding does not turn these into particles
    "no more",
    "sushi to go",
    "made in japan",
    "I have a sore arm",
    "my name is Tanaka Taro",
]


@pytest.mark.parametrize("text", ROMAJI_MESSAGES)
def test_romaji_messages_are_recognised(text):
    assert looks_like_romaji(text)


@pytest.mark.parametrize("text", ENGLISH_MESSAGES)
def test_english_messages_are_not_romaji(text):
    assert not looks_like_romaji(text)


@pytest.mark.parametrize(
    "text",
    [
        "hai",  # a short cue alone is not enough
        "nani",
        "kojin jouhou no delete wo please",  # two English words
        "Tanaka-san",
    ],
)
def test_documented_limits(text):
    assert not looks_like_romaji(text)


def test_every_romaji_message_converts_to_kana():
    for text in ROMAJI_MESSAGES:
        kana = to_hiragana(text)
        assert any("\u3040" <= ch <= "\u309f" for ch in kana), text
