"""Read the intent examples of Rasa's training data (data/nlu/*.yml).

The same examples train Rasa's DIET classifier and the embedding classifier of the action
server, so there is one place to teach the assistant a new way of asking.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def read_nlu_examples(directory: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from every Rasa NLU file in `directory`."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(Path(directory).glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    pairs.append((text[2:].strip(), intent))
    return pairs
