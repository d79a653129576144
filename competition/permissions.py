"""Who may do what: small predicates, called by every route and API endpoint (never by templates alone).

Organisers are granted globally (组委会 of every event: may create events) or per event. Judging rights
come only from a JudgeAssignment to a skill. Evaluation officers act for the bodies they are granted."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from competition.extensions import db
from competition.models import Anonymisation, Event, JudgeAssignment, JudgeRole, Role, Skill


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _grants(user: Any, role: Role) -> list:
    if not _authenticated(user):
        return []
    return [grant for grant in user.grants if grant.role == role]


def has_role(user: Any, role: Role) -> bool:
    return bool(_grants(user, role))


def is_global_organiser(user: Any) -> bool:
    return any(grant.event_id is None for grant in _grants(user, Role.ORGANISER))


def can_create_event(user: Any) -> bool:
    return is_global_organiser(user)


def can_manage_event(user: Any, event: Event) -> bool:
    return any(grant.event_id in (None, event.id) for grant in _grants(user, Role.ORGANISER))


def can_manage_any_event(user: Any) -> bool:
    return has_role(user, Role.ORGANISER)


def judge_assignment(user: Any, skill: Skill) -> JudgeAssignment | None:
    if not _authenticated(user) or user.person_id is None:
        return None
    return db.session.scalar(select(JudgeAssignment).where(
        JudgeAssignment.skill_id == skill.id, JudgeAssignment.person_id == user.person_id))


def can_score(user: Any, skill: Skill) -> bool:
    return judge_assignment(user, skill) is not None


def is_chief_judge(user: Any, skill: Skill) -> bool:
    assignment = judge_assignment(user, skill)
    return assignment is not None and assignment.role == JudgeRole.CHIEF


def _event_grant(user: Any, role: Role, event: Event) -> bool:
    return any(grant.event_id in (None, event.id) for grant in _grants(user, role))


def granted_event_ids(user: Any, role: Role) -> set[int | None]:
    """The events a role is granted for (``None``: every event)."""
    return {grant.event_id for grant in _grants(user, role)}


def can_run_draw(user: Any, skill: Skill) -> bool:
    """The draw and the anonymous codes: organisers of the event and its 加密裁判."""
    return can_manage_event(user, skill.event) or _event_grant(user, Role.ENCRYPTION_JUDGE, skill.event)


def can_read_codes(user: Any, skill: Skill, revealed: bool = False) -> bool:
    """The mapping 参赛号 → 成果号: the 加密裁判 and organisers; the chief judge too once it is revealed."""
    return can_run_draw(user, skill) or (revealed and is_chief_judge(user, skill))


def can_check_in(user: Any, event: Event) -> bool:
    """Admission at the door (检录): organisers of the event and its check-in staff."""
    return can_manage_event(user, event) or _event_grant(user, Role.CHECKIN_STAFF, event)


def codes_sealed(skill: Skill) -> bool:
    """Whether the skill has anonymous codes that are not revealed yet (解密 not done)."""
    return db.session.scalar(select(Anonymisation.id).where(Anonymisation.skill_id == skill.id,
                                                            Anonymisation.revealed_at.is_(None))) is not None


def can_view_unpublished_results(user: Any, skill: Skill) -> bool:
    """Organisers; the chief judge once the codes are revealed (results name people: before the reveal they
    would tie the outer codes on the chief's sheet to names)."""
    return can_manage_event(user, skill.event) or (is_chief_judge(user, skill) and not codes_sealed(skill))


def can_view_results(user: Any, skill: Skill) -> bool:
    return skill.results_published or can_view_unpublished_results(user, skill)


def can_publish_results(user: Any, skill: Skill) -> bool:
    return can_manage_event(user, skill.event)


def can_decide_appeals(user: Any, skill: Skill) -> bool:
    """The 监督仲裁组: supervisors granted globally or for the skill's event."""
    return any(grant.event_id in (None, skill.event_id) for grant in _grants(user, Role.SUPERVISOR))


def can_appeal_for(user: Any, entry: Any) -> bool:
    """The contestant themself (a member of the entry) or a team leader (领队) of the entry's organisation."""
    if not _authenticated(user):
        return False
    if user.person_id is not None and any(m.person_id == user.person_id for m in entry.members):
        return True
    return entry.organisation_id is not None and any(
        grant.organisation_id == entry.organisation_id for grant in _grants(user, Role.TEAM_LEADER))


def can_enter_competitions(user: Any) -> bool:
    return _authenticated(user) and user.person_id is not None


def evaluation_bodies(user: Any) -> list[int]:
    """Ids of the evaluation bodies this user issues certificates for."""
    return [grant.organisation_id for grant in _grants(user, Role.EVALUATION_OFFICER)
            if grant.organisation_id is not None]


def can_issue_certificates(user: Any, body_id: int | None = None) -> bool:
    bodies = evaluation_bodies(user)
    return bool(bodies) if body_id is None else body_id in bodies


def can_see_full_identity(user: Any, person_id: int) -> bool:
    """Full ID numbers: the person themself, organisers and evaluation officers; everyone else sees masks."""
    if not _authenticated(user):
        return False
    return user.person_id == person_id or can_manage_any_event(user) or bool(evaluation_bodies(user))
