"""The fixed words of the HTML pages and drawings, in English and Russian: one table.

Every page and drawing that speaks both languages takes its words from :data:`WORDS` through
:func:`word` (keys are the words' names, then one text per language); :func:`choose` picks the
page's language from the client's preferred languages (see
:func:`api.negotiation.accepted_languages`). Texts with ``{n}``-style fields are formatted by
the caller.

>>> word("final-assembly", "ru")
'финишная сборка'
>>> choose(["de", "ru", "en"])
'ru'
"""

from __future__ import annotations

from collections.abc import Sequence

from kg.entities import Lang

__all__ = ["LANGUAGES", "WORDS", "choose", "word"]

LANGUAGES: tuple[Lang, ...] = ("en", "ru")
"""The languages of the pages, the first being the default."""

WORDS: dict[str, dict[Lang, str]] = {
    # The resource pages (/id/...).
    "types": {"en": "Types", "ru": "Типы"},
    "formats": {"en": "Also as", "ru": "Другие форматы"},
    "statements": {"en": "Statements", "ru": "Утверждения"},
    "claims": {"en": "Claims and their sources", "ru": "Утверждения источников и цитаты"},
    "incoming": {"en": "Linked from", "ru": "Ссылки на ресурс"},
    "none": {"en": "None.", "ru": "Нет."},
    "quote": {"en": "Quote", "ru": "Цитата"},
    "source": {"en": "Source", "ru": "Источник"},
    "labels": {"en": "Other labels", "ru": "Другие названия"},
    "explore": {"en": "Explore", "ru": "Обзор"},
    "explore-project": {"en": "the production cooperation scheme", "ru": "схема производственной кооперации"},
    "explore-cluster": {"en": "the participants by role", "ru": "участники по ролям"},
    # The explorer's pages (/explore/...).
    "project": {"en": "Cooperation project", "ru": "Кооперационный проект"},
    "cluster": {"en": "Cluster", "ru": "Кластер"},
    "platform": {"en": "Technology platform", "ru": "Технологическая платформа"},
    "scheme": {"en": "Production cooperation scheme", "ru": "Схема производственной кооперации"},
    "participants": {"en": "Participants by role", "ru": "Участники по ролям"},
    "projects": {"en": "Cooperation projects", "ru": "Кооперационные проекты"},
    "resource": {"en": "resource", "ru": "ресурс"},
    "no-platform": {
        "en": "The graph describes no technology platform of this project.",
        "ru": "Граф не описывает технологическую платформу этого проекта.",
    },
    "unordered": {
        "en": "The source gives the number of stages ({n}), not their order: the stages are drawn "
        "side by side without numbers, and without arrows between them.",
        "ru": "Источник называет число переделов ({n}), но не их порядок: переделы показаны рядом, "
        "без номеров и без стрелок между ними.",
    },
    "unnamed": {
        "en": "The source does not name the stages or say what each makes.",
        "ru": "Источник не называет переделы и не говорит, что производится на каждом.",
    },
    "rd-participants": {"en": "Research and development", "ru": "Исследования и разработки"},
    "rd-took-part": {"en": "took part", "ru": "участвовали"},
    "initiated-by": {"en": "on the initiative of", "ru": "по инициативе"},
    "fewer": {
        "en": "The source states {n} stages; {k} are described.",
        "ru": "Источник указывает {n} переделов; описано {k}.",
    },
    "not-found": {"en": "Not found", "ru": "Не найдено"},
    "no-such": {"en": "The graph holds no {what} {iri}.", "ru": "В графе нет ресурса {iri}."},
    # The explorer's drawings (SVG).
    "stage": {"en": "stage", "ru": "передел"},
    "unordered-stage": {"en": "unordered stage", "ru": "передел без порядка"},
    "final-assembly": {"en": "final assembly", "ru": "финишная сборка"},
    "anchor": {"en": "anchor or finisher", "ru": "якорное предприятие или финишер"},
    "finisher": {"en": "finisher", "ru": "финишер"},
    "through": {"en": "through-technology", "ru": "сквозная технология"},
    "no-actor": {"en": "no actor known", "ru": "участник не указан"},
    "group": {"en": "group of unnamed organisations", "ru": "группа неназванных организаций"},
    "named": {"en": "named organisation", "ru": "названная организация"},
    "flow": {"en": "flow of components", "ru": "поток компонентов"},
    "group-of": {"en": "{n} organisations", "ru": "организаций: {n}"},
    "members": {"en": "members: {n}", "ru": "участников: {n}"},
}


def word(key: str, lang: Lang) -> str:
    """A fixed word in a language.

    :raises KeyError: for a key the table does not hold.

    >>> word("statements", "en")
    'Statements'
    """
    return WORDS[key][lang]


def choose(preferred: Sequence[str]) -> Lang:
    """The first of ``preferred`` (primary language tags, best first) that the pages speak, else
    the default (English).

    >>> choose(["de"])
    'en'
    """
    for tag in preferred:
        for lang in LANGUAGES:
            if tag == lang:
                return lang
    return LANGUAGES[0]
