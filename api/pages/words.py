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
    # The cluster dashboard and the compare page (/explore/cluster/..., /explore/compare).
    "dashboard": {"en": "Cluster dashboard", "ru": "Панель кластера"},
    "region": {"en": "Region", "ru": "Регион"},
    "sector": {"en": "Sector", "ru": "Сектор"},
    "industry-class": {"en": "Industry class", "ru": "Вид экономической деятельности"},
    "cluster-type": {"en": "Type", "ru": "Тип"},
    "excellence": {"en": "Excellence label", "ru": "Знак качества управления"},
    "not-stated": {"en": "not stated", "ru": "не указан"},
    "curated-class": {
        "en": "the maintainers' reading of the stated specialisation, not stated by the source",
        "ru": "прочтение разработчиками указанной в источнике специализации; в источнике код не указан",
    },
    "synthetic-note": {
        "en": "Synthetic data: made up for tests and demonstrations; it describes no real cluster.",
        "ru": "Синтетические данные: придуманы для тестов и демонстраций и не описывают реальный кластер.",
    },
    "indicators": {"en": "Indicators over time", "ru": "Показатели во времени"},
    "about": {"en": "about", "ru": "объект"},
    "single-observation": {
        "en": "One observation: the source gives no time series for this indicator.",
        "ru": "Одно наблюдение: источник не даёт временного ряда по этому показателю.",
    },
    "undated-note": {
        "en": "The source gives no reference time for this value.",
        "ru": "Источник не указывает, к какому времени относится это значение.",
    },
    "undated-not-drawn": {
        "en": "Values without a reference time cannot be placed on the time axis; they are listed below.",
        "ru": "Значения без даты нельзя поместить на ось времени; они перечислены ниже.",
    },
    "no-indicators": {
        "en": "The graph holds no statistics about this cluster, its segments or its projects.",
        "ru": "В графе нет статистики об этом кластере, его сегментах или проектах.",
    },
    "range-note": {
        "en": "a range or bound stated by the source, not a point",
        "ru": "диапазон или граница, указанные источником, а не точное значение",
    },
    "ranges-drawn": {
        "en": "A bar is a range the source states (from its lower to its upper bound); a dashed bar with "
        "an arrow head is a one-sided bound (\u201cmore than\u201d); a dot is an exact value.",
        "ru": "Отрезок — диапазон, указанный источником (от нижней до верхней границы); пунктир со "
        "стрелкой — односторонняя граница («более»); точка — точное значение.",
    },
    "observations": {"en": "Observations", "ru": "Наблюдения"},
    "date": {"en": "Reference time", "ru": "Дата"},
    "value": {"en": "Value", "ru": "Значение"},
    "statistic": {"en": "Statistic", "ru": "Статистика"},
    "no-date": {"en": "no reference time stated", "ru": "дата не указана"},
    "months": {
        "en": "January,February,March,April,May,June,July,August,September,October,November,December",
        "ru": "январь,февраль,март,апрель,май,июнь,июль,август,сентябрь,октябрь,ноябрь,декабрь",
    },
    "range": {"en": "{low} to {high}", "ru": "от {low} до {high}"},
    "more-than": {"en": "more than {n}", "ru": "более {n}"},
    "at-least": {"en": "at least {n}", "ru": "не менее {n}"},
    "at-most": {"en": "at most {n}", "ru": "не более {n}"},
    "less-than": {"en": "less than {n}", "ru": "менее {n}"},
    "and": {"en": " and ", "ru": " и "},
    "no-value": {"en": "no value stated", "ru": "значение не указано"},
    "unit-none": {"en": "unit not stated", "ru": "единица не указана"},
    "unit-num": {"en": "number", "ru": "число"},
    "unit-percent": {"en": "per cent", "ru": "процент"},
    "unit-unitless": {"en": "ratio (no unit)", "ru": "отношение (безразмерное)"},
    "members-table": {"en": "Members", "ru": "Участники"},
    "role": {"en": "Role", "ru": "Роль"},
    "member": {"en": "Member", "ru": "Участник"},
    "from": {"en": "From", "ru": "С"},
    "to": {"en": "To", "ru": "По"},
    "not-dated": {"en": "not dated", "ru": "без дат"},
    "no-membership-dates": {
        "en": "The source dates no membership of this cluster: no membership dates.",
        "ru": "Источник не датирует членство в этом кластере: дат членства нет.",
    },
    "some-undated": {
        "en": "{n} of {k} memberships are not dated.",
        "ru": "Без дат членств: {n} из {k}.",
    },
    "no-members": {
        "en": "The graph holds no members of this cluster.",
        "ru": "В графе нет участников этого кластера.",
    },
    "network": {"en": "Cooperation network", "ru": "Сеть кооперации"},
    "network-slot": {
        "en": "The cooperation network of this cluster (joint projects, IP, licences, shared technologies, "
        "supplier links) is not shown on this page yet.",
        "ru": "Сеть кооперации кластера (совместные проекты, права на результаты, лицензии, общие "
        "технологии, связи поставщиков) пока не показана на этой странице.",
    },
    "tasks": {"en": "The eight management tasks", "ru": "Восемь задач управляющей компании"},
    "tasks-slot": {
        "en": "The findings of the eight management tasks are not shown on this page yet.",
        "ru": "Результаты восьми задач управляющей компании пока не показаны на этой странице.",
    },
    "scroll-hint": {
        "en": "The drawing is wider than the page: scroll it sideways.",
        "ru": "Рисунок шире страницы: прокрутите его вбок.",
    },
    # The cooperation network (api/explorer/network.py).
    "edge-project": {"en": "joint project", "ru": "совместный проект"},
    "edge-ip-right": {"en": "jointly held IP right", "ru": "совместное право на РИД"},
    "edge-licence": {"en": "licence", "ru": "лицензия"},
    "edge-technology": {"en": "shared technology", "ru": "общая технология"},
    "edge-supply": {"en": "supplier to finisher at a stage", "ru": "поставщик — финишёр на переделе"},
    "edge-service": {"en": "provides services", "ru": "оказывает услуги"},
    "node-member": {"en": "member of the cluster", "ru": "участник кластера"},
    "node-partner": {"en": "project partner, not a member", "ru": "партнёр проекта, не участник"},
    "node-group": {"en": "group of unnamed organisations", "ru": "группа неназванных организаций"},
    "community": {"en": "community", "ru": "сообщество"},
    "communities-legend": {"en": "Colour: community", "ru": "Цвет: сообщество"},
    "other-communities": {"en": "others", "ru": "прочие"},
    "edge-kinds": {"en": "Edges", "ru": "Связи"},
    "nodes-legend": {"en": "Nodes (size: degree)", "ru": "Узлы (размер: степень)"},
    "degree": {"en": "degree", "ru": "степень"},
    "weighted-degree": {"en": "weighted degree", "ru": "взвешенная степень"},
    "betweenness": {"en": "betweenness", "ru": "посредничество"},
    "stated-in": {"en": "stated in", "ru": "источник"},
    "network-summary": {
        "en": "{n} nodes ({m} members of the cluster), {e} edges, {c} communities.",
        "ru": "Узлов: {n} (участников кластера: {m}), связей: {e}, сообществ: {c}.",
    },
    "network-alone": {
        "en": "Linked to no one else in the graph:",
        "ru": "Не связаны в графе ни с кем:",
    },
    "network-kinds": {"en": "Edges by kind", "ru": "Связи по видам"},
    "network-empty": {
        "en": "The graph holds no cooperation of this cluster's members yet.",
        "ru": "В графе пока нет данных о кооперации участников этого кластера.",
    },
    "network-no-edges": {
        "en": "The graph states no cooperation between these organisations yet: no edges.",
        "ru": "В графе пока не указана кооперация между этими организациями: связей нет.",
    },
    "network-labels-top": {
        "en": "Labels are drawn for the {k} nodes of highest degree; every node has its label as a tooltip.",
        "ru": "Подписаны {k} узлов с наибольшей степенью; у каждого узла подпись во всплывающей подсказке.",
    },
    "network-hint": {
        "en": "Hover over a node or an edge: its tooltip gives the label, degree and betweenness, or the "
        "kinds of cooperation and the graphs that state them.",
        "ru": "Наведите указатель на узел или связь: подсказка даёт название, степень и посредничество "
        "или виды кооперации и графы, где они утверждаются.",
    },
    "top-nodes": {
        "en": "Brokers and hubs (by betweenness, then degree)",
        "ru": "Посредники и центры (по посредничеству, затем по степени)",
    },
    "node": {"en": "Node", "ru": "Узел"},
    "is-member": {"en": "Member", "ru": "Участник"},
    "yes": {"en": "yes", "ru": "да"},
    "no": {"en": "no", "ru": "нет"},
    "exports": {"en": "Download the network", "ru": "Скачать сеть"},
    "export-nodes": {"en": "nodes (CSV, Gephi)", "ru": "узлы (CSV, Gephi)"},
    "export-edges": {"en": "edges (CSV, Gephi)", "ru": "связи (CSV, Gephi)"},
    # The eight management tasks (api/explorer/tasks.py).
    "rests-on": {"en": "Rests on", "ru": "Основано на"},
    "terms": {"en": "Terms", "ru": "Термины"},
    "findings-count": {"en": "Findings: {n}", "ru": "Найдено: {n}"},
    "findings-first": {
        "en": "the first {k} of {n} findings are shown",
        "ru": "показаны первые {k} из {n}",
    },
    "all-findings": {"en": "all findings (named query {q})", "ru": "все результаты (именованный запрос {q})"},
    "nothing-yet": {
        "en": "The graph holds nothing for this task yet.",
        "ru": "В графе пока нет данных для этой задачи.",
    },
    # The columns and values of the task tables (api/explorer/tasks.py).
    "col-technology": {"en": "technology", "ru": "технология"},
    "col-stageCount": {"en": "stages", "ru": "переделов"},
    "col-participantCount": {"en": "participants", "ru": "участников"},
    "col-projectCount": {"en": "projects", "ru": "проектов"},
    "col-clusterCount": {"en": "clusters", "ru": "кластеров"},
    "col-project": {"en": "project", "ru": "проект"},
    "col-platform": {"en": "platform", "ru": "платформа"},
    "col-stage": {"en": "stage", "ru": "передел"},
    "col-stageOrder": {"en": "order", "ru": "порядок"},
    "col-actorCount": {"en": "actors at the stage", "ru": "действующих на переделе"},
    "col-rdParticipantCount": {"en": "R&D participants of the project", "ru": "участников НИОКР проекта"},
    "col-startYear": {"en": "start year", "ru": "год начала"},
    "col-ipRightCount": {"en": "IP rights", "ru": "прав на РИД"},
    "col-reach": {"en": "reach", "ru": "охват"},
    "col-kind": {"en": "kind", "ru": "вид"},
    "col-subject": {"en": "what is shared", "ru": "что общее"},
    "col-otherCluster": {"en": "other cluster", "ru": "другой кластер"},
    "col-right": {"en": "IP right", "ru": "право на РИД"},
    "col-holder": {"en": "holder", "ru": "правообладатель"},
    "col-share": {"en": "share, %", "ru": "доля, %"},
    "col-licence": {"en": "licence", "ru": "лицензия"},
    "col-assigner": {"en": "licensor", "ru": "лицензиар"},
    "col-assignee": {"en": "licensee", "ru": "лицензиат"},
    "col-supplier": {"en": "supplier", "ru": "поставщик"},
    "col-isFinisher": {"en": "the finisher", "ru": "финишёр"},
    "col-provider": {"en": "provider", "ru": "поставщик услуг"},
    "col-clientCount": {"en": "clients", "ru": "клиентов"},
    "col-memberClientCount": {"en": "member clients", "ru": "клиентов-участников"},
    "col-participant": {"en": "participant", "ru": "участник"},
    "value-organisation": {"en": "organisation in both", "ru": "организация в обоих"},
    "value-technology": {"en": "technology", "ru": "технология"},
    "value-interaction": {"en": "stated interaction", "ru": "указанное взаимодействие"},
    "value-joint-holding": {"en": "joint holding", "ru": "совместное владение"},
    "value-licence": {"en": "licence", "ru": "лицензия"},
    "value-true": {"en": "yes", "ru": "да"},
    "value-false": {"en": "no", "ru": "нет"},
    "tasks-with-findings": {"en": "Tasks with findings", "ru": "Задачи с результатами"},
    "network-short": {"en": "Cooperation network", "ru": "Сеть кооперации"},
    "top-broker": {"en": "top broker (betweenness)", "ru": "главный посредник (посредничество)"},
    "no-broker": {
        "en": "no node lies between others",
        "ru": "ни один узел не лежит между другими",
    },
    "compare": {"en": "Clusters side by side", "ru": "Сравнение кластеров"},
    "compare-link": {"en": "Compare with other clusters", "ru": "Сравнить с другими кластерами"},
    "key-indicators": {
        "en": "Key indicators (latest observation)",
        "ru": "Ключевые показатели (последнее наблюдение)",
    },
    "group-counts-one": {
        "en": "Entries by role; a group of unnamed organisations counts as one entry.",
        "ru": "Записи по ролям; группа неназванных организаций считается одной записью.",
    },
    "projects-count": {"en": "Cooperation projects", "ru": "Кооперационные проекты"},
    "indicator": {"en": "Indicator", "ru": "Показатель"},
    "show": {"en": "Show", "ru": "Показать"},
    "no-observations-of": {
        "en": "None of these clusters has a dated observation of this indicator.",
        "ru": "Ни у одного из этих кластеров нет датированных наблюдений этого показателя.",
    },
    "no-indicator-chosen": {
        "en": "These clusters have no indicator in common to draw.",
        "ru": "У этих кластеров нет общего показателя для графика.",
    },
    "bad-request": {"en": "Bad parameter", "ru": "Неверный параметр"},
    "bad-parameter": {
        "en": "The parameter {parameter} does not fit: {message}",
        "ru": "Параметр {parameter} не подходит: {message}",
    },
    "clusters-count": {
        "en": "name from 2 to 6 clusters by their slugs, separated by commas (clusters=biomed,alpha); "
        "got {n}.",
        "ru": "укажите от 2 до 6 кластеров через запятую (clusters=biomed,alpha); указано: {n}.",
    },
    "clusters-unknown": {"en": "the graph holds no cluster {slug}.", "ru": "в графе нет кластера {slug}."},
    "clusters-twice": {"en": "the cluster {slug} is named twice.", "ru": "кластер {slug} указан дважды."},
    "clusters-bad-slug": {
        "en": "{slug} is not a cluster slug (letters, digits, '.', '_', '~', '-').",
        "ru": "{slug} не имя кластера (буквы, цифры, '.', '_', '~', '-').",
    },
    "indicator-bad": {
        "en": "expected an indicator as an IRI or a CURIE such as ckg:participantCount; got {value}.",
        "ru": "ожидается показатель: IRI или CURIE, например ckg:participantCount; указано {value}.",
    },
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
