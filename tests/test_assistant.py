"""What a patient gets, decided in-process (the same code the action server runs)."""

from __future__ import annotations

import pytest

from privacybot.replies import Outcome


def quoted_passages(reply):
    return [p["text"] for c in reply.citations for p in c.passages]


def test_cookie_question_quotes_section_5_verbatim_with_citation_and_version(assistant, policy):
    reply = assistant.respond("What cookies do you use?")
    assert reply.outcome == Outcome.ANSWER
    assert reply.sections[0] == 5
    assert "Section 5 (Cookies, etc.)" in reply.text
    section_texts = [p.text for p in policy.section(5).passages]
    for quoted in quoted_passages(reply):
        assert quoted in section_texts
        assert f"“{quoted}”" in reply.text
    assert policy.policy_version in reply.text
    assert reply.policy_version == policy.policy_version


def test_lead_makes_no_claim_of_its_own(assistant):
    reply = assistant.respond("who sees my records")
    lead = reply.text.splitlines()[0]
    assert lead.startswith(
        (
            "Here is what our privacy policy says about this, in Section ",
            "Our privacy policy speaks of this in more than one place: Section ",
        )
    )
    assert "“" not in lead


@pytest.mark.parametrize(
    ("question", "sections"),
    [
        ("My company paid for my checkup, does HR see the results?", {3}),
        ("Will you give my records to the police?", {4}),
        ("what counts as sensitive personal information", {1}),
        ("will I be told if the privacy policy changes", {6}),
        ("how 2 delet my info", {7}),
        ("where do I send a request to correct my data", {7}),
        ("how do you keep my data safe from leaks", {2}),
    ],
)
def test_policy_questions_cite_the_matching_section(assistant, question, sections):
    reply = assistant.respond(question)
    assert reply.outcome == Outcome.ANSWER, reply
    assert reply.sections[0] in sections


@pytest.mark.parametrize(
    "question",
    [
        "How long do you keep my data?",
        "Do you transfer my data abroad?",
        "Is my data used to train AI?",
        "Are you HIPAA compliant?",
    ],
)
def test_questions_the_policy_does_not_cover_are_declined_honestly(assistant, settings, question):
    reply = assistant.respond(question)
    assert reply.outcome == Outcome.NOT_COVERED
    assert reply.citations == [] and "“" not in reply.text
    assert "does not say" in reply.text
    assert str(settings.clinic.contact_email) in reply.text


@pytest.mark.parametrize(
    "message",
    [
        "please delete my data",
        "send me what you hold on me",
        "I want to complain about how my data was handled",
        "can you delete everything you hold on me",
        "correct my address in your records please, what I gave before is wrong",
    ],
)
def test_requests_are_recognised_as_requests(assistant, settings, message):
    reply = assistant.respond(message)
    assert reply.outcome == Outcome.REQUEST
    assert str(settings.clinic.contact_email) in reply.text


@pytest.mark.parametrize(
    "message",
    [
        "what kind of things do you hold on me apart from my medical history",
        "my records were shared with my employer without asking, what are my options",
        "which address do i use to write to you about my records",
    ],
)
def test_a_question_word_makes_a_question_not_a_request(assistant, message):
    """No question mark, words of a request in it ("records", "shared"): asked with a
    question word, it is answered, not taken for a request to pass on."""
    reply = assistant.respond(message)
    assert reply.outcome != Outcome.REQUEST, reply.text


@pytest.mark.parametrize(
    "message",
    [
        "chest pain and can't breathe",
        "I'm thinking about killing myself",
        "my son drank bleach",
        "someone collapsed in the street",
        "please delete my data, my dad just collapsed and isn't breathing",
        "there's a man in the hallway with a knife, please help",
        "my husband is beating me and I can't get out",
    ],
)
def test_emergencies_get_the_emergency_number_first(assistant, settings, message):
    reply = assistant.respond(message)
    assert reply.outcome == Outcome.EMERGENCY
    assert reply.text.startswith(
        "If this is an emergency, call " + settings.clinic.emergency_number
    )


