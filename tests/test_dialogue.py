"""Conversation across turns, decided in-process (the code the action server runs): a follow-up
is read against the last answer and never starts a request unless it asks the clinic to act;
questions about this chat are answered from the assistant's own notice; what is carried from
one turn to the next holds no patient words. The phrasings here are this file's own (the
evaluation sets are never copied into tests or training data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacybot.dialogue import AnswerContext, Turn
from privacybot.replies import NextStep, Outcome
from privacybot.settings import PROJECT_ROOT
from privacybot.triage.cues import CUE_DIR, CueError, LanguageCues


def converse(assistant, *messages: str, language: str | None = None):
    """Each message's reply, threading the context as the Rasa slot does."""
    replies, context, offered = [], None, False
    for message in messages:
        turn = Turn(AnswerContext.from_slot(context), handoff_offered=offered)
        reply = assistant.respond(message, language=language, turn=turn)
        language, context, offered = reply.language, reply.context, reply.offer_handoff
        replies.append(reply)
    return replies


@pytest.mark.parametrize(
    "follow_up",
    ["and my husband?", "what about my teenage daughter", "and my employer?", "also my GP?"],
)
def test_a_short_follow_up_after_an_answer_never_starts_a_request(assistant, follow_up):
    first, second = converse(
        assistant, "Can the clinic share my medical details with others?", follow_up
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome != Outcome.REQUEST
    assert second.next_step == NextStep.REPLY
    assert second.follow_up


def test_why_after_an_answer_is_answered_from_the_same_section(assistant):
    first, second = converse(assistant, "Do you hand my data to the police?", "why?")
    assert first.outcome == Outcome.ANSWER
    assert second.outcome == Outcome.ANSWER
    assert second.sections[0] == first.sections[0]


def test_a_follow_up_that_asks_the_clinic_to_act_is_a_request(assistant):
    first, second = converse(
        assistant, "How can I have my personal data erased?", "ok, please delete all of it then"
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome == Outcome.REQUEST
    assert second.next_step == NextStep.REQUEST_FORM


def test_yes_to_the_offer_after_an_answer_about_requests_starts_the_form(assistant):
    first, second = converse(assistant, "How can I have my personal data erased?", "yes")
    assert first.offer_handoff
    assert second.next_step == NextStep.REQUEST_FORM


def test_a_follow_up_with_no_previous_answer_is_no_request_and_no_crash(assistant):
    for message in ("and my kids?", "why?", "what about that?", "それは？"):
        (reply,) = converse(assistant, message)
        assert reply.outcome != Outcome.REQUEST
        assert reply.text


def test_a_forgotten_conversation_has_no_context_to_follow(assistant):
    replies = converse(assistant, "Do you use cookies?", "please forget this conversation")
    assert replies[1].outcome == Outcome.FORGET
    assert replies[1].context is None


def test_an_ellipsis_in_another_language_than_the_last_answer(assistant):
    first, second = converse(assistant, "Do you use cookies on the website?", "家族には？")
    assert first.outcome == Outcome.ANSWER
    assert second.language == "ja"
    assert second.outcome != Outcome.REQUEST


def test_the_context_keeps_only_the_policy_words_of_a_question(assistant):
    (reply,) = converse(assistant, "I'm Priyanka Venkataraman, does the clinic use cookies?")
    assert reply.context is not None
    kept = " ".join(reply.context["terms"]).lower()
    assert "priyanka" not in kept and "venkataraman" not in kept
    assert reply.context["sections"] == reply.sections[:3]


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("does anybody at the clinic read what I write in this chat?", "en"),
        ("are these messages I send kept on your servers?", "en"),
        ("このチャットでのやり取りは保存されるのでしょうか", "ja"),
    ],
)
def test_a_question_about_this_chat_is_answered_from_the_assistants_own_notice(
    assistant, settings, question, language
):
    (reply,) = converse(assistant, question)
    assert reply.outcome == Outcome.CHAT_PRIVACY
    assert reply.language == language
    assert str(settings.conversations.retention_days) in reply.text
    assert reply.citations == []  # never presented as the clinic's policy


@pytest.mark.parametrize(
    "question",
    [
        "where does whatever I enter here end up?",
        "who gets to read the stuff I send you?",
        "how would I wipe what I typed here?",  # asks how: answered, not done
        "ここで入力したことって後で誰かが読むんですか",
    ],
)
def test_a_question_about_the_chat_in_other_words_is_still_about_the_chat(assistant, question):
    (reply,) = converse(assistant, question)
    assert reply.outcome == Outcome.CHAT_PRIVACY


@pytest.mark.parametrize(
    "question",
    [
        "Will you tell me before you change this privacy policy?",
        "Do you keep my e-mail address on file?",
        "and if I say no?",  # an ellipsis with nothing before it is no chat question
    ],
)
def test_a_question_to_you_about_the_clinic_is_not_taken_for_one_about_the_chat(
    assistant, question
):
    (reply,) = converse(assistant, question)
    assert reply.outcome != Outcome.CHAT_PRIVACY


