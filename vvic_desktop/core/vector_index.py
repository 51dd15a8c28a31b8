"""A flat vector index: exact cosine top-k by one numpy matrix product.

Rows are unit vectors, so the dot product is the cosine. Vectors live in one float32 matrix
that grows by doubling (adding is amortised O(1) per row, no rebuild); removal swaps the last
row into the hole. A query at 10k × 1.3k dimensions is one BLAS matrix-vector product
(a few ms); at 100k it is tens of ms and ~0.5 GB at this dimension, which is where an
approximate index (FAISS IVF-PQ or hnswlib HNSW, both on PyPI) would take over; below that,
exact search is simpler and never misses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class VectorIndex:
    def __init__(self, dim: int) -> None:
        self.dim = int(dim)
        self._matrix = np.zeros((0, self.dim), np.float32)
        self._ids: list[str] = []
        self._row: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._row

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add (or replace) vectors; rows of `vectors` match `ids`."""
        vectors = np.asarray(vectors, np.float32).reshape(len(ids), self.dim)
        fresh: list[int] = []
        for i, item_id in enumerate(ids):
            row = self._row.get(item_id)
            if row is None:
                fresh.append(i)
            else:
                self._matrix[row] = vectors[i]
        if not fresh:
            return
        start = len(self._ids)
        needed = start + len(fresh)
        if needed > self._matrix.shape[0]:
            grown = np.zeros((max(needed, 2 * self._matrix.shape[0], 64), self.dim), np.float32)
            grown[:start] = self._matrix[:start]
            self._matrix = grown
        self._matrix[start:needed] = vectors[fresh]
        for offset, i in enumerate(fresh):
            self._row[ids[i]] = start + offset
            self._ids.append(ids[i])

    def remove(self, ids: Sequence[str]) -> None:
        for item_id in ids:
            row = self._row.pop(item_id, None)
            if row is None:
                continue
            last = len(self._ids) - 1
            if row != last:
                moved = self._ids[last]
                self._matrix[row] = self._matrix[last]
                self._ids[row] = moved
                self._row[moved] = row
            self._ids.pop()

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k nearest ids with their cosine, best first."""
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        query = np.asarray(vector, np.float32).reshape(self.dim)
        scores = self._matrix[:n] @ query
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._ids[i], float(scores[i])) for i in top]

    @property
    def nbytes(self) -> int:
        return int(self._matrix.nbytes)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, np.float32).tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)