@pytest.mark.parametrize(
    "message",
    [
        "Can I book an appointment for Tuesday?",
        "How much does a health check cost?",
        "what are your opening hours",
        "Should I take ibuprofen for my headache?",
    ],
)
def test_bookings_prices_hours_and_medical_advice_are_redirected(assistant, message):
    reply = assistant.respond(message)
    assert reply.outcome == Outcome.OUT_OF_SCOPE
    assert "contact the clinic" in reply.text


@pytest.mark.parametrize(
    ("message", "intent"),
    [("hello", "greet"), ("thanks!", "thank"), ("are you a bot?", "bot_challenge")],
)
def test_smalltalk_is_short_and_honest(assistant, message, intent):
    reply = assistant.respond(message)
    assert reply.outcome == Outcome.SMALLTALK and reply.intent == intent
    if intent == "bot_challenge":
        assert "automated assistant" in reply.text


@pytest.mark.parametrize("message", ["", "   \n\t ", None])
def test_empty_message_gets_a_prompt(assistant, message):
    reply = assistant.respond(message)
    assert reply.outcome == Outcome.FALLBACK
    assert "empty" in reply.text


@pytest.mark.parametrize(
    "message",
    [
        "x" * 20_000,
        "🙂🙂🙂",
        "個人情報は誰が見ますか？",
        "<script>alert(1)</script>",
        "' OR 1=1; --",
        "\x00\x07control",
    ],
)
def test_odd_input_gets_a_sensible_reply(assistant, message):
    reply = assistant.respond(message)
    assert reply.text
    assert reply.outcome in set(Outcome)
    assert reply.outcome != Outcome.ANSWER or reply.sections


def test_payload_carries_what_channels_and_staff_need(assistant):
    payload = assistant.respond("what cookies do you use").payload()
    assert payload["outcome"] == "answer"
    assert payload["sections"][0] == 5 and all(isinstance(s, int) for s in payload["sections"])
    assert len(payload["scores"]) == len(payload["sections"])
    assert payload["citations"][0]["label"] == "Section 5 (Cookies, etc.)"
    assert payload["policy_version"]


def test_real_wording_questions_are_answered_above_the_floor(assistant):
    """tests/sakura_real_wording_questions.yml: 150 questions worded as the public asks about
    privacy (written by a helper who saw only the policy, in the style of crowd-sourced sets);
    76.7% on 2026-12-02 (docs/benchmarks.md), the floor a little under it."""
    from privacybot.evaluation import evaluate, load_questions, summarise
    from privacybot.settings import PROJECT_ROOT

    questions = load_questions(PROJECT_ROOT / "tests" / "sakura_real_wording_questions.yml")
    summary = summarise(evaluate(questions, lambda q: assistant.respond(q).payload()))
    assert summary["accuracy"] >= 0.75, summary


def test_a_confirmation_code_is_taken_for_a_code_whatever_its_digits(assistant):
    """Six random digits once read as an emergency by the classifiers; while a code is awaited
    a code is a code, and only an emergency phrase around it makes it an emergency."""
    import random

    from privacybot.dialogue.context import Turn
    from privacybot.replies.reply import NextStep

    waiting = Turn(awaiting_confirmation="PR-2026-123456")
    draw = random.Random(20261203)
    for _ in range(200):
        code = f"{draw.randrange(1_000_000):06d}"
        for typed in (code, f"the code is {code[:3]} {code[3:]}", f"コードは{code}です"):
            reply = assistant.respond(typed, None, None, waiting)
            assert reply.next_step == NextStep.CONFIRM_CODE, typed
    emergency = assistant.respond("my code is 123456 and I can't breathe", None, "en", waiting)
    assert emergency.outcome == Outcome.EMERGENCY
    # Not awaiting a code, digits are not a code.
    assert assistant.respond("123456", None, "en", Turn()).next_step != NextStep.CONFIRM_CODE