@pytest.mark.parametrize(
    ("opening", "kind_reply"),
    [
        ("I'd like to ask for something about my own data", "deletion"),
        ("自分の個人情報についてお願いがあります", "訂正です"),
    ],
)
def test_naming_the_kind_of_request_after_the_offer_starts_the_form(assistant, opening, kind_reply):
    first, second = converse(assistant, opening, kind_reply)
    assert first.offer_handoff
    assert second.outcome == Outcome.REQUEST
    assert second.next_step == NextStep.REQUEST_FORM


def test_how_long_after_a_chat_answer_is_still_about_the_chat(assistant):
    first, second = converse(assistant, "is this chat stored anywhere?", "how long?")
    assert first.outcome == second.outcome == Outcome.CHAT_PRIVACY


def test_a_greeting_with_contact_details_and_a_question_gets_the_answer(assistant):
    (reply,) = converse(
        assistant, "Hello, this is Aoife Byrne, aoife.byrne@example.org - do you use cookies?"
    )
    assert reply.outcome == Outcome.ANSWER
    assert reply.sections[0] == 5


def test_a_long_story_with_several_questions_gets_a_sensible_reply(assistant):
    story = (
        "Last spring I moved to Tokyo with my family and registered at your clinic. "
        "My employer organises the yearly health check and I am not sure who sees the results. "
        * 12
    ) + "Do you send my results to my employer? And do you use cookies? Who else sees my file?"
    (reply,) = converse(assistant, story[:2000] + " and more")
    assert reply.outcome in (Outcome.ANSWER, Outcome.NOT_COVERED)
    assert reply.next_step == NextStep.REPLY


def test_junk_in_the_context_slot_is_ignored():
    for junk in (None, "text", 3, {"outcome": 1}, {"outcome": "answer", "sections": "x"}):
        assert AnswerContext.from_slot(junk) is None
    kept = AnswerContext.from_slot({"outcome": "answer", "sections": [3, "x"], "terms": [1, "a"]})
    assert kept is not None and kept.sections == [3] and kept.terms == ["a"]


def test_a_language_without_cue_words_is_refused_with_the_file_to_write(tmp_path: Path):
    with pytest.raises(CueError, match=r"xx\.yml:0: no cue words for language 'xx'"):
        LanguageCues.load("xx", tmp_path)


def test_a_bad_pattern_in_a_cue_file_names_its_line(tmp_path: Path):
    source = (CUE_DIR / "en.yml").read_text(encoding="utf-8")
    (tmp_path / "en.yml").write_text(source.replace("how_to: >-", "how_to: '(unclosed'\nx: >-"))
    with pytest.raises(CueError, match=r"en\.yml:\d+: 'how_to' is not a valid regular"):
        LanguageCues.load("en", tmp_path)


def test_a_clinic_language_without_a_catalogue_is_refused_at_start(settings):
    from privacybot.assistant import PolicyAssistant
    from privacybot.replies.catalog import CatalogError

    clinic = settings.clinic.model_copy(update={"languages": ["en", "fr"]})
    with pytest.raises(CatalogError, match=r"messages/fr\.yml:0: no message catalogue for"):
        PolicyAssistant(settings.model_copy(update={"clinic": clinic}))


def test_a_clinic_language_without_a_reader_is_refused_with_what_to_do(tmp_path):
    from privacybot.retrieval.readers import NoReaderError, make_reader

    with pytest.raises(NoReaderError, match=r"no reader for 'fr'"):
        make_reader("fr", ["bonjour"], tmp_path)


def test_an_ellipsis_opening_a_conversation_is_no_emergency_on_rasas_vote_alone(assistant):
    """Rasa's classifier once took "and if I refuse?" for an emergency: an ellipsis is never
    one on a ranking alone, while an emergency in the same form still is."""
    rasa_says_emergency = {"emergency": 0.9, "ask_policy": 0.1}
    reply = assistant.respond("and if I refuse?", rasa_intents=rasa_says_emergency, turn=Turn())
    assert reply.outcome != Outcome.EMERGENCY
    urgent = assistant.respond(
        "and now I can't breathe", rasa_intents=rasa_says_emergency, turn=Turn()
    )
    assert urgent.outcome == Outcome.EMERGENCY


