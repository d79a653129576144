"""Conflicts of interest (回避): which judge may not judge which contestant, and why (DOMAIN.md §4).

Pure: plain frozen dataclasses and functions, no Flask, no database, no I/O. A service loads the facts,
calls :func:`detect_conflicts`, then :func:`apply_waivers` with the waivers on record, and stores or shows
what is left.

Typed conflicts (after HotCRP). Each :class:`ConflictType` names one kind of interest:

=================  ==================================================================================
``same_employer``  the judge works or studies at an organisation the entry or a member belongs to
``same_district``  the judge's 区县 is the entry's 区县 delegation (or a member's own 区县)
``same_country``   the judge's country is the entry's national delegation (or a member's nationality)
``teacher_of``     the judge teaches or coaches a member of the entry
``relative``       the judge is a relative of a member of the entry
``declared``       the judge declared a conflict with a member of the entry
=================  ==================================================================================

Each active type has a :class:`ConflictEffect`: ``not_on_panel`` (the judge may not sit on the panel of
the skill where the contestant competes) or ``not_marking`` (the judge sits on the panel but does not
mark that contestant). :class:`ConflictSettings` holds the per-event choice; its defaults are:

- ``relative``, ``teacher_of``, ``declared``, ``same_employer`` → ``not_on_panel``. A panel discusses
  marks, re-scores when judges disagree and the chief signs every sheet, so an interested judge on the
  panel influences the result even without marking; these four are the classic personal conflicts and
  the panel can almost always be staffed without them (a skill has few contestants per organisation).
- ``same_district`` → ``not_marking``. With 40-odd 区县 delegations in one skill, excluding every judge
  from a competing 区县 would empty most panels; not marking one's own delegation is the WorldSkills
  convention ("Experts do not mark their own Member's competitor") applied to 区县.
- ``same_country`` → off, because in a domestic event every judge and contestant shares the country.
  :meth:`ConflictSettings.for_event_kind` turns it on (``not_marking``) for WorldSkills selection and
  一带一路 events, where national delegations compete.

Contract of :func:`detect_conflicts` (after Tabbycat's ``adjallocation/conflicts.py``): the contestants
are indexed once, one dictionary per kind of fact (organisation → contestants, 区县 → contestants,
country → contestants, person → contestants); each judge is then matched by dictionary look-ups on its
own facts only, never by comparing it with every contestant. Cost is O(contestants + judges + conflicts
found): 2,000 judges × 8,000 contestants (426,000 conflicts, most of them same-district) take about
a second on a 2-core machine. Only active types are indexed and looked up.

Identifiers (``Id``) are ints or strings, opaque to this module; results are ordered by input position,
and lists inside ``params`` are sorted, so the same input always gives the same output.

Errors. Refusals raise a subclass of :class:`ConflictError` (a ``competition.rules.RuleError``) with a stable ``code``, an
English msgid ``message`` and ``params``, the shape ``competition.errors.DomainError.from_rule`` expects.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeAlias

from competition.rules import N_, RuleError

__all__ = [
    "DEFAULT_SETTINGS", "Conflict", "ConflictEffect", "ConflictError", "ConflictInputError", "ConflictReason",
    "ConflictSettings", "ConflictType", "ContestantFacts", "JudgeFacts", "MemberFacts", "WaivedConflict",
    "Waiver", "WaiverError", "WaiverOutcome", "apply_waivers", "detect_conflicts",
]

Id: TypeAlias = int | str


# --- errors ---------------------------------------------------------------------------------------------

class ConflictError(RuleError):
    """A refusal from the conflict rules."""


class ConflictInputError(ConflictError):
    """The facts or settings cannot be used: ``conflicts.*``."""


class WaiverError(ConflictError):
    """A waiver is incomplete: ``waiver.*`` (``waiver.reason_required`` when it has no written reason)."""


# --- types and settings ---------------------------------------------------------------------------------

class ConflictType(StrEnum):
    """Kinds of interest, in the order conflicts of one pair are reported."""

    SAME_EMPLOYER = "same_employer"
    SAME_DISTRICT = "same_district"
    SAME_COUNTRY = "same_country"
    TEACHER_OF = "teacher_of"
    RELATIVE = "relative"
    DECLARED = "declared"


class ConflictEffect(StrEnum):
    """What a conflict forbids."""

    NOT_ON_PANEL = "not_on_panel"   # not on the panel of the contestant's skill at all
    NOT_MARKING = "not_marking"     # on the panel, but does not mark this contestant


_EVENT_KINDS_WITH_NATIONAL_DELEGATIONS = frozenset({"worldskills_selection", "belt_and_road"})


@dataclass(frozen=True)
class ConflictSettings:
    """Per-event choice, one field per :class:`ConflictType`: its effect, or ``None`` when the type is
    not checked in this event. Defaults and why: see the module docstring. Strings are accepted and
    converted to :class:`ConflictEffect`; anything else raises :class:`ConflictInputError`
    (``conflicts.invalid_setting``)."""

    same_employer: ConflictEffect | None = ConflictEffect.NOT_ON_PANEL
    same_district: ConflictEffect | None = ConflictEffect.NOT_MARKING
    same_country: ConflictEffect | None = None
    teacher_of: ConflictEffect | None = ConflictEffect.NOT_ON_PANEL
    relative: ConflictEffect | None = ConflictEffect.NOT_ON_PANEL
    declared: ConflictEffect | None = ConflictEffect.NOT_ON_PANEL

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            try:
                object.__setattr__(self, spec.name, ConflictEffect(value))
            except ValueError:
                raise ConflictInputError(
                    "conflicts.invalid_setting",
                    N_("Conflict setting %(setting)s = %(value)s must be one of %(allowed)s, or off."),
                    setting=spec.name, value=value, allowed=[effect.value for effect in ConflictEffect],
                ) from None

    @classmethod
    def for_event_kind(cls, kind: str) -> ConflictSettings:
        """The defaults for an event kind (``competition.models.event.EventKind`` values): same-country
        conflicts are checked, as ``not_marking``, only where national delegations compete
        (``worldskills_selection``, ``belt_and_road``)."""
        if kind in _EVENT_KINDS_WITH_NATIONAL_DELEGATIONS:
            return cls(same_country=ConflictEffect.NOT_MARKING)
        return cls()

    def effect(self, kind: ConflictType) -> ConflictEffect | None:
        """The effect of ``kind`` in this event, ``None`` when it is not checked."""
        return getattr(self, ConflictType(kind).value)

    @property
    def active(self) -> tuple[ConflictType, ...]:
        """The checked types, in :class:`ConflictType` order."""
        return tuple(kind for kind in ConflictType if self.effect(kind) is not None)


DEFAULT_SETTINGS = ConflictSettings()


# --- facts ----------------------------------------------------------------------------------------------

def _freeze_ids(owner: object, *names: str) -> None:
    """Store each named attribute as a frozenset; a bare string is refused (it would become its letters)."""
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, str | bytes):
            raise TypeError(f"{type(owner).__name__}.{name} must be a collection of ids, not a string")
        object.__setattr__(owner, name, frozenset(value))


@dataclass(frozen=True)
class JudgeFacts:
    """What ties a judge to contestants.

    - ``organisation_ids``: employer(s) and school(s).
    - ``district``: the judge's 区县 code; ``country``: ISO 3166-1 alpha-2.
    - ``student_ids``: person ids of those the judge teaches or coaches (``teacher_of``).
    - ``relative_ids``: person ids of relatives; ``declared_ids``: person ids the judge declared a
      conflict with. All three name *persons*, so a team entry conflicts through any of its members.

    Any iterable is accepted for the id sets and stored as a frozenset.
    """

    judge_id: Id
    organisation_ids: frozenset[Id] = frozenset()
    district: str | None = None
    country: str | None = None
    student_ids: frozenset[Id] = frozenset()
    relative_ids: frozenset[Id] = frozenset()
    declared_ids: frozenset[Id] = frozenset()

    def __post_init__(self) -> None:
        _freeze_ids(self, "organisation_ids", "student_ids", "relative_ids", "declared_ids")


@dataclass(frozen=True)
class MemberFacts:
    """One person in an entry (an individual entry has one member, a team entry two or three):
    their employer(s) and school(s), own 区县 and nationality."""

    person_id: Id
    organisation_ids: frozenset[Id] = frozenset()
    district: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        _freeze_ids(self, "organisation_ids")


@dataclass(frozen=True)
class ContestantFacts:
    """One contestant as panels see it: an entry, which for a team is several people.

    ``organisation_ids``, ``district`` and ``country`` are the entry's own: the organisations it competes
    for, its 区县 delegation and its national delegation. A conflict is found when a judge matches the
    entry *or any member*: a team is as conflicted as its most conflicted member."""

    contestant_id: Id
    members: tuple[MemberFacts, ...] = ()
    organisation_ids: frozenset[Id] = frozenset()
    district: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        _freeze_ids(self, "organisation_ids")
        object.__setattr__(self, "members", tuple(self.members))

    def all_organisation_ids(self) -> frozenset[Id]:
        """The entry's organisations and every member's."""
        return self.organisation_ids.union(*(member.organisation_ids for member in self.members))

    def all_districts(self) -> frozenset[str]:
        """The entry's 区县 delegation and every member's own 区县."""
        found = (self.district, *(member.district for member in self.members))
        return frozenset(district for district in found if district is not None)

    def all_countries(self) -> frozenset[str]:
        """The entry's national delegation and every member's nationality."""
        found = (self.country, *(member.country for member in self.members))
        return frozenset(country for country in found if country is not None)

    def person_ids(self) -> frozenset[Id]:
        return frozenset(member.person_id for member in self.members)


# --- conflicts ------------------------------------------------------------------------------------------

_REASON_MESSAGES: dict[ConflictType, str] = {
    ConflictType.SAME_EMPLOYER: N_("Judge %(judge_id)s works or studies at the same organisation as "
                                   "contestant %(contestant_id)s (%(organisation_ids)s)."),
    ConflictType.SAME_DISTRICT: N_("Judge %(judge_id)s is from the district (%(district)s) of "
                                   "contestant %(contestant_id)s."),
    ConflictType.SAME_COUNTRY: N_("Judge %(judge_id)s is from the country (%(country)s) of "
                                  "contestant %(contestant_id)s."),
    ConflictType.TEACHER_OF: N_("Judge %(judge_id)s teaches or coaches contestant %(contestant_id)s "
                                "(persons %(person_ids)s)."),
    ConflictType.RELATIVE: N_("Judge %(judge_id)s is a relative of contestant %(contestant_id)s "
                              "(persons %(person_ids)s)."),
    ConflictType.DECLARED: N_("Judge %(judge_id)s declared a conflict with contestant %(contestant_id)s "
                              "(persons %(person_ids)s)."),
}

# Which key of ``params`` holds the shared facts, and whether it is one value or a list.
_MATCH_PARAM: dict[ConflictType, tuple[str, bool]] = {
    ConflictType.SAME_EMPLOYER: ("organisation_ids", True),
    ConflictType.SAME_DISTRICT: ("district", False),
    ConflictType.SAME_COUNTRY: ("country", False),
    ConflictType.TEACHER_OF: ("person_ids", True),
    ConflictType.RELATIVE: ("person_ids", True),
    ConflictType.DECLARED: ("person_ids", True),
}


@dataclass(frozen=True)
class ConflictReason:
    """Why a conflict exists, for a page to render in Chinese or English: ``code`` is
    ``conflict.<type>``, ``message`` an English msgid, ``params`` fills its placeholders."""

    code: str
    message: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Conflict:
    """Judge ``judge_id`` has an interest of ``type`` in contestant (entry) ``contestant_id``.

    ``matched`` holds what they share, sorted: organisation ids, the one 区县 or country, or the person
    ids of the members concerned. One conflict per (judge, contestant, type)."""

    judge_id: Id
    contestant_id: Id
    type: ConflictType
    effect: ConflictEffect
    matched: tuple[Any, ...]

    @property
    def key(self) -> tuple[Id, Id, ConflictType]:
        return self.judge_id, self.contestant_id, self.type

    @property
    def reason(self) -> ConflictReason:
        name, is_list = _MATCH_PARAM[self.type]
        params = {"judge_id": self.judge_id, "contestant_id": self.contestant_id,
                  name: list(self.matched) if is_list else self.matched[0]}
        return ConflictReason(f"conflict.{self.type.value}", _REASON_MESSAGES[self.type], params)


def _sort_key(value: Id) -> tuple[str, Id]:
    # Ids of one kind are usually all ints or all strings; the type name keeps a mixture sortable.
    return type(value).__name__, value


def _refuse_duplicates(ids: Iterable[Id], what: str) -> None:
    seen: set[Id] = set()
    for value in ids:
        if value in seen:
            raise ConflictInputError(f"conflicts.duplicate_{what}",
                                     N_("The %(what)s %(id)s is listed twice."), what=what, id=value)
        seen.add(value)


def _index(contestants: list[ContestantFacts], active: tuple[ConflictType, ...]
           ) -> dict[ConflictType, dict[Any, list[int]]]:
    """One dictionary per active type: shared fact → positions of the contestants that have it.
    The three person-relation types share one person index."""
    by_fact = {
        ConflictType.SAME_EMPLOYER: ContestantFacts.all_organisation_ids,
        ConflictType.SAME_DISTRICT: ContestantFacts.all_districts,
        ConflictType.SAME_COUNTRY: ContestantFacts.all_countries,
    }
    indexes: dict[ConflictType, dict[Any, list[int]]] = {}
    by_person: dict[Any, list[int]] | None = None
    for kind in active:
        if kind in by_fact:
            facts_of = by_fact[kind]
            table: dict[Any, list[int]] = {}
            for position, contestant in enumerate(contestants):
                for fact in facts_of(contestant):
                    table.setdefault(fact, []).append(position)
            indexes[kind] = table
        else:
            if by_person is None:
                by_person = {}
                for position, contestant in enumerate(contestants):
                    for person_id in contestant.person_ids():
                        by_person.setdefault(person_id, []).append(position)
            indexes[kind] = by_person
    return indexes


def _judge_keys(judge: JudgeFacts, kind: ConflictType) -> Sequence[Any]:
    """The judge's facts that the index of ``kind`` is looked up with, sorted."""
    if kind is ConflictType.SAME_EMPLOYER:
        return sorted(judge.organisation_ids, key=_sort_key)
    if kind is ConflictType.SAME_DISTRICT:
        return () if judge.district is None else (judge.district,)
    if kind is ConflictType.SAME_COUNTRY:
        return () if judge.country is None else (judge.country,)
    if kind is ConflictType.TEACHER_OF:
        return sorted(judge.student_ids, key=_sort_key)
    if kind is ConflictType.RELATIVE:
        return sorted(judge.relative_ids, key=_sort_key)
    return sorted(judge.declared_ids, key=_sort_key)


