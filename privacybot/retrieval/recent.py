"""The vectors of the last few texts a reader encoded, so a text is encoded once per turn.

A turn reads the same message more than once: the intent classifier and the ranker, a form's
emergency check before its validation, a follow-up read alone and then joined with the last
answer's words. Encoding is most of a turn's CPU, so each reader keeps its latest vectors here.
Only in memory, keyed by a digest of the text (the text itself is not kept), a handful at most:
a turn reads its message within one action, and a patient asking what another asked a while
ago is encoded afresh. Safe to use from the action server's worker threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

KEPT = 8


class RecentVectors:
    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, encode: Callable[[str], np.ndarray]) -> np.ndarray:
        """The vector of `text`: remembered, or `encode(text)` (then remembered)."""
        key = hashlib.sha256(text.encode("utf-8")).digest()
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        vector = encode(text)
        vector.setflags(write=False)  # shared by every caller: nobody may change it in place
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > self.kept:
                self._vectors.popitem(last=False)
        return vector
