"""Cluster short texts by their base forms: TF-IDF, then spherical k-means, deterministic.

Pure Python over sparse dicts (numpy is not a dependency). A document is the terms the search
index holds for it (base forms and compound parts, stop words removed, see ideaspace.text).

- Weights: (1 + log tf) * idf, each vector of length 1, so a dot product is the cosine. A term
  in one document only, or (with ten documents or more) in more than half of them, cannot tell
  clusters apart and is left out.
- k comes from the data: seeds are chosen farthest-first (the most typical document, then each
  time the one least like every seed so far) until every document is at least SEED_SIMILARITY
  like some seed, or MAX_CLUSTERS seeds. Then k-means: each document to its most similar centroid,
  centroids (pruned to their CENTROID_TERMS heaviest terms) recomputed, until nothing moves.
- Clusters smaller than a share of the documents join the cluster they are most like; documents
  with no usable term, or like no centroid at all, form the last cluster, unlabelled.
- The same documents in the same order always give the same clusters (ties go to the earlier
  document or cluster); callers sort their documents.

Clustering 5,000 notes takes well under the 5 s budget (bench/clusters.py, bench/RESULTS.md).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

MAX_CLUSTERS = 15
SAMPLE = 400
SAMPLE_ROUNDS = 8
K_PENALTY = 0.01  # per cluster: of two nearly as clear clusterings, the one with fewer clusters
CENTROID_TERMS = 150
MAX_ROUNDS = 20
LABEL_TERMS = 4
CENTRAL = 3


@dataclass
class Cluster:
    """Item keys most central first (the first is the anchor), and the label's terms."""

    items: list[str]
    label: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.items[0]


def cluster(documents: list[tuple[str, list[str]]]) -> list[Cluster]:
    """Cluster (key, terms) documents; the clusters largest first, the unclusterable last."""
    if not documents:
        return []
    keys = [key for key, _terms in documents]
    vectors = _tfidf([terms for _key, terms in documents])
    usable = [i for i, vector in enumerate(vectors) if vector]
    rest = [i for i, vector in enumerate(vectors) if not vector]
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    if usable:
        centroids = _choose(vectors, usable)
        assignment: dict[int, int] = {}
        for _round in range(MAX_ROUNDS):
            moved, assignment, unlike = _assign(vectors, usable, centroids, assignment)
            groups = _groups(assignment, len(centroids))
            centroids = [_centroid(vectors, members) for members in groups]
            if not moved:
                break
        groups, centroids, small = _merge_small(vectors, groups, centroids, len(usable))
        rest = sorted(rest + unlike + small)
    order = sorted(range(len(groups)), key=lambda c: (-len(groups[c]), min(groups[c]) if groups[c] else 0))
    documents_with = _document_frequency(vectors)
    clusters = []
    for c in order:
        members = groups[c]
        if not members:
            continue
        centre = centroids[c]
        central = sorted(members, key=lambda i: (-_dot(vectors[i], centre), i))
        clusters.append(
            Cluster(
                items=[keys[i] for i in central],
                label=_label(vectors, members, documents_with, len(usable)),
            )
        )
    if rest:
        clusters.append(Cluster(items=[keys[i] for i in rest]))
    return clusters


def labels(documents: list[tuple[str, list[str]]], groups: list[list[str]]) -> list[list[str]]:
    """The label of each group of document keys (a moderator's regrouping), chosen as cluster()
    chooses one: against the same documents' weights."""
    vectors = _tfidf([terms for _key, terms in documents])
    index = {key: i for i, (key, _terms) in enumerate(documents)}
    documents_with = _document_frequency(vectors)
    n = sum(1 for vector in vectors if vector)
    result = []
    for group in groups:
        members = [index[key] for key in group if key in index and vectors[index[key]]]
        result.append(_label(vectors, members, documents_with, n) if members else [])
    return result


def central_count(size: int) -> int:
    """How many of a cluster's items are quoted: 2-3, or all of a smaller one."""
    return min(CENTRAL, size) if size != 4 else 2


# --- vectors ---------------------------------------------------------------------------------


def _tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    counts = [Counter(terms) for terms in documents]
    df: Counter[str] = Counter()
    for count in counts:
        df.update(count.keys())
    n = len(documents)
    top = n // 2 if n >= 10 else n
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items() if 2 <= d <= top or (n < 3 and d >= 1)}
    vectors = []
    for count in counts:
        vector = {t: (1 + math.log(c)) * idf[t] for t, c in count.items() if t in idf}
        vectors.append(_normalized(vector))
    return vectors


def _normalized(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(t, 0.0) for t, w in a.items())


def _document_frequency(vectors: list[dict[str, float]]) -> Counter[str]:
    df: Counter[str] = Counter()
    for vector in vectors:
        df.update(vector.keys())
    return df


# --- k-means ---------------------------------------------------------------------------------


def _seed_order(vectors: list[dict[str, float]], usable: list[int], limit: int) -> list[int]:
    """Up to `limit` seeds, farthest-first: the most typical document, then each time the one
    least like every seed so far (a prefix of the order seeds any smaller k)."""
    mean = _centroid(vectors, usable)
    first = max(usable, key=lambda i: (_dot(vectors[i], mean), -i))
    seeds = [first]
    best = {i: _dot(vectors[i], vectors[first]) for i in usable}
    while len(seeds) < limit:
        candidate = min(usable, key=lambda i: (best[i], i))
        if best[candidate] >= 1.0 - 1e-9:  # every document is a copy of a seed
            break
        seeds.append(candidate)
        seed = vectors[candidate]
        for i in usable:
            similarity = _dot(vectors[i], seed)
            if similarity > best[i]:
                best[i] = similarity
    return seeds