def detect_conflicts(judges: Iterable[JudgeFacts], contestants: Iterable[ContestantFacts],
                     settings: ConflictSettings = DEFAULT_SETTINGS) -> list[Conflict]:
    """Every conflict between ``judges`` and ``contestants`` of the types active in ``settings``.

    Returns one :class:`Conflict` per (judge, contestant, type), ordered by the judge's position in
    ``judges``, then the contestant's position in ``contestants``, then :class:`ConflictType` order.
    Cost and method: see the module docstring. Raises :class:`ConflictInputError`
    (``conflicts.duplicate_judge`` / ``conflicts.duplicate_contestant``) when an id is listed twice.
    """
    judges = list(judges)
    contestants = list(contestants)
    _refuse_duplicates((judge.judge_id for judge in judges), "judge")
    _refuse_duplicates((contestant.contestant_id for contestant in contestants), "contestant")
    active = settings.active              # in ConflictType order, so a type's rank is its position here
    tables = _index(contestants, active)
    indexes = [tables[kind] for kind in active]
    effects = [effect for kind in active if (effect := settings.effect(kind)) is not None]
    contestant_ids = [contestant.contestant_id for contestant in contestants]

    found: list[Conflict] = []
    for judge in judges:
        # (contestant position, type rank, key rank) for every look-up that hits: sorting them yields
        # the output order and puts the keys shared with one contestant next to each other.
        keys_by_rank = [_judge_keys(judge, kind) for kind in active]
        hits = [(position, rank, k)
                for rank, table in enumerate(indexes)
                for k, key in enumerate(keys_by_rank[rank])
                for position in table.get(key, ())]
        hits.sort()
        previous = None
        for position, rank, k in hits:
            key = keys_by_rank[rank][k]
            if (position, rank) == previous:
                last = found[-1]
                found[-1] = Conflict(last.judge_id, last.contestant_id, last.type, last.effect,
                                     (*last.matched, key))
                continue
            previous = position, rank
            found.append(Conflict(judge.judge_id, contestant_ids[position], active[rank],
                                  effects[rank], (key,)))
    return found


