"""The read side of results: what the public pages, the exports and the API show.

Nothing here computes or publishes (``competition.services.results`` does). What the public may see is
decided by one property, ``Skill.results_published``; organisers and the skill's chief judge see drafts
through ``competition.permissions.can_view_unpublished_results``. ID numbers are never part of a public
row; the contestant lookup answers only with published results, and says the same thing whether the
person does not exist, has no entry or is not yet published (no enumeration).

The published page of a skill is cached (:class:`VersionedPageCache`): each gunicorn worker keeps the
rendered HTML of the pages it served, keyed by skill and language, together with the *version* of the
skill's results read in the one query every request makes anyway (:func:`results_version`: every column
of the skill, so its publication status and times, the newest ``Result.computed_at`` and the number of
results, the names shown). A page is stored only when ``Skill.results_published`` held as it was rendered. Compute,
publish, an appeal's recompute and republish all change the version, so no code that changes results has to
remember to invalidate anything, and every worker sees the change on its next request. An in-process cache
rather than Flask-Caching with a shared backend: the version check already costs the one query, a hit then
costs a dictionary look-up (no network round trip, no pickling), and the cache cannot serve a stale page
across workers because the version comes from the database.
"""
from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload

from competition.extensions import db
from competition.i18n import country_name
from competition.labels import label
from competition.models import Entry, EntryMember, Event, EventKind, Person, Result, Skill
from competition.rules import awards

WORLDSKILLS_MODEL = frozenset({EventKind.WORLDSKILLS_SELECTION, EventKind.BELT_AND_ROAD})
ID_TAIL_LENGTH = 4  # the lookup asks for the last 4 characters of the ID document number


def is_worldskills_model(event: Event) -> bool:
    """Results of these events are shown on the WorldSkills scale (the scaled score)."""
    return event.kind in WORLDSKILLS_MODEL


# --- rows ---------------------------------------------------------------------------------------------------

def ranking(skill: Skill) -> list[Result]:
    """The skill's results in place order, with entries, members and organisations loaded (one query each)."""
    return list(db.session.scalars(
        select(Result).where(Result.skill_id == skill.id).order_by(Result.place, Result.entry_id)
        .options(joinedload(Result.entry).joinedload(Entry.organisation),
                 joinedload(Result.entry).selectinload(Entry.members).joinedload(EntryMember.person))))


def visible_skills(event: Event, user: Any) -> list[Skill]:
    """The event's skills whose results ``user`` may see: published ones, and drafts for organisers and
    the skill's chief judge."""
    from competition import permissions
    return [skill for skill in event.skills if permissions.can_view_results(user, skill)]


def published_skills(event: Event) -> list[Skill]:
    return [skill for skill in event.skills if skill.results_published]


def delegation_country(entry: Entry) -> str | None:
    """The country an entry competes for: its delegation's (organisation's) country, else its first
    member's nationality (ISO 3166-1 alpha-2)."""
    if entry.organisation is not None and entry.organisation.country:
        return entry.organisation.country
    for member in entry.members:
        return member.person.nationality
    return None


# --- the medal table (一带一路) ------------------------------------------------------------------------------

def has_medal_table(event: Event) -> bool:
    return event.kind == EventKind.BELT_AND_ROAD


def medal_table_settings(event: Event) -> awards.MedalTableSettings:
    return awards.MedalTableSettings(**(event.settings or {}).get("medal_table", {}))


def medal_table(event: Event) -> list[awards.MedalTableRow]:
    """The medal table of the event's published skills by country (``competition.rules.awards.medal_table``:
    gold/silver/bronze/Medallion counted 4/3/2/1 by default, sorted by points then golds, silvers, bronzes).
    Skills not yet published count nothing."""
    listed = []
    for skill in published_skills(event):
        for result in ranking(skill):
            country = delegation_country(result.entry)
            if country:
                listed.append(awards.DelegationAward(result.entry_id, country, result.award))
    return awards.medal_table(listed, medal_table_settings(event))


# --- contestant lookup --------------------------------------------------------------------------------------

