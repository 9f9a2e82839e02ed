"""Text processing and the emergency safety net, without the embedding model."""

from __future__ import annotations

import pytest

from privacybot.text import TextAnalyzer
from privacybot.triage.emergency import EmergencyDetector


@pytest.fixture(scope="module")
def analyzer():
    return TextAnalyzer(["cookies delete deletion information records disclosure correction"])


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("what cookeis do you use", "what cookies do you use"),
        ("how 2 delet my info", "how to delete my information"),
        ("disclosre of my recrds", "disclosure of my records"),
        ("u r a bot", "you are a bot"),
    ],
)
def test_spelling_and_texting_are_corrected(analyzer, typed, corrected):
    assert analyzer.correct(typed) == corrected


def test_correction_keeps_punctuation_and_unknown_long_words(analyzer):
    assert analyzer.correct("Cookies? Xylophones!") == "Cookies? Xylophones!"


def test_keywords_are_lemmas_without_stop_words(analyzer):
    assert analyzer.keywords("Who shares my medical records with insurers?") == [
        "share",
        "medical",
        "record",
        "insurer",
    ]


@pytest.fixture(scope="module")
def detector():
    return EmergencyDetector("en")


@pytest.mark.parametrize(
    "message",
    [
        "my husband collapsed and isn't breathing",
        "I cant breathe",
        "I want to kill myself",
        "sorry to ask about data but my wife fainted and is unconscious",
        "my toddler swallowed a battery",
        "severe chest pain right now",
        "i really dont see the point anymore",
        "been stashing my tablets for a month",
        "i have put away all my painkillers and tonight i will swallow them all",
        "please call an ambulance, my dad fell and hit his head",
        "we need an ambulance at the bus stop outside",
        "the ambulance is coming but he's gone grey",
    ],
)
def test_emergency_phrases_are_found(detector, message):
    assert detector.matches(message)


@pytest.mark.parametrize(
    "message",
    [
        "what happens to my records if I die?",
        "who can see my medical history?",
        "do you share data in an emergency contact form?",
        "please delete my data",
        "do you save my medication list on your system?",
        "which servers store my medicines history",
        # A question that mentions an ambulance asks about the policy (2026-12-03).
        "does the ambulance service get to see my gp record",
        "will paramedics from the ambulance trust have my allergy list",
    ],
)
def test_ordinary_questions_are_not_emergencies(detector, message):
    assert detector.matches(message) == []