def test_a_follow_up_naming_only_a_family_member_is_no_emergency(assistant):
    first, second, third = converse(
        assistant,
        "Who is allowed to look at my chart?",
        "what about my baby?",
        "and my baby is not breathing",
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome != Outcome.EMERGENCY
    assert third.outcome == Outcome.EMERGENCY  # its phrase still counts mid-conversation


@pytest.mark.parametrize(
    "question, whom, language",
    [
        (
            "Do you run my photos through facial recognition?",
            "who should I write to about that?",
            "en",
        ),
        ("顔認証に私の写真を使っていますか？", "それはどこに相談すればいいですか", "ja"),
    ],
)
def test_asking_whom_to_contact_is_answered_from_the_contact_section(
    assistant, question, whom, language
):
    first, second = converse(assistant, question, whom, language=language)
    assert first.outcome == Outcome.NOT_COVERED
    assert second.outcome == Outcome.ANSWER
    assert second.sections[0] == assistant.by_language[language].contact_sections[0]


def test_a_follow_up_about_a_topic_the_policy_never_mentions_is_declined(assistant):
    first, second = converse(
        assistant,
        "What is meant by sensitive personal information?",
        "how many years do you hold on to it",
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome == Outcome.NOT_COVERED


def test_a_request_asked_as_a_question_after_an_answer_is_offered_not_started(assistant):
    first, second = converse(
        assistant, "How can I have my personal data erased?", "thanks, and can you erase mine too?"
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome == Outcome.ANSWER
    assert second.next_step == NextStep.REPLY
    assert second.offer_handoff


def test_thanks_opening_a_question_is_answered_whatever_rasa_says(assistant):
    first = assistant.respond("Does my employer see my health check results?", turn=Turn())
    turn = Turn(AnswerContext.from_slot(first.context))
    second = assistant.respond(
        "thanks! and if my employer paid for the checkup?",
        rasa_intents={"thank": 0.95, "ask_policy": 0.05},
        turn=turn,
    )
    assert second.outcome in (Outcome.ANSWER, Outcome.NOT_COVERED)


@pytest.fixture(scope="module")
def second_clinic(settings):
    """Hollowbrook (policy_corpus/hollowbrook): an English policy with no question bank,
    whose contact details are spread over four sections."""
    from privacybot.assistant import PolicyAssistant
    from privacybot.benchmark import clinic_settings

    return PolicyAssistant(clinic_settings(settings, Path("policy_corpus/hollowbrook"), ["en"]))


def test_the_sections_that_give_contact_details_are_found_in_the_text():
    from privacybot.corpus import load_policy

    sakura = load_policy(PROJECT_ROOT / "policy_corpus/sakura/en/policy.md")
    assert sakura.contact_detail_sections == [
        s.number for s in sakura.sections if "info@" in s.text
    ]
    hollowbrook = load_policy(PROJECT_ROOT / "policy_corpus/hollowbrook/en/policy.md")
    titles = [hollowbrook.section(n).title for n in hollowbrook.contact_detail_sections]
    assert "Data Protection Officer" in titles and "Complaints" in titles
    assert "How long we keep your information" not in titles  # dates and years are no number
    from privacybot.corpus import Passage, Section

    def section(text: str) -> Section:
        return Section(1, "窓口", 1, (Passage("1-1", 1, text, (), 1),))

    assert section("お電話：０３−１２３４−５６７８（平日９時〜）").gives_contact_details
    assert section("TEL (541) 555-0142").gives_contact_details
    assert not section("制定 2024年10月1日、改定 2025-04-01").gives_contact_details


@pytest.mark.parametrize(
    "question, ask",
    [
        ("Is there a data protection officer?", "what's their phone number?"),
        ("How do I complain about how my data was handled?", "and a number for the commissioner?"),
    ],
)
def test_asking_for_a_number_after_an_answer_quotes_the_section_that_gives_it(
    second_clinic, question, ask
):
    first, second = converse(second_clinic, question, ask)
    assert second.outcome == Outcome.ANSWER
    assert second.sections[0] == first.sections[0]
    assert second.sections[0] in second_clinic.policy.contact_detail_sections


def test_asking_for_an_address_elsewhere_quotes_a_section_that_gives_one(assistant):
    first, second = converse(
        assistant, "What do you use my personal information for?", "what's your email address?"
    )
    assert second.outcome == Outcome.ANSWER
    assert second.sections[0] in assistant.policy.contact_detail_sections
    assert second.sections[0] != first.sections[0]
    assert "@" in " ".join(p["text"] for p in second.citations[0].passages)


def test_a_question_that_points_back_continues_the_section_it_points_to(second_clinic):
    first, second = converse(
        second_clinic,
        "Which suppliers process my information for you?",
        "are they allowed to use it for their own business?",
    )
    assert first.outcome == second.outcome == Outcome.ANSWER
    assert second.sections[0] == first.sections[0]


@pytest.mark.parametrize(
    "question, follow_up, language",
    [
        ("is this chat saved anywhere?", "and do the nurses get to read it?", "en"),
        ("このチャットの内容って保存されますか？", "それって誰が読むの？", "ja"),
    ],
)
def test_a_follow_up_pointing_at_the_chat_is_answered_from_the_chat_notice(
    assistant, question, follow_up, language
):
    first, second = converse(assistant, question, follow_up, language=language)
    assert first.outcome == second.outcome == Outcome.CHAT_PRIVACY


def test_a_new_question_after_the_chat_notice_is_answered_from_the_policy(assistant):
    *_, third = converse(
        assistant,
        "is this chat saved anywhere?",
        "and do the nurses get to read it?",
        "good. what happens if there is a data leak at the clinic?",
    )
    assert third.outcome == Outcome.ANSWER  # "there is" points at nothing said before


def test_thanks_and_goodbye_after_an_answer_is_small_talk(assistant):
    first, second = converse(
        assistant,
        "How do I ask you to disclose the personal data you hold on me?",
        "ok thanks a lot, goodbye",
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome == Outcome.SMALLTALK


@pytest.mark.parametrize("go_ahead", ["ok pls start one for me", "go ahead", "それでお願いします"])
def test_going_ahead_after_the_offer_starts_the_form(assistant, go_ahead):
    first, second = converse(
        assistant, "How do I ask you to disclose the personal data you hold on me?", go_ahead
    )
    assert first.offer_handoff
    assert second.outcome == Outcome.REQUEST
    assert second.next_step == NextStep.REQUEST_FORM


def test_asking_to_take_a_wrong_detail_off_the_file_is_a_request(assistant):
    first, second = converse(
        assistant,
        "What rights do I have over my data?",
        "ok then please take my old address off my file, it's wrong",
    )
    assert second.outcome == Outcome.REQUEST
    assert second.next_step == NextStep.REQUEST_FORM


@pytest.mark.parametrize("typed", ["なら このかいわ わすれて", "このちゃっと けして"])
def test_forgetting_the_chat_typed_in_kana_forgets_it(assistant, typed):
    first, second = converse(assistant, "会話って保存されるの？", typed, language="ja")
    assert first.outcome == Outcome.CHAT_PRIVACY
    assert second.outcome == Outcome.FORGET


def test_asking_for_the_telephone_number_in_kana_quotes_the_contact_section(assistant):
    first, second = converse(
        assistant, "個人情報の利用目的は？", "でんわばんごう おしえて", language="ja"
    )
    assert second.outcome == Outcome.ANSWER
    assert second.sections[0] in assistant.policy.contact_detail_sections


def test_asking_whether_the_answer_is_the_same_for_someone_else_is_no_emergency(assistant):
    first, second = converse(
        assistant, "Would my wife be told about my test results?", "is that the same for my son?"
    )
    assert first.outcome == Outcome.ANSWER
    assert second.outcome != Outcome.EMERGENCY


def test_an_order_to_forget_what_was_said_here_forgets_the_chat(assistant):
    reply = assistant.respond("forget everything I typed in here just now please", turn=Turn())
    assert reply.outcome == Outcome.FORGET
    # ...but an order that names the patient's data is a request, and a question a question.
    assert assistant.respond("please wipe my medical history", turn=Turn()).outcome == (
        Outcome.REQUEST
    )
    assert assistant.respond("why cant you wipe my medical history", turn=Turn()).outcome != (
        Outcome.FORGET
    )


@pytest.mark.parametrize(
    "follow_up, about_chat",
    [
        ("does this end up in my medical file", True),
        ("and my own medical records, how long are those kept?", False),
    ],
)
def test_after_the_chat_notice_the_patients_records_are_the_policys(
    assistant, follow_up, about_chat
):
    first, second = converse(assistant, "is this chat saved anywhere?", follow_up)
    assert first.outcome == Outcome.CHAT_PRIVACY
    assert (second.outcome == Outcome.CHAT_PRIVACY) == about_chat


def test_telling_the_clinic_to_make_them_stop_is_a_request(assistant):
    first, second = converse(
        assistant, "Do you send my details to marketing companies?", "tell them to stop emailing me"
    )
    assert second.outcome == Outcome.REQUEST


def test_a_question_after_a_greeting_and_a_name_is_answered_not_taken_for_a_request(assistant):
    reply = assistant.respond(
        "hi I'm Ana Silva, can my son collect my test results for me", turn=Turn()
    )
    assert reply.outcome != Outcome.REQUEST


def test_a_question_about_sharing_with_the_ambulance_service_is_not_taken_for_an_emergency(
    second_clinic,
):
    # Read as a question about the policy (which section answers it is retrieval's matter).
    reply = second_clinic.respond("does the ambulance service get to see my gp record")
    assert str(reply.outcome) in {"answer", "not_covered"}, reply.text
    called = second_clinic.respond("please call an ambulance, my dad fell and hit his head")
    assert str(called.outcome) == "emergency"
    assert second_clinic.settings.clinic.emergency_number in called.text