def _kmeans(vectors, usable, centroids, rounds):
    assignment: dict[int, int] = {}
    for _round in range(rounds):
        moved, assignment, _unlike = _assign(vectors, usable, centroids, assignment)
        groups = _groups(assignment, len(centroids))
        centroids = [_centroid(vectors, members) for members in groups if members]
        if not moved:
            break
    return centroids


def _fit(vectors, members, centroids) -> float:
    """The mean simplified silhouette over cosine distances: how much nearer each document is to
    its own centroid than to the next one (-1..1, higher is a clearer clustering)."""
    total = 0.0
    for i in members:
        similarities = sorted((_dot(vectors[i], c) for c in centroids), reverse=True)
        own, other = 1 - similarities[0], 1 - (similarities[1] if len(similarities) > 1 else 0.0)
        total += (other - own) / max(own, other) if max(own, other) > 0 else 0.0
    return total / len(members) if members else 0.0


def _choose(vectors, usable) -> list[dict[str, float]]:
    """Initial centroids for k chosen from the data: k-means for each candidate k on a fixed
    sample (at most SAMPLE documents), scored by the silhouette; the smallest best k wins.
    The winner's centroids start the run over every document."""
    # A fixed pseudo-random sample (Knuth's multiplicative hash of the position), not every n-th
    # document: content written in a repeating order must not alias with the step.
    sample = sorted(sorted(usable, key=lambda i: (i * 2654435761) % 2**32)[:SAMPLE])
    limit = min(MAX_CLUSTERS, max(1, len(sample) // 3))
    order = _seed_order(vectors, sample, limit)
    best_score, best = -2.0, [dict(vectors[order[0]])]
    for k in range(2, len(order) + 1):
        centroids = _kmeans(vectors, sample, [dict(vectors[s]) for s in order[:k]], SAMPLE_ROUNDS)
        if len(centroids) < 2:
            continue
        score = _fit(vectors, sample, centroids) - K_PENALTY * len(centroids)
        if score > best_score + 1e-9:
            best_score, best = score, centroids
    return best


def _assign(vectors, usable, centroids, previous):
    """Each document to its most similar centroid (an inverted index of the centroids' terms, so
    a document meets only the centroids that share a term with it)."""
    by_term: dict[str, list[tuple[int, float]]] = {}
    for c, centroid in enumerate(centroids):
        for term, weight in centroid.items():
            by_term.setdefault(term, []).append((c, weight))
    assignment, unlike, moved = {}, [], False
    for i in usable:
        scores: dict[int, float] = {}
        for term, weight in vectors[i].items():
            for c, w in by_term.get(term, ()):
                scores[c] = scores.get(c, 0.0) + weight * w
        if not scores:
            unlike.append(i)
            continue
        best = max(scores, key=lambda c: (scores[c], -c))
        if scores[best] <= 0:
            unlike.append(i)
            continue
        assignment[i] = best
        if previous.get(i) != best:
            moved = True
    return moved, assignment, unlike


def _groups(assignment: dict[int, int], k: int) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(k)]
    for i, c in assignment.items():
        groups[c].append(i)
    return groups


def _centroid(vectors, members) -> dict[str, float]:
    total: dict[str, float] = {}
    for i in members:
        for term, weight in vectors[i].items():
            total[term] = total.get(term, 0.0) + weight
    if len(total) > CENTROID_TERMS:
        kept = sorted(total.items(), key=lambda item: (-item[1], item[0]))[:CENTROID_TERMS]
        total = dict(kept)
    return _normalized(total)


def _merge_small(vectors, groups, centroids, n):
    """Clusters below a share of the documents join the most similar larger cluster; what is like
    none of them is returned apart."""
    smallest = max(2, n // 50)
    large = [c for c, members in enumerate(groups) if len(members) >= smallest]
    if not large:
        return groups, centroids, []
    alone: list[int] = []
    merged = {c: list(groups[c]) for c in large}
    for c, members in enumerate(groups):
        if c in merged:
            continue
        for i in members:
            target = max(large, key=lambda d: (_dot(vectors[i], centroids[d]), -d))
            if _dot(vectors[i], centroids[target]) > 0:
                merged[target].append(i)
            else:
                alone.append(i)
    new_groups = [sorted(merged[c]) for c in large]
    return new_groups, [_centroid(vectors, members) for members in new_groups], alone


def _label(vectors, members, documents_with, n) -> list[str]:
    """The terms most characteristic of the cluster: in a larger share of its documents than of
    the other documents (at least two of its own, where it has two)."""
    inside: Counter[str] = Counter()
    for i in members:
        inside.update(vectors[i].keys())
    size, others = len(members), n - len(members)
    needed = min(2, size)
    scored = []
    for term, count in inside.items():
        if count < needed:
            continue
        outside = (documents_with[term] - count) / others if others else 0.0
        score = count / size - outside
        if score > 0:
            scored.append((-score, -count, term))
    return [term for _score, _count, term in sorted(scored)[:LABEL_TERMS]]
