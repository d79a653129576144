"""Appeals (申诉, DOMAIN.md §6): filed by the contestant or their team leader (领队) within the window,
naming marks of their own entry; decided by the 监督仲裁组 (uphold or reject, with a written reason; final).
An upheld appeal reopens exactly the named marks: each is re-marked by a judge of the skill's panel who is
not conflicted with the contestant and did not give the original mark. When the last one is re-marked the
results are recomputed and, if they were published, published again with a new publicity period; every
certificate and evaluation record that followed from a result that changed is flagged for reissue.
Every step is audited; every refusal changes nothing."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from competition import permissions
from competition.errors import N_, Invalid, NotAllowed, NotFound, StateConflict
from competition.extensions import db
from competition.models import (
    Appeal,
    AppealMark,
    AppealStatus,
    Entry,
    EntryMember,
    EntryStatus,
    JudgeAssignment,
    Mark,
    MarkRevision,
    ResultsStatus,
    RevisionKind,
    Role,
    Skill,
    User,
)
from competition.rules import marking as marking_rules
from competition.rules import publication as rules
from competition.services import audit, jobs, judging, publication, results
from competition.services.settings import settings_for

GROUNDS_MAX = 5000


def window(skill: Skill) -> tuple[datetime, datetime] | None:
    """(opens, closes) of the skill's appeal window, or None while it has not opened."""
    settings = settings_for(skill, "appeals", rules.AppealSettings)
    start = skill.marks_locked_at if settings.window_starts == rules.WindowStart.MARKS_LOCKED \
        else skill.results_published_at
    start = publication.aware(start)
    return None if start is None else (start, rules.appeal_deadline(start, settings))


def window_open(skill: Skill) -> bool:
    span = window(skill)
    return span is not None and span[0] <= publication.now() <= span[1]


def appealable_entries(user: User) -> list[Entry]:
    """Approved entries the user may appeal for: their own, and their organisation's as a team leader."""
    if not getattr(user, "is_authenticated", False):
        return []
    orgs = [g.organisation_id for g in user.grants if g.role == Role.TEAM_LEADER and g.organisation_id]
    query = select(Entry).where(Entry.status == EntryStatus.APPROVED)
    own = Entry.id.in_(select(EntryMember.entry_id).where(EntryMember.person_id == user.person_id)) \
        if user.person_id else None
    team = Entry.organisation_id.in_(orgs) if orgs else None
    conditions = [c for c in (own, team) if c is not None]
    if not conditions:
        return []
    return list(db.session.scalars(query.where(or_(*conditions)).order_by(Entry.id)))


def file_appeal(user: User, entry: Entry, mark_ids: list[int], grounds: str) -> Appeal:
    """File an appeal about ``mark_ids`` (marks of ``entry``) with written ``grounds``."""
    if not permissions.can_appeal_for(user, entry):
        raise NotAllowed("appeal.not_yours", N_("You can appeal only for your own entry, or as the team leader "
                                                "of its organisation."))
    if entry.status != EntryStatus.APPROVED:
        raise StateConflict("appeal.entry_not_approved", N_("Only an approved entry can appeal."))
    grounds = (grounds or "").strip()
    if not grounds:
        raise Invalid("appeal.grounds", N_("Write the grounds of the appeal."))
    if len(grounds) > GROUNDS_MAX:
        raise Invalid("appeal.grounds_long", N_("The grounds are limited to %(n)s characters."), n=GROUNDS_MAX)
    ids = sorted({i for i in mark_ids if isinstance(i, int) and not isinstance(i, bool)})
    if not ids or len(ids) != len(set(mark_ids)):
        raise Invalid("appeal.no_marks", N_("Name the marks the appeal is about."))
    marks = list(db.session.scalars(select(Mark).where(Mark.id.in_(ids))))
    if len(marks) != len(ids) or any(m.entry_id != entry.id for m in marks):
        raise NotAllowed("appeal.not_own_marks", N_("An appeal can name only marks of the appealing entry."))
    skill = entry.skill
    span = window(skill)
    if span is None:
        raise StateConflict("appeal.window_not_open", N_("Appeals open when the chief judge has locked the marks."))
    if publication.now() > span[1]:
        raise StateConflict("appeal.late", N_("The appeal window closed at %(deadline)s: late appeals are refused."),
                            deadline=publication.local(span[1]).strftime("%Y-%m-%d %H:%M"))
    if skill.results_status == ResultsStatus.FINAL:
        raise StateConflict("appeal.final", N_("The results are final."))
    already = db.session.scalars(select(AppealMark.mark_id).join(Appeal).where(
        AppealMark.mark_id.in_(ids), Appeal.status.in_([AppealStatus.PENDING, AppealStatus.UPHELD]))).all()
    if already:
        raise StateConflict("appeal.duplicate", N_("An open appeal already names some of these marks."))
    appeal = Appeal(entry_id=entry.id, skill_id=skill.id, grounds=grounds, filed_by_id=user.id,
                    marks=[AppealMark(mark_id=i) for i in ids])
    db.session.add(appeal)
    audit.record("appeal.file", appeal, actor=user, after={"entry_id": entry.id, "mark_ids": ids, "grounds": grounds})
    return appeal


