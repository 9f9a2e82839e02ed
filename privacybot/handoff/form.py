"""The request form's understanding of what the patient typed, without Rasa.

Rasa runs the form (bot/domain.yml, `request_form`); the action server's validation calls
these functions to read a kind of request out of free text, to notice "cancel", "skip" or
"change my e-mail", and to write the summary read back before anything is stored.
"""

from __future__ import annotations

import re

FORM_FIELDS = (
    "request_kind",
    "requester_name",
    "contact_email",
    "phone",
    "on_behalf_of",
    "relationship",
    "request_description",
)

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
KIND_TITLES = {
    "disclosure": "A copy of my data (disclosure)",
    "correction": "Correct my data",
    "addition": "Add to my data",
    "deletion": "Delete my data",
    "stop_using": "Stop using my data",
    "complaint": "A complaint",
    "other": "Something else",
}

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

CHANGE_FIELDS = [
    ("contact_email", ("mail", "address")),
    ("requester_name", ("name",)),
    ("phone", ("phone", "number", "tel")),
    ("request_description", ("description", "describe", "details", "text", "message")),
    ("request_kind", ("kind", "type", "request")),
    ("on_behalf_of", ("behalf", "who", "someone", "myself")),
]


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.!。！]+$", "", str(text or "").strip().lower()))


def is_cancel(text: str) -> bool:
    return _plain(text) in CANCEL


def is_skip(text: str) -> bool:
    return _plain(text) in SKIP


def is_yes(text: str) -> bool:
    return _plain(text) in YES


def kind_from_text(text: str) -> str | None:
    lowered = _plain(text)
    for kind, title in KIND_TITLES.items():
        if lowered == title.lower() or lowered == kind:
            return kind
    for kind, words in KIND_WORDS:
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            return kind
    return None


def on_behalf_from_text(text: str) -> str | None:
    lowered = _plain(text)
    if lowered in SELF or lowered.startswith(("for myself", "myself", "me ")):
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
    if not lowered.startswith(
        ("change", "edit", "fix", "correct", "wrong", "update", "no,", "no ")
    ):
        return None
    for field, words in CHANGE_FIELDS:
        if any(word in lowered for word in words):
            return field
    return None