def _normalise(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _published(results: Iterable[Result]) -> list[Result]:
    return sorted((r for r in results if r.entry.skill.results_published and r.entry.skill.event.is_public),
                  key=lambda r: (r.entry.skill.code, r.place))


def lookup_by_number(event: Event, skill_id: int, number: str) -> list[Result]:
    """The published result of 参赛号 ``number`` in one skill of ``event``; [] when there is none, for
    whatever reason."""
    number = unicodedata.normalize("NFKC", number or "").strip()
    if not number:
        return []
    result = db.session.scalar(select(Result).join(Entry, Result.entry_id == Entry.id).join(
        Skill, Entry.skill_id == Skill.id).where(Skill.event_id == event.id, Skill.id == skill_id,
                                                 Entry.competitor_number == number))
    return _published([result] if result is not None else [])


def lookup_by_name(event: Event, name: str, id_tail: str) -> list[Result]:
    """The published results in ``event`` of the person named ``name`` (as on the ID document, or in Latin
    letters; spaces and case do not matter) whose ID document number ends with ``id_tail``; [] when there
    are none, for whatever reason."""
    wanted, tail = _normalise(name), _normalise(id_tail).upper()
    if not wanted or len(tail) != ID_TAIL_LENGTH:
        return []
    rows = db.session.execute(
        select(Result, Person.name, Person.name_latin, Person.id_number)
        .join(Entry, Result.entry_id == Entry.id).join(EntryMember, EntryMember.entry_id == Entry.id)
        .join(Person, EntryMember.person_id == Person.id).join(Skill, Entry.skill_id == Skill.id)
        .where(Skill.event_id == event.id)
        .where((Person.name == name.strip()) | (func.lower(Person.name_latin) == wanted)
               | (func.lower(Person.name) == wanted)))
    found = {result.id: result for result, person_name, latin, number in rows
             if wanted in (_normalise(person_name), _normalise(latin)) and number.upper().endswith(tail)}
    return _published(found.values())


# --- versioned page cache -----------------------------------------------------------------------------------

# Every column of the skill (whatever columns publication adds later), the event's names, kind and status, and
# the newest computation and number of the skill's results: plain values, no ORM objects (a cache hit then
# costs one indexed query and a tuple comparison).
_VERSION_SQL = text(
    "SELECT skill.*, event.status, event.name, event.name_en, event.kind,"
    " (SELECT max(result.computed_at) FROM result WHERE result.skill_id = skill.id),"
    " (SELECT count(*) FROM result WHERE result.skill_id = skill.id)"
    " FROM skill JOIN event ON event.id = skill.event_id WHERE skill.id = :skill_id")


_compiled_version_sql: dict[str, str] = {}


_version_memo: dict[int, tuple[float, tuple | None]] = {}


def results_version(skill_id: int) -> tuple | None:
    """The version of everything a skill's results page shows, in one query; None for an unknown skill.
    Compute, publish, an appeal's recompute and republish, renaming the skill or the event all change it.

    Each worker remembers a skill's version for ``SAIPING_RESULTS_VERSION_TTL`` seconds (default 1): under a
    crowd the query then runs about once a second per worker instead of once a request (on PostgreSQL it
    cost more than the page), and a change shows on the public page within that second. A page is stored
    only when the skill is published at the moment it is rendered, so the memo never lets an unpublished
    result out.

    It runs on a DBAPI connection straight from the engine's pool (checked out, pinged and reset by the
    pool as usual), not through the ORM session: that costs a quarter of the time, and a cache hit then
    needs no session at all."""
    ttl = current_app.config["SAIPING_RESULTS_VERSION_TTL"]
    if ttl > 0:
        remembered = _version_memo.get(skill_id)
        if remembered is not None and time.monotonic() - remembered[0] < ttl:
            return remembered[1]
    version = _read_version(skill_id)
    if ttl > 0:
        _version_memo[skill_id] = (time.monotonic(), version)
    return version


def _read_version(skill_id: int) -> tuple | None:
    engine = db.engine
    sql = _compiled_version_sql.get(engine.dialect.name)
    if sql is None:
        sql = _compiled_version_sql[engine.dialect.name] = str(_VERSION_SQL.compile(dialect=engine.dialect))
    positional = engine.dialect.paramstyle in ("qmark", "format", "numeric")
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql, (skill_id,) if positional else {"skill_id": skill_id})
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return None if row is None else tuple(row)


@dataclass
class _Page:
    version: tuple
    body: str
    stored: float


class VersionedPageCache:
    """At most ``size`` rendered pages, least recently used dropped first, each valid for its version
    and for ``max_age`` seconds (a backstop for what the version does not cover, such as a contestant's
    corrected name). Thread-safe (gunicorn's gthread workers)."""

    def __init__(self, size: int = 512, max_age: float = 300.0) -> None:
        self.size = size
        self.max_age = max_age
        self._pages: OrderedDict[Hashable, _Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: tuple) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.version != version or time.monotonic() - page.stored > self.max_age:
                return None
            self._pages.move_to_end(key)
            return page.body

    def put(self, key: Hashable, version: tuple, body: str) -> None:
        with self._lock:
            self._pages[key] = _Page(version, body, time.monotonic())
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