# --- waivers --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waiver:
    """A decision that one conflict does not apply, e.g. a same-employer conflict with a 5,000-person
    enterprise whose judge and contestant never met. ``reason`` is the written justification, required
    and shown in the audit trail; ``granted_by`` who decided (the service checks that they may).

    Raises :class:`WaiverError` on construction: ``waiver.reason_required`` when ``reason`` is not a
    string with visible text, ``waiver.unknown_type`` when ``type`` is not a :class:`ConflictType`."""

    judge_id: Id
    contestant_id: Id
    type: ConflictType
    reason: str
    granted_by: Id | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise WaiverError("waiver.reason_required",
                              N_("A waiver of the conflict between judge %(judge_id)s and contestant "
                                 "%(contestant_id)s needs a written reason."),
                              judge_id=self.judge_id, contestant_id=self.contestant_id)
        try:
            object.__setattr__(self, "type", ConflictType(self.type))
        except ValueError:
            raise WaiverError("waiver.unknown_type", N_("%(type)s is not a kind of conflict."),
                              type=self.type) from None

    @property
    def key(self) -> tuple[Id, Id, ConflictType]:
        return self.judge_id, self.contestant_id, self.type


@dataclass(frozen=True)
class WaivedConflict:
    conflict: Conflict
    waiver: Waiver


