"""Build privacybot/privacy/data/en_name_lexicon.txt.gz from spaCy's English lexeme tables.

The name finder (privacybot/privacy/names.py) needs to know, for an English word typed after
"I'm" or "my son", whether it is usually a person's name, an ordinary word, or a proper
adjective ("Japanese", "Catholic"). spacy-lookups-data ships word probabilities and Brown
clusters for a million words of web text; this script keeps three small word lists of them:

- person: capitalised words in the Brown clusters where first names and surnames fall
  (cluster id ending in the bits 10110: Emma, John, Tanaka, Patel, Rose);
- proper_adjective: capitalised words more often written capitalised than not, in the
  clusters of nationalities, languages and religions (ending in 10111: Japanese, Catholic);
- ordinary: lower-case words more often written lower-case than capitalised (worried, fine,
  here, will), frequent enough to be known.

Run it with the app environment (`.venv/bin/python scripts/build_name_lexicon.py`) when
spacy-lookups-data changes; the output is committed so that both environments read it
without the 100 MB package.
"""

from __future__ import annotations

import gzip
import json
import re
from importlib.resources import files
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "privacybot/privacy/data/en_name_lexicon.txt.gz"
PERSON_CLUSTER, PROPER_ADJECTIVE_CLUSTER, CLUSTER_TAIL = 0b10110, 0b10111, 0b11111
RARE = -19.5  # log probability: rarer words are left out (they are unknown, treated as names)
KNOWN = -16.0  # an ordinary word at least this frequent is known as one
CAPITALISED = re.compile(r"^[A-Z][a-z]+(?:['-][A-Za-z][a-z]+)*$")
LOWER = re.compile(r"^[a-z]+(?:['-][a-z]+)*$")


def _table(name: str) -> dict:
    data = files("spacy_lookups_data") / "data" / f"en_lexeme_{name}.json.gz"
    return json.loads(gzip.decompress(data.read_bytes()))


def build() -> dict[str, list[str]]:
    prob, cluster = _table("prob"), _table("cluster")
    lists: dict[str, list[str]] = {"person": [], "proper_adjective": [], "ordinary": []}
    for word, logp in prob.items():
        if logp < RARE:
            continue
        if CAPITALISED.match(word):
            tail = (cluster.get(word) or 0) & CLUSTER_TAIL
            if tail == PERSON_CLUSTER:
                lists["person"].append(word.lower())
            elif tail == PROPER_ADJECTIVE_CLUSTER and logp > prob.get(word.lower(), RARE - 10):
                lists["proper_adjective"].append(word.lower())
        elif LOWER.match(word) and logp > KNOWN and logp >= prob.get(word.capitalize(), -99):
            lists["ordinary"].append(word)
    return {kind: sorted(set(words)) for kind, words in lists.items()}


def main() -> None:
    lists = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{kind}\t{word}" for kind, words in lists.items() for word in words]
    OUTPUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    sizes = ", ".join(f"{kind} {len(words)}" for kind, words in lists.items())
    print(f"wrote {OUTPUT} ({sizes})")


if __name__ == "__main__":
    main()
