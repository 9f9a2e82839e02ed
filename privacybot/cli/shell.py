"""`privacybot shell`: an interactive prompt for staff testing answers.

Each reply is shown with its outcome, intent, confidence, cited sections and scores (toggle
with /debug). Line editing and history come from readline; the history file is
var/shell_history (staff test questions, not patients' messages).
"""

from __future__ import annotations

import contextlib
import sys

from privacybot.rest_client import RestClient, new_conversation_id
from privacybot.settings import PROJECT_ROOT

HISTORY_FILE = PROJECT_ROOT / "var" / "shell_history"
HELP = """Type a question as a patient would. Commands:
  /reset   start a new conversation
  /debug   show or hide outcome, intent, confidence, sections and scores
  /help    this text
  /quit    leave (or Ctrl-D)
A number answers with the button of that number."""


def run_shell(
    rasa_url: str, format_details, stdin=sys.stdin, stdout=sys.stdout, language: str | None = None
) -> int:
    readline = _enable_readline()
    client = RestClient(rasa_url)
    sender = new_conversation_id()
    debug = True
    buttons: list[dict] = []
    print(
        f"privacybot shell: {rasa_url} (conversation {sender}). /help for commands.",
        file=stdout,
        flush=True,
    )
    try:
        while True:
            try:
                line = input("you> ").strip()
            except EOFError:
                print(file=stdout)
                break
            except KeyboardInterrupt:
                print("^C (type /quit to leave)", file=stdout)
                continue
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/help":
                print(HELP, file=stdout)
                continue
            if line == "/reset":
                sender = new_conversation_id()
                buttons = []
                print(f"new conversation {sender}", file=stdout)
                continue
            if line == "/debug":
                debug = not debug
                print(f"details {'on' if debug else 'off'}", file=stdout)
                continue
            if line.isdigit() and buttons and 1 <= int(line) <= len(buttons):
                line = buttons[int(line) - 1].get("payload") or buttons[int(line) - 1]["title"]
            try:
                turn = client.send(line, sender, language)
            except Exception as error:  # a clear line, and the shell goes on
                print(f"(no answer: {error})", file=stdout)
                continue
            buttons = []
            for message in turn.messages:
                if message.get("text"):
                    print(f"bot> {message['text']}", file=stdout)
                for button in message.get("buttons") or []:
                    buttons.append(button)
                    print(f"     [{len(buttons)}] {button['title']}", file=stdout)
                if debug and message.get("custom"):
                    print(format_details(message["custom"]), file=stdout)
            stdout.flush()
    finally:
        client.close()
        if readline is not None:
            with contextlib.suppress(OSError):
                HISTORY_FILE.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(HISTORY_FILE)
    return 0


def _enable_readline():
    try:
        import readline
    except ImportError:  # not on every platform; the shell works without it
        return None
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY_FILE)
    readline.set_history_length(1000)
    return readline
