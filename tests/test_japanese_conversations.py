"""Japanese-speaking patients, end to end: the REST channel, Rasa's form, the action server,
the service's web chat and LINE webhook, the database and a real SMTP server on loopback."""

from __future__ import annotations

import re
import sqlite3
import uuid

import httpx
import pytest
from conftest import acknowledgment_in, confirm_by_link

from tests.test_handoff import Patient
from tests.test_line import event, wait_for_reply

REFERENCE = re.compile(r"PR-\d{4}-\d{6}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NAME = "山田 花子"
DESCRIPTION = "引っ越すことになったので、登録されている私の連絡先と個人情報を削除してください。"


def rows(database_file, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(f"file:{database_file}?mode=ro", uri=True) as connection:
        return connection.execute(sql, args).fetchall()


def test_a_japanese_deletion_request_is_handed_over_in_japanese(
    rest, clinic_inbox, settings, wait_for, desk_database_file
):
    patient = Patient(rest)
    intro = patient.says("カルテの情報を削除してほしいです")
    assert intro.payload["outcome"] == "request" and intro.payload["language"] == "ja"
    assert "キャンセル" in intro.texts[0] and "医療情報は入力しないでください" in intro.texts[0]
    assert "お名前を教えてください" in intro.texts[-1]  # the kind was read from the words
    assert "メールアドレス" in patient.says(NAME).texts[-1]
    # A full-width address, as a Japanese keyboard types it, is accepted.
    assert "電話" in patient.says("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ").texts[-1]
    on_behalf = patient.says("スキップ")
    assert "ご自身の情報" in on_behalf.texts[-1]
    assert [b["title"] for b in on_behalf.messages[-1]["buttons"]] == [
        "自分の情報",
        "別の方の情報",
    ]
    assert "簡単にお書きください" in patient.says("自分の情報").texts[-1]
    summary = patient.says(DESCRIPTION)
    read_back = summary.texts[-1]
    for shown in (
        "請求の種類: 削除",
        NAME,
        "hanako@example.jp",
        DESCRIPTION,
        "送信してよろしいですか",
    ):
        assert shown in read_back
    assert [b["title"] for b in summary.messages[-1]["buttons"]] == [
        "はい、送信します",
        "内容を変更する",
        "キャンセル",
    ]

    done = patient.says("はい")
    reference = REFERENCE.search(done.texts[-1]).group(0)
    assert "受付番号" in done.texts[-1] and str(settings.clinic.contact_email) in done.texts[-1]
    assert rows(
        desk_database_file,
        "select kind, requester_name, contact_email, description, language from data_requests "
        "where reference = ?",
        reference,
    ) == [("deletion", NAME, "hanako@example.jp", DESCRIPTION, "ja")]
    assert "確認コード" in done.texts[-1]
    acknowledgment = acknowledgment_in(clinic_inbox, reference)
    assert "削除" in acknowledgment.get_body(preferencelist=("plain",)).get_content()
    page = re.sub(r"<[^>]+>", "", confirm_by_link(clinic_inbox, reference).text)  # as read
    assert "ご請求 " + reference in page
    clinic = str(settings.clinic.contact_email)
    assert wait_for(
        lambda: any(reference in m["Subject"] and m["To"] == clinic for m in clinic_inbox.messages)
    )
    mail = next(m for m in clinic_inbox.messages if reference in m["Subject"] and m["To"] == clinic)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert NAME in body and DESCRIPTION in body
    # The clinic is told to answer in Japanese.
    assert "Language:      Japanese (the patient wrote in it: please answer in it)" in body


def test_japanese_wrong_answers_are_explained_in_japanese_and_cancel_stores_nothing(
    rest, desk_database_file
):
    patient = Patient(rest)
    patient.says("個人情報の開示をお願いします")
    patient.says("佐藤 一郎")
    bad = patient.says("satou at example")
    assert "メールアドレスの形式が正しくないようです" in bad.texts[0]
    assert "メールアドレス" in bad.texts[-1]
    before = rows(desk_database_file, "select count(*) from data_requests")
    cancelled = patient.says("キャンセル")
    assert "キャンセルしました" in cancelled.texts[-1] and "何も保存" in cancelled.texts[-1]
    assert rows(desk_database_file, "select count(*) from data_requests") == before


def test_a_field_can_be_changed_in_japanese_before_sending(rest):
    patient = Patient(rest)
    patient.says("データの利用を停止してください")
    patient.says(NAME)
    patient.says("hanako@example.jp")
    patient.says("090-1234-5678")
    patient.says("自分")
    read_back = patient.says("広告メールへの利用をやめてください。").texts[-1]
    assert "利用停止" in read_back and "090-1234-5678" in read_back
    again = patient.says("メールアドレスを変更したいです")
    assert "メールアドレス" in again.texts[-1]
    assert "hanako.new@example.jp" in patient.says("hanako.new@example.jp").texts[-1]
    assert "キャンセルしました" in patient.says("キャンセル").texts[-1]


def test_an_emergency_in_japanese_is_answered_with_119_even_mid_form(rest, settings):
    patient = Patient(rest)
    patient.says("苦情を申し立てたいです")
    reply = patient.says("父が倒れて意識がありません")
    assert reply.payload["outcome"] == "emergency"
    assert f"{settings.clinic.emergency_number}番" in reply.texts[0]


def test_a_japanese_question_gets_a_japanese_lead_citing_the_english_policy(rest):
    turn = Patient(rest).says("クッキーは何に使っていますか？")
    assert turn.payload["outcome"] == "answer" and turn.sections[0] == 5
    assert turn.payload["language"] == "ja"
    text = turn.texts[0]
    assert text.startswith("この点について") and "英語の原文" in text
    assert "第5項「Cookies, etc.」" in text
    assert "“The Clinic may use technologies such as cookies" in text  # quoted verbatim


@pytest.fixture()
def chat(rasa_url, settings):
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)
    yield client
    client.close()


def test_the_web_chat_answers_in_the_language_the_patient_chose(chat):
    conversation = chat.post("/chat/conversations").json()["conversation_id"]
    url = f"/chat/conversations/{conversation}/messages"
    # "IDFA" shows no language of its own: the widget's choice decides the wording.
    [reply] = chat.post(url, json={"text": "IDFA", "language": "ja"}).json()["replies"]
    assert reply["custom"]["language"] == "ja" and reply["custom"]["sections"][0] == 5
    assert JAPANESE.search(reply["text"].split("\n")[0])
    # An English question is answered in English whatever the widget says.
    [reply] = chat.post(url, json={"text": "Who can see my records?", "language": "ja"}).json()[
        "replies"
    ]
    assert reply["custom"]["language"] == "en"
    assert reply["text"].startswith(("Here is what", "Our privacy policy speaks of this"))
    refused = chat.post(url, json={"text": "hello", "language": "fr"})
    assert refused.status_code == 422 and "en, ja" in refused.text


def test_line_follows_the_language_of_the_message_through_a_japanese_request(
    rasa_url, settings, fake_line_api, sign_line, wait_for, desk_database_file
):
    client = httpx.Client(base_url=settings.services.api_url, timeout=30)
    patient = {"type": "user", "userId": "U" + uuid.uuid4().hex}

    def say(kind: str, **details) -> list[dict]:
        sent = event(kind, source=patient, **details)
        body = ('{"destination": "Ubot", "events": [' + _json(sent) + "]}").encode()
        headers = {
            "Content-Type": "application/json",
            "X-Line-Signature": sign_line(body, settings.line.channel_secret),
        }
        assert client.post("/line/webhook", content=body, headers=headers).status_code == 200
        return wait_for_reply(fake_line_api, wait_for, sent["replyToken"])["body"]["messages"]

    def tap(messages: list[dict], label: str) -> list[dict]:
        items = messages[-1]["quickReply"]["items"]
        action = next(i["action"] for i in items if i["action"]["label"] == label)
        return say("postback", postback={"data": action["data"]})

    answer = say("message", text="個人情報を消してもらうにはどうすればいいですか？")
    assert "第7項" in answer[0]["text"] and "英語の原文" in answer[0]["text"]
    kinds = tap(answer, "はい、お願いします")
    assert "どのような対応" in kinds[-1]["text"]
    name_prompt = tap(kinds, "削除")
    assert "お名前" in name_prompt[-1]["text"]
    say("message", text="鈴木 一郎")
    say("message", text="ichiro@example.jp")
    on_behalf = say("message", text="なし")
    description_prompt = tap(on_behalf, "別の方の情報")
    assert "ご関係" in description_prompt[-1]["text"]
    say("message", text="父")
    read_back = say("message", text="亡くなった父の登録情報を削除してください。")
    assert "ご本人以外の方（父）" in read_back[-1]["text"]
    done = tap(read_back, "はい、送信します")
    reference = REFERENCE.search(done[-1]["text"]).group(0)
    assert "受付番号" in done[-1]["text"]
    assert rows(
        desk_database_file,
        "select kind, requester_name, on_behalf_of, relationship_to_patient from data_requests "
        "where reference = ?",
        reference,
    ) == [("deletion", "鈴木 一郎", "other", "父")]
    client.close()


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