page_cache = VersionedPageCache()


# --- exports ------------------------------------------------------------------------------------------------

EXPORT_HEADERS = ("赛项代码 Skill code", "赛项 Skill", "名次 Place", "并列 Shared", "参赛号 Competitor number",
                  "姓名 Name", "单位 Organisation", "国家/地区 Country", "证件号(部分) ID (masked)", "理论 Theory",
                  "实操 Practical", "总分 Total", "带入成绩 Carried score", "世赛分 WorldSkills scale", "奖项 Award",
                  "状态 Status")

CSV_HEADERS = ("event_code", "skill_code", "skill_name", "occupation_code", "level_grade_code", "place",
               "shared_place", "competitor_number", "team_name", "name", "name_latin", "id_type", "id_number",
               "nationality", "organisation", "organisation_country", "theory", "practical", "total", "carried",
               "scaled", "award", "results_status", "results_published_at")


def export_rows(event: Event, skills: list[Skill]) -> list[list[Any]]:
    """One row per entry of ``skills`` for the Excel workbook (ID numbers masked: a person is told apart by
    name, organisation and the masked number; the full numbers go only to the CSV for other systems). The
    carried score is set in a 世赛选拔 round that carries the previous round's (places follow it)."""
    from competition.models.people import mask_id_number
    rows = []
    for skill in skills:
        for r in ranking(skill):
            entry = r.entry
            rows.append([skill.code, skill.name, r.place, "=" if r.shared_place else "", entry.competitor_number,
                         entry.display_name, entry.organisation.name if entry.organisation else "",
                         delegation_country(entry) or "",
                         "、".join(mask_id_number(m.person.id_number) for m in entry.members),
                         r.theory, r.practical, r.total, r.carried, r.scaled, label("award", r.award),
                         label("results_status", skill.results_status)])
    return rows


def csv_rows(event: Event, skills: list[Skill]) -> list[list[Any]]:
    """One row per person (a team's members each get the team's result), with the full ID document number:
    other systems (grade certificates, 以赛代评 promotions) identify people by it."""
    rows = []
    for skill in skills:
        for r in ranking(skill):
            entry = r.entry
            for member in entry.members:
                person = member.person
                rows.append([event.code, skill.code, skill.name, skill.occupation_code, skill.level_grade_code,
                             r.place, int(r.shared_place), entry.competitor_number or "", entry.team_name or "",
                             person.name, person.name_latin or "", person.id_type, person.id_number,
                             person.nationality, entry.organisation.name if entry.organisation else "",
                             delegation_country(entry) or "", r.theory, r.practical, r.total,
                             "" if r.carried is None else r.carried, r.scaled,
                             r.award or "", skill.results_status,
                             skill.results_published_at.isoformat() if skill.results_published_at else ""])
    return rows


# --- the results book (PDF) ---------------------------------------------------------------------------------

_font_config = None


def _in(locale: str, text: Any) -> Any:
    """``text`` (a function of one code) evaluated in ``locale``: the book prints Chinese and English."""
    def translated(code: str) -> str:
        with force_locale(locale):
            return str(text(code))
    return translated


def results_book_pdf(event: Event, skills: list[Skill]) -> bytes:
    """The event's results book: a cover (event, dates, venue, the skills), then one section per skill with
    its ranking table, A4. Fonts are embedded (WeasyPrint embeds a subset of each font it uses)."""
    global _font_config
    from datetime import date

    from flask import render_template
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    if _font_config is None:
        _font_config = FontConfiguration()  # one per process (PERFORMANCE-NOTES: memory stays flat)
    html = render_template("reports/results_book_pdf.html", event=event,
                           sections=[(skill, ranking(skill)) for skill in skills],
                           scaled=is_worldskills_model(event), today=date.today(),
                           medals=medal_table(event) if has_medal_table(event) else [],
                           award_zh=_in("zh_CN", lambda code: label("award", code)),
                           award_en=_in("en", lambda code: label("award", code)),
                           country_zh=_in("zh_CN", country_name), country_en=_in("en", country_name))
    return HTML(string=html).write_pdf(font_config=_font_config)
