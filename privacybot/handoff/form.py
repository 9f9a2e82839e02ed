"""The request form's understanding of what the patient typed, without Rasa.

Rasa runs the form (bot/domain.yml, `request_form`); the action server's validation calls
these functions to read a kind of request out of free text, to notice "cancel", "skip" or
"change my e-mail", and to write the summary read back before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata

from privacybot.handoff.form_spec import KINDS

# Words that pick a kind of request out of "I'd like you to erase my file" as well as out of a
# button's title. Checked in this order: "stop using" before "delete", "complain" first.
KIND_WORDS = [
    ("complaint", ("complain", "complaint", "unhappy with how", "grievance")),
    (
        "stop_using",
        (
            "stop using",
            "stop use",
            "stop sending",
            "unsubscribe",
            "opt out",
            "opt-out",
            "withdraw consent",
            "no more marketing",
            "stop marketing",
            "stop contacting",
            "stop the newsletter",
            "stop emails",
            "stop_using",
        ),
    ),
    (
        "deletion",
        (
            "delete",
            "deleted",
            "deleting",
            "deletion",
            "erase",
            "remove",
            "forget me",
            "destroy",
            "wipe",
        ),
    ),
    (
        "correction",
        (
            "correct",
            "correction",
            "fix",
            "wrong",
            "mistake",
            "update",
            "change my",
            "misspelled",
            "misspelt",
        ),
    ),
    ("addition", ("add", "adding", "addition", "missing", "include")),
    (
        "disclosure",
        (
            "disclose",
            "disclosure",
            "copy",
            "access",
            "see my",
            "see what",
            "what you hold",
            "what you have",
            "send me",
            "export",
            "view my",
            "show me",
        ),
    ),
    ("other", ("other", "something else")),
]
# Japanese is written without spaces: its words are found as substrings, in the same order.
KIND_WORDS_JA = [
    ("complaint", ("苦情", "クレーム", "不満", "抗議", "申し立て", "申立")),
    (
        "stop_using",
        (
            "利用停止",
            "使用停止",
            "利用の停止",
            "使わないで",
            "使うのをやめ",
            "利用をやめ",
            "使用をやめ",
            "提供をやめ",
            "提供しないで",
            "配信停止",
            "送らないで",
            "停止",
            "撤回",
        ),
    ),
    ("deletion", ("削除", "消して", "消去", "消し", "破棄", "廃棄", "抹消")),
    ("correction", ("訂正", "修正", "間違", "誤り", "違って", "直して", "変更")),
    ("addition", ("追加", "追記", "付け加", "書き加")),
    (
        "disclosure",
        ("開示", "コピー", "見せて", "見たい", "閲覧", "写し", "取り寄せ", "確認したい"),
    ),
    ("other", ("その他", "それ以外", "ほか", "他の")),
]

CANCEL = {
    "cancel",
    "stop",
    "stop it",
    "never mind",
    "nevermind",
    "forget it",
    "quit",
    "exit",
    "abort",
    "cancel it",
    "cancel that",
    "cancel the request",
    "cancel request",
    "i changed my mind",
    "changed my mind",
    "no thanks",
    "no thank you",
    "don't send it",
    "do not send it",
    "stop the request",
    "leave it",
    "stop this",
}
SKIP = {
    "skip",
    "no",
    "none",
    "no phone",
    "no thanks",
    "n/a",
    "na",
    "-",
    "nope",
    "pass",
    "i don't have one",
    "i prefer not to",
    "prefer not to say",
    "rather not",
}
YES = {
    "yes",
    "y",
    "yes please",
    "yes, send it",
    "send it",
    "send",
    "confirm",
    "correct",
    "ok",
    "okay",
    "sure",
    "that's right",
    "that is right",
    "yep",
    "yeah",
    "go ahead",
    "submit",
    "yes send it",
    "looks good",
    "all correct",
    "right",
}
SELF = {
    "myself",
    "me",
    "for myself",
    "self",
    "mine",
    "my own",
    "for me",
    "i am",
    "my data",
    "own",
    "i am the patient",
    "me myself",
}
OTHER = {
    "someone else",
    "other",
    "for someone else",
    "another person",
    "my child",
    "my son",
    "my daughter",
    "my mother",
    "my father",
    "my parent",
    "my wife",
    "my husband",
    "a family member",
    "family member",
    "relative",
    "i'm a guardian",
    "guardian",
    "representative",
    "on behalf of someone",
    "for my child",
    "for my parent",
}

CANCEL_JA = {
    "キャンセル",
    "きゃんせる",
    "キャンセルします",
    "キャンセルで",
    "キャンセルして",
    "やめる",
    "やめます",
    "やめて",
    "やめとく",
    "やめておきます",
    "やっぱりやめます",
    "やっぱりやめる",
    "中止",
    "中止して",
    "中止します",
    "取り消し",
    "取消",
    "取り消して",
    "送らないで",
    "送らないでください",
    "もういい",
    "もういいです",
    "終了",
    "いいえ、やめます",
}
SKIP_JA = {
    "スキップ",
    "すきっぷ",
    "なし",
    "無し",
    "ない",
    "ありません",
    "不要",
    "不要です",
    "結構です",
    "電話なし",
    "電話は不要",
    "電話は不要です",
    "いいえ",
    "教えたくない",
    "答えたくない",
    "パス",
}
YES_JA = {
    "はい",
    "はーい",
    "うん",
    "ええ",
    "お願いします",
    "おねがいします",
    "よろしくお願いします",
    "お願い",
    "送信",
    "送信して",
    "送信します",
    "送信してください",
    "送って",
    "送ってください",
    "それでお願いします",
    "大丈夫です",
    "大丈夫",
    "問題ありません",
    "合っています",
    "あってます",
    "正しいです",
    "その通り",
    "その通りです",
    "そうです",
    "了解",
    "いいです",
    "いいよ",
    "ok",
    "はい、お願いします",
    "はい、送信します",
    "はい送信します",
    "はい、送信してください",
}
SELF_JA = ("自分", "本人", "私", "わたし", "僕", "ぼく", "自身")
OTHER_JA = (
    "別の方",
    "別の人",
    "家族",
    "子ども",
    "子供",
    "こども",
    "息子",
    "娘",
    "母",
    "父",
    "親",
    "夫",
    "妻",
    "代理",
    "保護者",
    "他の人",
    "ほかの人",
    "他人",
    "後見",
    "祖父",
    "祖母",
    "兄",
    "姉",
    "弟",
    "妹",
)
CHANGE_WORDS_JA = ("変更", "修正", "直し", "訂正", "違", "間違", "変え")
CHANGE_FIELDS_JA = [
    ("contact_email", ("メール", "アドレス")),
    ("requester_name", ("名前", "氏名")),
    ("phone", ("電話",)),
    ("request_description", ("内容", "説明", "詳細")),
    ("request_kind", ("種類",)),
    ("on_behalf_of", ("対象", "代理", "本人")),
]

CHANGE_FIELDS = [
    ("contact_email", ("mail", "address")),
    ("requester_name", ("name",)),
    ("phone", ("phone", "number", "tel")),
    ("request_description", ("description", "describe", "details", "text", "message")),
    ("request_kind", ("kind", "type", "request")),
    ("on_behalf_of", ("behalf", "who", "someone", "myself")),
]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return re.sub(r"\s+", " ", re.sub(r"[.!。！?？…~〜]+$", "", text)).strip()


def is_cancel(text: str) -> bool:
    return _plain(text) in CANCEL | CANCEL_JA


def is_skip(text: str) -> bool:
    return _plain(text) in SKIP | SKIP_JA


def is_yes(text: str) -> bool:
    return _plain(text) in YES | YES_JA


def kind_from_text(text: str, titles: dict[str, str] | None = None) -> str | None:
    """The kind of request in `text`; `titles` maps each button title (any language) to its
    kind, so that a button's payload is read exactly."""
    lowered = _plain(text)
    for title, kind in (titles or {}).items():
        if lowered == _plain(title):
            return kind
    if lowered in KINDS:
        return lowered
    for kind, words in KIND_WORDS:
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            return kind
    for kind, words in KIND_WORDS_JA:
        if any(word in lowered for word in words):
            return kind
    return None


def on_behalf_from_text(text: str) -> str | None:
    lowered = _plain(text)
    if lowered in SELF or lowered.startswith(("for myself", "myself", "me ")):
        return "self"
    if any(word in lowered for word in OTHER_JA):
        return "other"
    if any(word in lowered for word in SELF_JA):
        return "self"
    if lowered in OTHER or any(
        word in lowered
        for word in (
            "someone else",
            "behalf",
            "guardian",
            "my child",
            "my son",
            "my daughter",
            "my mother",
            "my father",
            "parent",
        )
    ):
        return "other"
    return None


def field_to_change(text: str) -> str | None:
    lowered = _plain(text)
    if any(word in lowered for word in CHANGE_WORDS_JA):
        for field, words in CHANGE_FIELDS_JA:
            if any(word in lowered for word in words):
                return field
    if not lowered.startswith(
        ("change", "edit", "fix", "correct", "wrong", "update", "no,", "no ")
    ):
        return None
    for field, words in CHANGE_FIELDS:
        if any(word in lowered for word in words):
            return field
    return None
