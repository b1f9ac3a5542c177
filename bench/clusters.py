"""Time the clusters of a theme (issue 14): 5,000 notes, clustered cold, then read from the cache.

    .venv/bin/python bench/clusters.py [--notes 5000] [--repeat 3] [--database-url sqlite:////tmp/c.sqlite3]

Builds a scratch database (migrated; SQLite in a temporary directory unless --database-url names an
empty one), writes --notes notes on one wall through the ORM, so each gets its search index row as
in production (base forms by Voikko where installed; not timed), then times:

- `cluster`: the algorithm alone (ideaspace.insight.clustering) on the notes' terms;
- `cold`: what the clusters page computes on its first request (the scope's index rows, the
  clustering, the cache row written, the moderators' overrides applied, the items' texts loaded);
- `cached`: the same page data when the content has not changed (the cache hit).

The notes are written from eight topics of staff feedback (orientation, safety, shifts, ...), each
a few of the topic's words in an inflected form and some common words, so the clusters are real.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TOPICS = {
    "orientation": "perehdytyksen perehdytykseen perehdytysalustan kummi uudelle työntekijälle ensimmäisenä"
    " päivänä",
    "safety": "työturvallisuutta turvallisuuskävely trukkien suojavarusteet varastossa kypärät läheltä piti",
    "shifts": "vuorolistat yövuorojen vuorosuunnittelu vuoronvaihdot viikonloppuvuorot lepoaika vuorotoiveet",
    "remote": "etätyöpäivät etätyötä kotoa verkkokokoukset tiimipäivä toimistolla joustava työaika",
    "pay": "palkkauksen palkankorotus lisät palkkiot kannustimet tulospalkkio palkkakehitys",
    "wellbeing": "työhyvinvointi jaksaminen kuormitus stressi liikuntasetelit taukojumppa palautuminen",
    "tools": "tietojärjestelmät tietokoneet ohjelmistot tulostimet sovellus päivitykset tunnukset",
    "leadership": "esihenkilön johtaminen palautetta kehityskeskustelut luottamus avoimuus päätöksenteko",
}
COMMON = "että pitäisi olisi hyvä tarvitaan meillä kaikille usein liian enemmän parempi nyt myös".split()


def note_texts(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    topics = [words.split() for words in TOPICS.values()]
    texts = []
    for n in range(count):
        words = rng.sample(topics[n % len(topics)], 3) + rng.sample(COMMON, 3)
        if rng.random() < 0.2:  # a word of another topic now and then
            words.append(rng.choice(topics[rng.randrange(len(topics))]))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + ".")
    return texts


def timed(function, repeat: int) -> tuple[list[float], object]:
    walls, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        walls.append(time.perf_counter() - start)
    return walls, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-clusters-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{scratch}/clusters.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-clusters")

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.insight import clustering, service
    from ideaspace.insight.models import ClusterCache
    from ideaspace.models import Activity, ActivityKind, Note, Theme, Workspace
    from ideaspace.text import analysers

    app = create_app()
    with app.test_request_context("/"):
        upgrade()
        workspace = Workspace(slug="bench-clusters", title={"fi": "Bench"}, primary_language="fi")
        db.session.add(workspace)
        db.session.flush()
        theme = Theme(workspace_id=workspace.id, title={"fi": "Teema"}, introduction={"fi": ""})
        db.session.add(theme)
        db.session.flush()
        wall = Activity(theme_id=theme.id, kind=ActivityKind.NOTES, title={"fi": "Seinä"}, prompt={"fi": ""})
        db.session.add(wall)
        db.session.flush()
        start = time.perf_counter()
        for text in note_texts(args.notes):
            db.session.add(Note(workspace_id=workspace.id, activity_id=wall.id, text=text))
        db.session.commit()  # each note's index row written on flush (analysed), as in production
        written = time.perf_counter() - start
        scope = service.theme_scope(workspace, theme.id)
        docs, _fingerprint = service.documents(scope)

        algorithm, clusters = timed(lambda: clustering.cluster(docs), args.repeat)

        def cold():
            db.session.execute(sa.delete(ClusterCache))
            return service.clusters(scope)

        cold_walls, views = timed(cold, args.repeat)
        cached_walls, _views = timed(lambda: service.clusters(scope), args.repeat)
        print(
            f"engine {db.engine.dialect.name}, Finnish analyser {analysers.finnish_analyser()}, "
            f"{len(docs)} notes (written and indexed in {written:.1f} s), load average {os.getloadavg()}"
        )
        for name, walls in (("cluster", algorithm), ("cold", cold_walls), ("cached", cached_walls)):
            median = statistics.median(walls)
            print(f"{name:8} median {median:.2f} s, max {max(walls):.2f} s ({len(walls)} runs)")
        print(f"{len(views)} clusters:")
        for view in views:
            print(f"  {view.size:5}  {' · '.join(view.label) or '(not clustered)'}")
        assert clusters and views


if __name__ == "__main__":
    main()
