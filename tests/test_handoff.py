"""Handing a request to the clinic, end to end: the REST channel, Rasa's form, the action
server, the FastAPI service, the database and a real SMTP server on loopback."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid

import pytest
from conftest import acknowledgment_in

REFERENCE = re.compile(r"PR-\d{4}-\d{6}")


class Patient:
    def __init__(self, rest) -> None:
        self.rest = rest
        self.sender = f"patient-{uuid.uuid4().hex}"

    def says(self, text: str):
        return self.rest.send(text, self.sender)


DATABASE = {}


@pytest.fixture(autouse=True)
def _database(desk_database_file):
    DATABASE["file"] = desk_database_file


def db_rows(sql: str, *args) -> list[tuple]:
    with sqlite3.connect(f"file:{DATABASE['file']}?mode=ro", uri=True) as connection:
        return connection.execute(sql, args).fetchall()


def fill_form(
    patient: Patient,
    first_message: str,
    name: str = "山田 太郎",
    email: str = "taro.yamada@example.com",
) -> str:
    """Walk the form up to the read-back; returns its text."""
    intro = patient.says(first_message)
    assert intro.payload["outcome"] == "request"
    assert 'type "cancel" at any time' in intro.texts[0]
    assert "don't type medical details" in intro.texts[0]
    assert "What name does the clinic know you by?" in intro.texts[-1]
    assert "Which e-mail" in patient.says(name).texts[-1]
    assert "phone" in patient.says(email).texts[-1]
    assert "your own information" in patient.says("skip").texts[-1]
    assert "what should the clinic do" in patient.says("Myself").texts[-1]
    summary = patient.says("Please delete everything you hold about me.").texts[-1]
    return summary


def test_a_deletion_request_ends_with_a_reference_a_stored_row_and_a_mail(
    rest, clinic_inbox, settings, wait_for
):
    patient = Patient(rest)
    summary = fill_form(patient, "please delete all my data")
    assert "Delete my data" in summary and "山田 太郎" in summary
    assert "taro.yamada@example.com" in summary and "Shall I send it" in summary

    done = patient.says("yes")
    reference = REFERENCE.search(done.texts[-1]).group(0)
    assert done.payload["reference"] == reference
    assert "follow the link in it, or type here the 6-digit code" in done.texts[-1]
    assert "within 48 hours" in done.texts[-1]
    assert str(settings.clinic.contact_email) in done.texts[-1]
    assert db_rows(
        "select kind, requester_name, status from data_requests where reference = ?", reference
    ) == [("deletion", "山田 太郎", "unconfirmed")]

    # The acknowledgment reaches the patient; the clinic hears nothing until they confirm.
    acknowledgment = acknowledgment_in(clinic_inbox, reference)
    assert acknowledgment["To"] == "taro.yamada@example.com"
    text = acknowledgment.get_body(preferencelist=("plain",)).get_content()
    code = re.search(r"code into the chat: (\d{6})", text)[1]
    assert not clinic_mails(clinic_inbox, settings, reference)
    wrong = patient.says(f"{(int(code) + 1) % 1_000_000:06d}")
    assert "doesn't match" in wrong.texts[-1]
    confirmed = patient.says(f"the code is {code[:3]} {code[3:]}")
    assert "e-mail address is confirmed" in confirmed.texts[-1] and reference in confirmed.texts[-1]
    assert db_rows("select status from data_requests where reference = ?", reference) == [
        ("received",)
    ]
    assert wait_for(lambda: clinic_mails(clinic_inbox, settings, reference))
    [mail] = clinic_mails(clinic_inbox, settings, reference)
    assert (
        "E-mail check:  confirmed by the requester"
        in mail.get_body(preferencelist=("plain",)).get_content()
    )
    # A number typed later is a message like any other, not a code.
    later = patient.says(code)
    assert "confirmed" not in later.texts[-1] or "already" in later.texts[-1]

    again = patient.says("yes")
    assert not REFERENCE.search(" ".join(again.texts)) or reference in " ".join(again.texts)
    assert db_rows("select count(*) from data_requests where reference = ?", reference) == [(1,)]
    assert len(clinic_mails(clinic_inbox, settings, reference)) == 1


def clinic_mails(inbox, settings, reference):
    clinic = str(settings.clinic.contact_email)
    return [m for m in list(inbox.messages) if reference in m["Subject"] and m["To"] == clinic]


def test_bad_answers_are_explained_and_asked_again(rest):
    patient = Patient(rest)
    patient.says("I want a copy of what you hold on me")
    patient.says("Anna Schmidt")
    bad = patient.says("anna at example dot com")
    assert "not a valid e-mail address" in bad.texts[0]
    assert "Which e-mail" in bad.texts[-1]
    patient.says("anna@example.com")
    assert "digits" in patient.says("call me").texts[0]
    patient.says("+81 90-1234-5678")
    assert "How are you related" in patient.says("someone else").texts[-1]
    assert "under 60 characters" in patient.says("a" * 100).texts[0]
    assert "what should the clinic do" in patient.says("parent").texts[-1]
    too_long = patient.says("x" * 3000)
    assert "please shorten it to 2000" in too_long.texts[0]


@pytest.mark.parametrize("word", ["cancel", "never mind", "stop"])
def test_cancelling_stores_nothing(rest, word):
    patient = Patient(rest)
    before = db_rows("select count(*) from data_requests")
    patient.says("I want to complain about how my data was handled")
    patient.says("Ken Watanabe")
    cancelled = patient.says(word)
    assert "nothing was stored or sent" in cancelled.texts[-1]
    assert db_rows("select count(*) from data_requests") == before
    assert patient.says("what cookies do you use").payload["sections"][0] == 5


def test_cancel_at_the_read_back_stores_nothing(rest):
    patient = Patient(rest)
    before = db_rows("select count(*) from data_requests")
    fill_form(patient, "please erase my records")
    assert "nothing was stored" in patient.says("Cancel").texts[-1]
    assert db_rows("select count(*) from data_requests") == before


def test_one_field_can_be_changed_before_sending(rest):
    patient = Patient(rest)
    fill_form(patient, "delete my data please")
    ask = patient.says("change e-mail")
    assert "Which e-mail" in ask.texts[-1]
    summary = patient.says("new.address@example.com").texts[-1]
    assert "new.address@example.com" in summary and "taro.yamada@example.com" not in summary
    reference = REFERENCE.search(patient.says("yes").texts[-1]).group(0)
    assert db_rows("select contact_email from data_requests where reference = ?", reference) == [
        ("new.address@example.com",)
    ]


def test_an_emergency_in_the_middle_of_the_form_is_answered_first(rest, settings):
    patient = Patient(rest)
    before = db_rows("select count(*) from data_requests")
    patient.says("please delete my data")
    reply = patient.says("my husband collapsed and is not breathing")
    assert reply.texts[0].startswith(
        f"If this is an emergency, call {settings.clinic.emergency_number}"
    )
    assert db_rows("select count(*) from data_requests") == before


def test_status_only_for_the_email_on_the_request(rest):
    patient = Patient(rest)
    fill_form(patient, "please delete my data", email="status.check@example.com")
    reference = REFERENCE.search(patient.says("yes").texts[-1]).group(0)

    stranger = Patient(rest)
    ask = stranger.says(f"what is the status of {reference}?")
    assert "e-mail address that was used" in ask.texts[-1]
    assert "couldn't find" in stranger.says("someone@example.com").texts[-1]

    owner = Patient(rest)
    owner.says(f"status of my request {reference}")
    answer = owner.says("status.check@example.com")
    assert f"Request {reference}: waiting for you to confirm it" in answer.texts[-1]

    unknown = Patient(rest)
    unknown.says("what's the status of PR-2001-000001")
    assert "couldn't find" in unknown.says("status.check@example.com").texts[-1]


def test_with_smtp_down_the_patient_still_gets_a_reference_and_the_mail_comes_later(
    rest, clinic_inbox, wait_for
):
    clinic_inbox.stop()
    try:
        patient = Patient(rest)
        fill_form(patient, "please delete my data", name="Maria Silva", email="maria@example.com")
        reference = REFERENCE.search(patient.says("yes").texts[-1]).group(0)
        assert db_rows("select count(*) from data_requests where reference = ?", reference) == [
            (1,)
        ]
        time.sleep(1.5)
        assert db_rows(
            "select o.status from outbox_mail o join data_requests r "
            "on r.id = o.request_id where r.reference = ?",
            reference,
        ) == [("pending",)]
    finally:
        clinic_inbox.start()
    # The acknowledgment, kept in the outbox, reaches the patient once, when SMTP is back.
    assert acknowledgment_in(clinic_inbox, reference)["To"] == "maria@example.com"
    time.sleep(1.5)
    assert len([m for m in clinic_inbox.messages if reference in m["Subject"]]) == 1


def test_after_a_section_7_answer_yes_starts_the_request(rest):
    patient = Patient(rest)
    answer = patient.says("how can I get my data deleted?")
    assert answer.payload["outcome"] == "answer" and answer.payload["sections"][0] == 7
    assert "pass a request to the clinic" in answer.texts[-1]
    assert answer.messages[-1]["buttons"][0]["title"] == "Yes, make a request"
    started = patient.says("Yes, make a request")
    assert started.payload["outcome"] == "request"
    assert "What would you like the clinic to do?" in started.texts[-1]
    kinds = [b["title"] for b in started.messages[-1]["buttons"]]
    assert "Delete my data" in kinds and "A complaint" in kinds


def test_an_abandoned_form_stores_nothing(rest):
    before = db_rows("select count(*) from data_requests")
    patient = Patient(rest)
    patient.says("please send me a copy of my data")
    patient.says("Sato Hanako")
    patient.says("hanako@example.com")
    # ...and the patient closes the chat here.
    assert db_rows("select count(*) from data_requests") == before


def test_a_status_question_without_a_reference_is_asked_for_it_once(rest):
    patient = Patient(rest)
    turn = patient.says("what is the status of my request?")
    assert [m for m in turn.messages if not m.get("text")] == []  # no empty message
    assert len(turn.texts) == 1
    assert "reference number" in turn.texts[0]
    assert "doesn't look like" not in turn.texts[0]


def test_a_look_alike_email_address_is_refused_in_the_chat_with_the_reason(rest):
    patient = Patient(rest)
    patient.says("please delete my data")
    patient.says("Taro Yamada")
    reply = patient.says("t\u0430ro@example.com").texts  # Cyrillic а
    assert "plain Latin letters" in reply[0] and "Which e-mail" in reply[-1]
    assert "phone" in patient.says("taro@example.com").texts[-1]  # accepted once plain


def test_the_action_log_holds_no_version_warning_per_action_call(rest):
    from privacybot.settings import PROJECT_ROOT

    for _ in range(3):
        Patient(rest).says("What cookies do you use?")
    log = (PROJECT_ROOT / "var/log/actions.log").read_text(errors="replace")
    assert "might not be compatible" not in log
