"""`rasa run` as the launcher starts it: Rasa itself, with its check of action responses built
once instead of on every response.

Rasa 3.6 checks each response of the action server against a JSON schema with
`jsonschema.validate`, which checks the schema itself and builds a validator every time: a
sixth of Rasa's CPU in a turn (docs/benchmarks.md). Here the validator is built once, for the
same schema, and gives the same error. Everything else is `rasa`'s own command line:

    .venv-rasa/bin/python -m bot.server run --model models/privacy-assistant.tar.gz ...

`rasa run` by hand works the same, only without this saving.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

SCHEMA = RemoteAction.action_response_format_spec()
VALIDATOR = validator_for(SCHEMA)(SCHEMA)
validator_for(SCHEMA).check_schema(SCHEMA)


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


def main() -> None:
    RemoteAction._validate_action_result = validate_action_result
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