@dataclass(frozen=True)
class WaiverOutcome:
    """``in_force``: the conflicts no waiver covers, in input order; ``waived``: each waived conflict with
    the waiver that covers it; ``unused``: waivers that match no conflict (the facts changed, or a second
    waiver for one conflict), for the organiser to review: they are harmless but should not pile up."""

    in_force: list[Conflict]
    waived: list[WaivedConflict] = field(default_factory=list)
    unused: list[Waiver] = field(default_factory=list)


def apply_waivers(conflicts: Iterable[Conflict], waivers: Iterable[Waiver]) -> WaiverOutcome:
    """Split ``conflicts`` into those in force and those waived. A waiver covers exactly one
    (judge, contestant, type); the first waiver for a key is used. Every waiver carries a written reason
    (:class:`Waiver` raises :class:`WaiverError` otherwise); anything else passed as a waiver raises
    ``TypeError``."""
    waivers = list(waivers)
    first_for_key: dict[tuple[Id, Id, ConflictType], int] = {}
    for position, waiver in enumerate(waivers):
        if not isinstance(waiver, Waiver):
            raise TypeError(f"waivers must be Waiver objects, not {type(waiver).__name__}")
        first_for_key.setdefault(waiver.key, position)
    in_force: list[Conflict] = []
    waived: list[WaivedConflict] = []
    used: set[int] = set()
    for conflict in conflicts:
        position = first_for_key.get(conflict.key)
        if position is None:
            in_force.append(conflict)
        else:
            waived.append(WaivedConflict(conflict, waivers[position]))
            used.add(position)
    return WaiverOutcome(in_force, waived, [waiver for position, waiver in enumerate(waivers)
                                            if position not in used])
