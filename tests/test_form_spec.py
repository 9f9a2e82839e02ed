"""The forms' one table (privacybot/handoff/form_spec.py) and everything that must agree with
it: the Rasa domain, the actions the action server registers, the message catalogues, the
desk's request kinds and the placeholders kept in the conversation."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from privacybot.desk.intake import FieldError, clean_kind
from privacybot.handoff.form_spec import (
    CONFIRM_BUTTONS,
    FIELDS,
    FORM_FIELDS,
    KINDS,
    PERSONAL_SLOTS,
    REQUEST_FORM,
    STATUS_FORM,
    required_slots,
)
from privacybot.replies.catalog import MESSAGES_DIR
from privacybot.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


def test_the_domains_forms_ask_the_fields_of_the_table_in_its_order():
    forms = DOMAIN["forms"]
    assert forms["request_form"]["required_slots"] == [*FORM_FIELDS, "request_confirmed"]
    assert forms["status_form"]["required_slots"] == [f.slot for f in STATUS_FORM]


def test_each_field_is_filled_from_the_patients_text_only_when_its_form_asks_for_it():
    for form, fields in (("request_form", REQUEST_FORM), ("status_form", STATUS_FORM)):
        for field in fields:
            slot = DOMAIN["slots"][field.slot]
            assert slot["influence_conversation"] is False, field.slot
            [mapping] = slot["mappings"]
            assert mapping["type"] == "from_text"
            assert mapping["conditions"] == [{"active_loop": form, "requested_slot": field.slot}]


def test_the_action_server_registers_an_ask_action_for_every_field_and_the_domain_lists_it():
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    for slot in FIELDS:
        assert f"action_ask_{slot}" in registered, slot
        assert f"action_ask_{slot}" in DOMAIN["actions"], slot
    for form in DOMAIN["forms"]:
        assert f"validate_{form}" in registered


def test_the_request_forms_checks_exist_and_every_personal_field_has_a_placeholder():
    import actions.request_form as form_actions
    from privacybot.desk import intake

    for field in REQUEST_FORM:
        if field.check:
            assert callable(getattr(intake, field.check)), field.check
            assert field.placeholder, f"{field.slot}: a free-text detail is personal"
            assert hasattr(form_actions.ValidateRequestForm, f"validate_{field.slot}")
    assert PERSONAL_SLOTS["status_email"] == "[EMAIL]"
    assert "request_kind" not in PERSONAL_SLOTS and "on_behalf_of" not in PERSONAL_SLOTS


def test_every_question_and_button_is_worded_in_every_catalogue():
    keys = {f.prompt for f in FIELDS.values()} | {b for f in FIELDS.values() for b in f.buttons}
    keys |= set(CONFIRM_BUTTONS)
    for path in sorted(MESSAGES_DIR.glob("*.yml")):
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not keys - set(messages), f"{path.name} lacks {sorted(keys - set(messages))}"


def test_the_desk_takes_exactly_the_kinds_the_form_offers():
    for kind in KINDS:
        assert clean_kind(kind) == kind
    with pytest.raises(FieldError) as refused:
        clean_kind("shred")
    assert all(kind in refused.value.reason for kind in KINDS)


def test_the_relationship_is_asked_only_for_someone_else():
    slots = list(FORM_FIELDS)
    for_self = required_slots(slots, {"on_behalf_of": "self"}.get)
    for_other = required_slots(slots, {"on_behalf_of": "other"}.get)
    assert "relationship" not in for_self and "relationship" in for_other
    assert [s for s in for_other if s != "relationship"] == for_self
    # Not answered yet: the domain's list as it is (rasa-sdk then leaves the next step to
    # Rasa, which is how "cancel" at the first steps ends the form).
    assert required_slots(slots, {}.get) == slots
