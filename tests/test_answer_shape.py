"""How an answer reads: a broad question quoted from each section its answer spans, under each
section's label, within a cap; a question the policy does not answer said plainly, with the
nearest passage only when one is close and never as the answer; the policy's version and the
contact said once per conversation, and kept in every citation."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacybot.assistant import MAX_PASSAGES, MAX_SECTIONS
from privacybot.dialogue import AnswerContext, Turn
from privacybot.replies import Outcome
from privacybot.topics import TopicsFileError, load_groups, load_topics


def test_a_broad_question_is_quoted_from_each_section_its_answer_spans(assistant, policy):
    reply = assistant.respond("Who is able to see my records?")
    assert reply.outcome == Outcome.ANSWER
    cited = [c.section for c in reply.citations]
    assert len(cited) >= 2 and len(set(cited)) == len(cited)
    assert len(cited) <= MAX_SECTIONS
    assert sum(len(c.passages) for c in reply.citations) <= MAX_PASSAGES
    for citation in reply.citations:
        assert citation.label in reply.text  # each section's quotes under its label
        texts = {p.text for p in policy.section(citation.section).passages}
        assert all(p["text"] in texts for p in citation.passages)
    assert reply.sections[: len(cited)] == cited


def test_a_narrow_question_keeps_its_one_section(assistant):
    reply = assistant.respond("Do you use cookies or web beacons on the website?")
    assert [c.section for c in reply.citations] == [5]


def test_no_quote_is_a_list_heading_alone(assistant):
    for question in ("Who is able to see my records?", "what do you use my details for"):
        for citation in assistant.respond(question).citations:
            assert not any(p["text"].rstrip().endswith(":") for p in citation.passages)


def test_an_unanswered_question_near_a_passage_says_so_before_quoting_it(assistant):
    reply = assistant.respond("Do you sell patient information to pharma companies for money?")
    assert reply.outcome == Outcome.NOT_COVERED
    assert reply.sections == []  # the nearest passage is not an answer
    lead = reply.text.splitlines()[0]
    assert "does not say" in lead
    assert len(reply.citations) == 1
    quoted = reply.citations[0].passages[0]["text"]
    assert reply.text.index(lead) < reply.text.index(quoted)


def test_an_unanswered_question_far_from_every_passage_gets_no_quote(assistant):
    reply = assistant.respond("Will my records be fed into machine learning models?")
    assert reply.outcome == Outcome.NOT_COVERED
    assert reply.citations == []


def test_the_version_and_contact_are_said_once_per_conversation(assistant, policy):
    first = assistant.respond("Do you use cookies on the website?")
    turn = Turn(AnswerContext.from_slot(first.context), shown_version=first.shown_version)
    second = assistant.respond("Will you give my file to the police?", turn=turn)
    version = policy.policy_version
    assert version in first.text
    assert version not in second.text
    assert second.policy_version == version  # still in the reply's details and citation
    assert second.outcome == Outcome.ANSWER


def test_a_changed_policy_version_is_said_again(assistant, policy):
    turn = Turn(shown_version="an older version")
    assert policy.policy_version in assistant.respond("Do you use cookies?", turn=turn).text


def test_a_group_naming_an_unknown_topic_is_refused_with_its_line(tmp_path: Path):
    groups = tmp_path / "groups.yml"
    groups.write_text(
        "groups:\n  fine:\n    topics: [cookies_tracking]\n    questions: {en: [a]}\n"
        "  broken:\n    topics: [no_such_topic]\n    questions: {en: [b]}\n"
    )
    with pytest.raises(TopicsFileError, match=r"groups\.yml:5: group 'broken'"):
        load_groups("en", load_topics("en"), groups)
