"""The chat's forms, field by field: the one table the rest reads.

The form's ask actions, its validation, the placeholders the conversation holds instead of a
patient's details (and that Rasa's tracker store writes in their place), the request kinds
the desk accepts, and `bot/domain.yml` (checked by tests/test_form_spec.py) all come from
here. Adding a free-text field to the request form is one line below, a slot in the domain
and its question in the message catalogues.

Plain Python with no imports beyond the standard library: the Rasa runtime (Python 3.10)
reads it too, for the tracker store's redaction.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("disclosure", "correction", "addition", "deletion", "stop_using", "complaint", "other")


@dataclass(frozen=True)
class FormField:
    slot: str
    prompt: str  # catalogue key of the question
    # The function of privacybot.desk.intake that checks a free-text answer (one argument, the
    # text; raises FieldError). None: the form reads a choice (its own validate_<slot>).
    check: str | None = None
    # Personal: the answer is kept in the service's request draft, and the conversation
    # holds this placeholder instead. None: the value is a choice, kept as it is.
    placeholder: str | None = None
    buttons: tuple[str, ...] = ()  # catalogue keys of the answer buttons
    skippable: bool = False  # "skip" (or its button) leaves it empty
    # (slot, value): not asked once that slot holds another value
    asked_if: tuple[str, str] | None = None


REQUEST_FORM = (
    FormField("request_kind", "ask_request_kind", buttons=tuple(f"kind_{k}" for k in KINDS)),
    FormField("requester_name", "ask_requester_name", "clean_name", "[NAME]"),
    FormField("contact_email", "ask_contact_email", "clean_email", "[EMAIL]"),
    FormField(
        "phone", "ask_phone", "clean_phone", "[PHONE]", buttons=("skip_button",), skippable=True
    ),
    FormField("on_behalf_of", "ask_on_behalf_of", buttons=("on_behalf_self", "on_behalf_other")),
    FormField(
        "relationship",
        "ask_relationship",
        "clean_relationship",
        "[RELATIONSHIP]",
        asked_if=("on_behalf_of", "other"),
    ),
    FormField(
        "request_description", "ask_request_description", "clean_description", "[DESCRIPTION]"
    ),
)
STATUS_FORM = (
    FormField("status_reference", "status_ask_reference"),
    FormField("status_email", "status_ask_email", placeholder="[EMAIL]"),
)
# The read-back's answer: not a field of the request, asked with these buttons.
CONFIRM_BUTTONS = ("confirm_yes", "confirm_change", "confirm_cancel")

FIELDS = {field.slot: field for field in (*REQUEST_FORM, *STATUS_FORM)}
FORM_FIELDS = tuple(field.slot for field in REQUEST_FORM)
PERSONAL_SLOTS = {slot: field.placeholder for slot, field in FIELDS.items() if field.placeholder}


def required_slots(slots: list[str], value_of) -> list[str]:
    """The form's slots without those a given answer rules out (the relationship, once the
    patient said the request is for themself). A condition not answered yet rules nothing
    out: the list then stays the domain's own, which lets Rasa decide the next step (and so
    a form cancelled at the first steps stops, rather than asking on)."""

    def ruled_out(slot: str) -> bool:
        condition = FIELDS[slot].asked_if if slot in FIELDS else None
        if condition is None:
            return False
        given = value_of(condition[0])
        return given is not None and given != condition[1]

    return [slot for slot in slots if not ruled_out(slot)]
