"""Assigning judges to skills."""
from __future__ import annotations

from sqlalchemy import select

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db
from competition.models import Entry, EntryMember, JudgeAssignment, JudgeRole, Person, Role, RoleGrant, Skill, User
from competition.services import audit


def judge_pool() -> list[Person]:
    """People with an account in the judge pool (裁判库)."""
    return list(db.session.scalars(
        select(Person).join(User, User.person_id == Person.id).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.JUDGE).distinct().order_by(Person.name)))


def assign_judge(skill: Skill, person: Person, role: str = JudgeRole.SCORER) -> JudgeAssignment:
    if role not in set(JudgeRole):
        raise Invalid("judge.role", N_("Unknown judge role."))
    if person.id not in {p.id for p in judge_pool()}:
        raise Invalid("judge.not_in_pool", N_("%(name)s is not in the judge pool."), name=person.name)
    if db.session.scalar(select(JudgeAssignment.id).where(JudgeAssignment.skill_id == skill.id,
                                                          JudgeAssignment.person_id == person.id)):
        raise StateConflict("judge.already", N_("%(name)s already judges this skill."), name=person.name)
    if db.session.scalar(select(EntryMember.id).where(EntryMember.skill_id == skill.id,
                                                      EntryMember.person_id == person.id)):
        raise StateConflict("judge.is_contestant", N_("%(name)s competes in this skill and cannot judge it."),
                            name=person.name)
    if role == JudgeRole.CHIEF and db.session.scalar(select(JudgeAssignment.id).where(
            JudgeAssignment.skill_id == skill.id, JudgeAssignment.role == JudgeRole.CHIEF)):
        raise StateConflict("judge.chief_taken", N_("This skill already has a chief judge."))
    assignment = JudgeAssignment(skill_id=skill.id, person_id=person.id, role=role)
    db.session.add(assignment)
    audit.record("judge.assign", assignment, after={"skill_id": skill.id, "person_id": person.id, "role": role})
    return assignment


def assignments(skill: Skill) -> list[JudgeAssignment]:
    return list(db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.skill_id == skill.id)
                                   .order_by(JudgeAssignment.role, JudgeAssignment.id)))


def marking_conflict(judge_person_id: int, entry: Entry) -> str | None:
    """Why this judge may not mark this entry (a conflict of interest), or None.

    Today: the judge competes in the entry, or works for the entry's organisation or a member's employer.
    The judges issue extends this with every conflict type of DOMAIN.md §4 and declared conflicts."""
    members = [m.person for m in entry.members]
    if any(p.id == judge_person_id for p in members):
        return "self"
    judge = db.session.get(Person, judge_person_id)
    organisations = {entry.organisation_id} | {p.organisation_id for p in members}
    if judge is not None and judge.organisation_id is not None and judge.organisation_id in organisations:
        return "same_employer"
    return None
