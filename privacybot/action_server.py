"""The action server, in one process: rasa-sdk's app, served by Sanic without worker processes.

`python -m rasa_sdk` starts a Sanic worker process that imports the actions (and so loads the
assistant: the model, the index) again, and Sanic kills it if that takes more than 30 s, as it
can on a busy 2-core machine. Here the assistant loads once, before the server starts, and the
server listens on the host given (loopback by default), which rasa-sdk's runner cannot be told.

    python -m privacybot.action_server --port 5055 [--host 127.0.0.1] [--actions actions]

Each action runs in a worker thread, with an event loop of its own, so that one patient's
action waiting on the service (storing a request, keeping a form's draft, looking up a status)
never holds up another patient's turn. The understanding itself is used by one thread at a time
(PolicyAssistant's lock): on two cores the turns' CPU work gains nothing from running at once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import rasa_sdk
from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor

from privacybot.privacy.redaction import install_log_redaction

# Actions at once: those waiting on the service (its calls time out after 10 s) and the one
# that is being understood. A turn beyond them waits for a free thread, not for an error.
WORKERS = 16


class ThreadedExecutor(ActionExecutor):
    """rasa-sdk's executor, each action in a worker thread; and Rasa 3.6's selective domain."""

    def __init__(self, workers: int = WORKERS) -> None:
        super().__init__()
        self.workers = ThreadPoolExecutor(workers, thread_name_prefix="action")

    async def run(self, action_call: dict[str, Any], sink=None, dispatcher=None):
        if sink is not None:  # streaming (not used by Rasa 3.6): as rasa-sdk runs it
            return await super().run(action_call, sink, dispatcher)
        run_alone = ActionExecutor.run
        return await asyncio.get_running_loop().run_in_executor(
            self.workers, lambda: asyncio.run(run_alone(self, action_call))
        )

    def update_and_return_domain(self, payload: dict[str, Any], action_name: str):
        """With `enable_selective_domain` (endpoints.yml) Rasa 3.6 sends the domain only to
        the actions that need it (form validation) and no digest of it, which this rasa-sdk
        would refuse; the other actions never read the domain."""
        if payload.get("domain") is None and not payload.get("domain_digest"):
            return self.domain or {}
        return super().update_and_return_domain(payload, action_name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--actions", default="actions", help="package of the actions")
    args = parser.parse_args(argv)

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    install_log_redaction("sanic.root", "sanic.error", "rasa_sdk")
    # rasa-sdk compares its version with Rasa's on every action call and warns each time: the
    # pair is chosen (Rasa 3.6 on Python 3.10, the newest rasa-sdk on 3.11, same action
    # protocol) and tested end to end, so it is said once here instead of in every turn.
    warnings.filterwarnings("ignore", message="Your versions of rasa and rasa_sdk")
    logging.getLogger(__name__).info(
        "rasa-sdk %s serves Rasa 3.6 over the same action protocol (version check muted)",
        rasa_sdk.__version__,
    )
    executor = ThreadedExecutor()
    executor.register_package(args.actions)
    app = create_app_for_serve(executor, cors_origins=None)
    logging.getLogger(__name__).info("action server on http://%s:%d", args.host, args.port)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
