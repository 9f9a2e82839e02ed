"""Words that confirm what a message is, per language, where an intent's classifier is not
enough on its own: "forget this conversation" must speak of the chat (so that "delete my data"
stays a request), and a status question needs a reference or a word about progress."""

from __future__ import annotations

import re
import unicodedata

CHAT_WORDS = {
    "en": re.compile(
        r"\b(conversation|chat|chats|messages?|history|transcript|thread|log|typed|said)\b", re.I
    ),
    "ja": re.compile(
        r"会話|チャット|ﾁｬｯﾄ|トーク|履歴|やりとり|やり取り|メッセージ|ログ|書き込|入力した|"
        r"送った|話した|このline|kaiwa|chatto|rireki"
    ),
}
# Japanese asks about the chat too ("このチャットの内容って保存されてますか？", a policy question):
# forgetting it needs a word for deleting as well.
DELETE_WORDS = {
    "en": None,
    "ja": re.compile(r"消|削除|忘れ|クリア|リセット|破棄|なかったこと|けして|sakujo|keshite"),
}
STATUS_WORDS = {
    "en": re.compile(r"\b(status|progress|update on|track|handled|processed|done)\b", re.I),
    "ja": re.compile(
        r"状況|進捗|進み|どうなって|どうなり|どうなった|まだ|受付|受け付け|処理|返事|返信|"
        r"連絡が(ない|来ない|こない)|いつ(頃|ごろ)?(終わ|回答|返事|連絡)|shinchoku|joukyou"
    ),
}
# Japanese marks a request by the verb's form: an order or a wish (削除してください, 見せて,
# 止めてほしい, 申し立てます). With a kind of request in the words and no question about how,
# such a message is a request even when it reads like a policy topic.
REQUEST_FORMS = {
    "en": None,
    "ja": re.compile(
        r"(て|で)(ください|下さい|くれ|ほしい|欲しい|もらいたい|頂きたい|いただきたい)|"
        r"(して|消して|見せて|止めて|やめて|送って|直して|教えて)[。!！]*$|"
        r"(申し立て|申立て)(ます|たい)|撤回(します|したい|いたします)|"
        r"(請求|依頼|要求|申請|希望)(します|したい|いたします|致します)|"
        r"お願い(します|いたします|致します)?[。!！]*$"
    ),
}
# A dialogue act ("yes", "no", "cancel") is a short reply: a longer message classified as one
# ("cancel my appointment tomorrow at 3") means something else.
SHORT_REPLY = {"en": 4, "ja": 12}  # words in English, characters in Japanese


def speaks_of_chat(text: str, language: str) -> bool:
    """The message is about this conversation (and, in Japanese, about deleting it)."""
    text = _normalise(text)
    deleting = DELETE_WORDS[language]
    return bool(CHAT_WORDS[language].search(text)) and (
        deleting is None or bool(deleting.search(text))
    )


def speaks_of_progress(text: str, language: str) -> bool:
    return bool(STATUS_WORDS[language].search(_normalise(text)))


def asks_for_action(text: str, language: str) -> bool:
    """Worded as an order or a wish (Japanese), rather than as a question."""
    forms = REQUEST_FORMS[language]
    return forms is not None and bool(forms.search(_normalise(text).rstrip()))


def is_short_reply(text: str, language: str) -> bool:
    if language == "ja":
        return len("".join(ch for ch in text if ch.isalnum())) <= SHORT_REPLY["ja"]
    return len(text.split()) <= SHORT_REPLY["en"]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()
