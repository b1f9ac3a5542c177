from __future__ import annotations

from dataclasses import dataclass

import pytest

from ideaspace.models import ActivityKind, MemberRole, Role
from ideaspace.sanitize import clean_html

# Three clearly different topics, as staff write them: orientation, safety, shifts.
TOPICS = {
    "orientation": [
        "Perehdytys uusille työntekijöille pitäisi aloittaa jo ennen ensimmäistä työpäivää.",
        "Perehdytysalustan materiaalit ovat vanhentuneita, uudet työntekijät eksyvät.",
        "Uuden työntekijän perehdytykseen tarvitaan nimetty kummi ensimmäisiksi viikoiksi.",
        "Perehdytyksen tarkistuslista auttaisi esihenkilöä ja uutta työntekijää.",
        "Kesätyöntekijöiden perehdytys jää usein puolitiehen kiireen takia.",
    ],
    "safety": [
        "Työturvallisuus varastossa: trukkien reitit pitäisi merkitä lattiaan selvemmin.",
        "Turvallisuuskävelyt kerran kuussa parantaisivat työturvallisuutta.",
        "Läheltä piti -tilanteiden ilmoittaminen on liian hankalaa, työturvallisuus kärsii.",
        "Suojavarusteet ja kypärät puuttuvat varastosta, turvallisuus on vaarassa.",
        "Työturvallisuuskoulutus kaikille vuosittain, myös trukkikoulutus.",
    ],
    "shifts": [
        "Vuorolistat julkaistaan liian myöhään, vuorojen vaihtaminen on vaikeaa.",
        "Yövuorojen jälkeen tarvitaan pidempi lepoaika ennen seuraavaa vuoroa.",
        "Vuorosuunnittelu pitäisi tehdä kuuden viikon jaksoissa ja vuorotoiveet huomioida.",
        "Viikonloppuvuorot jakautuvat epätasaisesti, vuorolistat suosivat samoja.",
        "Vuoronvaihdot sovellukseen, niin vuorojen vaihtaminen helpottuu.",
    ],
}


@dataclass
class Setup:
    workspace: object
    theme: object
    other_theme: object
    wall: object
    moderator: object
    author: object
    items: dict  # topic -> [(kind, object)]
    other_note: object  # in the other theme
    hidden_note: object
    foreign_note: object  # another workspace's


@pytest.fixture
def setup(make, session):
    ws = make.workspace()
    theme = make.theme(ws)
    other_theme = make.theme(ws)
    moderator = make.user(role=Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    author = make.user(name="Maija Meikäläinen")
    make.member(ws, author)
    wall = make.activity(theme, kind=ActivityKind.NOTES)
    items: dict = {}
    for topic, texts in TOPICS.items():
        made = []
        for n, text in enumerate(texts):
            if n % 3 == 0:
                made.append(("note", make.note(wall, author, text=text)))
            elif n % 3 == 1:
                made.append(("comment", make.comment(theme, author, body=clean_html(f"<p>{text}</p>"))))
            else:
                made.append(
                    (
                        "idea",
                        make.idea(
                            ws, author, theme=theme, title=text[:60], body=clean_html(f"<p>{text}</p>")
                        ),
                    )
                )
        items[topic] = made
    other_wall = make.activity(other_theme, kind=ActivityKind.NOTES)
    other_note = make.note(other_wall, author, text="Etätyöpäivät kahdesti viikossa koko tiimille")
    hidden_note = make.note(wall, author, text="Perehdytys salaisuus piilotettu muistiinpano")
    from ideaspace.models import utcnow

    hidden_note.hidden_at = utcnow()
    foreign_ws = make.workspace()
    foreign_theme = make.theme(foreign_ws)
    foreign_note = make.note(
        make.activity(foreign_theme, kind=ActivityKind.NOTES), author, text="Perehdytys vieraassa"
    )
    session.commit()
    return Setup(
        ws, theme, other_theme, wall, moderator, author, items, other_note, hidden_note, foreign_note
    )


def key(kind_and_obj) -> str:
    kind, obj = kind_and_obj
    return f"{kind}:{obj.id}"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
