"""Replies cut to LINE's limits: 5 messages, 5,000 UTF-16 units a text, 13 quick replies."""

from __future__ import annotations

import re

from privacybot.line.messages import line_messages, split_text, utf16_units

NOTE = "(The rest is too long for LINE.)"


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_utf16_units_count_an_emoji_outside_the_basic_plane_twice():
    assert utf16_units("abc") == 3
    assert utf16_units("個人情報") == 4
    assert utf16_units("🙂") == 2


def test_a_9000_character_answer_is_split_at_sentence_boundaries_and_loses_nothing():
    sentence = "The clinic keeps your records safe and uses them only for your care. "
    text = sentence * 132  # about 9,000 characters
    assert 8900 < len(text) < 9200
    pieces = split_text(text)
    assert len(pieces) == 2
    assert all(utf16_units(p) <= 5000 for p in pieces)
    assert all(p.endswith("care.") for p in pieces)
    assert words(" ".join(pieces)) == words(text)


def test_bullets_stay_whole_when_a_list_is_split():
    bullets = "\n".join(
        f"- Item {i}: the clinic may share data with provider {i}." for i in range(200)
    )
    pieces = split_text(bullets, limit=1000)
    assert len(pieces) > 1
    for piece in pieces:
        assert all(line.startswith("- Item") and line.endswith(".") for line in piece.splitlines())


def test_emoji_text_is_measured_as_line_measures_it():
    text = "🙂" * 3000  # 3,000 characters but 6,000 UTF-16 units
    pieces = split_text(text)
    assert len(pieces) == 2
    assert all(utf16_units(p) <= 5000 for p in pieces)
    assert "".join(pieces) == text


def test_more_than_five_messages_end_with_a_note_instead_of_the_rest():
    replies = [{"text": "Sentence number one is here. " * 600} for _ in range(4)]
    messages = line_messages(replies, NOTE)
    assert len(messages) == 5
    assert all(utf16_units(m.text) <= 5000 for m in messages)
    assert messages[-1].text.endswith(NOTE)


def test_buttons_become_at_most_13_quick_replies_with_short_labels():
    buttons = [
        {"title": f"A rather long request choice {i}", "payload": f"choice {i}"} for i in range(15)
    ]
    [message] = line_messages([{"text": "Choose one", "buttons": buttons}], NOTE)
    items = message.quick_reply.items
    assert len(items) == 13
    assert all(len(item.action.label) <= 20 for item in items)
    assert items[0].action.data == "choice 0"
    assert items[0].action.display_text == "A rather long request choice 0"


def test_an_empty_reply_sends_nothing():
    assert line_messages([{"text": ""}], NOTE) == []
