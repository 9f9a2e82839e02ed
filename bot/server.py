"""`rasa run` as the launcher starts it: Rasa itself, with two things it redoes on every turn
done once (each a measured share of Rasa's CPU in a turn, docs/benchmarks.md):
  * the check of each action server response against a JSON schema: `jsonschema.validate`
    checks the schema and builds a validator every time; here the validator is built once,
    for the same schema, and gives the same error;
  * the event class of each stored event, found by walking every subclass of `Event` again
    for each event of the conversation; here looked up in a table built from the same walk.
Everything else is `rasa`'s own command line:

    .venv-rasa/bin/python -m bot.server run --model models/privacy-assistant.tar.gz ...

`rasa run` by hand works the same, only without this saving.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

SCHEMA = RemoteAction.action_response_format_spec()
validator_for(SCHEMA).check_schema(SCHEMA)
VALIDATOR = validator_for(SCHEMA)(SCHEMA)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the validator built once."""
    try:
        VALIDATOR.validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


RESOLVE_BY_TYPE = Event.resolve_by_type
EVENT_CLASSES: dict[str, type] = {}


def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
    """Event.resolve_by_type, from a table: the first subclass of that name, as Rasa's walk
    finds it; a name the table does not know (a class imported since) walks again."""
    if type_name not in EVENT_CLASSES:
        for cls in all_subclasses(Event):
            EVENT_CLASSES.setdefault(cls.type_name, cls)
    if type_name in EVENT_CLASSES:
        return EVENT_CLASSES[type_name]
    return RESOLVE_BY_TYPE(type_name, default)


def main() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