def decide(supervisor: User, appeal: Appeal, uphold: bool, reason: str) -> Appeal:
    """The 监督仲裁组's ruling: final."""
    if not permissions.can_decide_appeals(supervisor, appeal.skill):
        raise NotAllowed("appeal.not_supervisor", N_("Only the supervision and arbitration group decides "
                                                     "appeals."))
    if appeal.status != AppealStatus.PENDING:
        raise StateConflict("appeal.decided", N_("This appeal has been decided; the ruling is final."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("appeal.reason", N_("Write the reason for the ruling."))
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    appeal.decided_by_id, appeal.decided_at, appeal.decision_reason = supervisor.id, publication.now(), reason[:5000]
    audit.record("appeal.decide", appeal, actor=supervisor, before={"status": AppealStatus.PENDING},
                 after={"status": appeal.status, "reason": appeal.decision_reason})
    if not uphold:
        publication.finalise_if_due(appeal.skill)
    return appeal


def remark_refusal(user: User, item: AppealMark) -> str | None:
    """Why ``user`` may not re-mark the appealed mark (a message id), or None."""
    person_id = getattr(user, "person_id", None)
    if person_id is None or db.session.scalar(select(JudgeAssignment.id).where(
            JudgeAssignment.skill_id == item.appeal.skill_id, JudgeAssignment.person_id == person_id)) is None:
        return N_("Only a judge of this skill's panel can re-mark it.")
    if item.mark.judge_person_id == person_id:
        return N_("The judge who gave the mark does not re-mark it.")
    if judging.marking_conflict(person_id, item.appeal.entry):
        return N_("You may not mark this competitor (conflict of interest).")
    return None


def to_remark(user: User) -> list[AppealMark]:
    """Reopened marks of upheld appeals that ``user`` may re-mark."""
    if getattr(user, "person_id", None) is None:
        return []
    items = db.session.scalars(select(AppealMark).join(Appeal).join(
        JudgeAssignment, JudgeAssignment.skill_id == Appeal.skill_id).where(
        JudgeAssignment.person_id == user.person_id, Appeal.status == AppealStatus.UPHELD,
        AppealMark.remarked_at.is_(None)).order_by(AppealMark.id))
    return [item for item in items if remark_refusal(user, item) is None]


def remark(user: User, item: AppealMark, value: Any, note: str = "") -> AppealMark:
    """Re-mark one reopened mark; the last one settles the appeal (recompute, republish, flags)."""
    if item.appeal.status != AppealStatus.UPHELD:
        raise StateConflict("appeal.not_upheld", N_("Only the marks of an upheld appeal are reopened."))
    if item.remarked_at is not None:
        raise StateConflict("appeal.remarked", N_("This mark has already been re-marked."))
    refusal = remark_refusal(user, item)
    if refusal:
        raise NotAllowed("appeal.remark_not_allowed", refusal)
    mark = item.mark
    settings = settings_for(item.appeal.skill, "marking", marking_rules.MarkingRules)
    try:
        new = marking_rules.validate_value(mark.aspect.spec(), None if value is None else str(value), settings)
    except marking_rules.MarkingError as error:
        raise Invalid.from_rule(error) from None
    note = (note or "").strip()[:500] or None
    db.session.add(MarkRevision(mark_id=mark.id, kind=RevisionKind.APPEAL, old_value=mark.value, new_value=new,
                                reason=f"appeal {item.appeal_id}" + (f": {note}" if note else ""),
                                changed_by_id=user.id))
    item.old_value, item.new_value, item.note = mark.value, new, note
    item.remarked_by_id, item.remarked_at = user.id, publication.now()
    mark.value = new
    audit.record("appeal.remark", item, actor=user, after={"appeal_id": item.appeal_id, "mark_id": mark.id,
                                                          "old": item.old_value, "new": new})
    if all(m.remarked_at is not None for m in item.appeal.marks):
        settle(item.appeal, user)
    return item


def settle(appeal: Appeal, actor: User | None) -> Appeal:
    """Every reopened mark is re-marked: recompute; republish published results; flag what depended on a
    result that changed; the appeal is resolved."""
    skill = appeal.skill
    changed: list[int] = []
    if skill.results_status != ResultsStatus.NONE:
        changed = results.recompute(skill, actor=actor)
        reason = f"appeal {appeal.id}"
        if skill.results_published:
            if skill.results_status == ResultsStatus.FINAL:  # cannot happen: an open appeal blocks final
                raise StateConflict("appeal.final", N_("The results are final."))
            publication.republish(skill, actor, reason)
            from evaluation.services import flag_for_reissue, flag_records_for_reissue
            for result_id in changed:
                flag_for_reissue(result_id, f"申诉 {appeal.id} / appeal {appeal.id}")
                flag_records_for_reissue(result_id, f"申诉 {appeal.id} / appeal {appeal.id}")
        elif skill.results_status == ResultsStatus.REVIEWED:  # the chief judge reviews the new draft
            if skill.results_publish_at is not None:
                jobs.cancel(publication.publish_job_id(skill))
                skill.results_publish_at = None
            before = {"status": skill.results_status}
            skill.results_status = ResultsStatus.DRAFT
            skill.results_reviewed_at = skill.results_reviewed_by_id = None
            audit.record("results.status", skill, actor=actor, before=before, after={"status": ResultsStatus.DRAFT,
                                                                                   "reason": reason})
    appeal.status, appeal.resolved_at = AppealStatus.RESOLVED, publication.now()
    audit.record("appeal.resolve", appeal, actor=actor, before={"status": AppealStatus.UPHELD},
                 after={"status": AppealStatus.RESOLVED, "changed_result_ids": changed})
    return appeal


def appeals_for(user: User) -> list[Appeal]:
    entry_ids = [e.id for e in appealable_entries(user)]
    if not entry_ids:
        return []
    return list(db.session.scalars(select(Appeal).where(Appeal.entry_id.in_(entry_ids)).order_by(Appeal.id.desc())))


def pending_for(supervisor: User) -> list[Appeal]:
    found = db.session.scalars(select(Appeal).where(Appeal.status == AppealStatus.PENDING).order_by(Appeal.filed_at))
    return [a for a in found if permissions.can_decide_appeals(supervisor, a.skill)]


def get(appeal_id: int) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("not_found", N_("The page or record you asked for does not exist."))
    return appeal
