"""Translated labels for stored codes (statuses, kinds, roles, awards), shared by forms and pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competition.models import (
    AspectKind,
    EntryStatus,
    EventKind,
    EventStatus,
    IdType,
    JudgeRole,
    MeasurementMethod,
    Tier,
)

EVENT_KIND = {
    EventKind.BAYU_CUP: _l("Bayu Craftsman Cup (巴渝工匠杯)"),
    EventKind.WORLDSKILLS_SELECTION: _l("WorldSkills selection (世赛选拔)"),
    EventKind.BELT_AND_ROAD: _l("Belt and Road international invitational (一带一路)"),
}
TIER = {
    Tier.NATIONAL_1: _l("National, class 1"), Tier.NATIONAL_2: _l("National, class 2"),
    Tier.PROVINCIAL_1: _l("Municipal, class 1"), Tier.PROVINCIAL_2: _l("Municipal, class 2"),
    Tier.INDUSTRY: _l("Industry competition"), Tier.DISTRICT: _l("District competition"),
    Tier.ENTERPRISE: _l("Enterprise skills contest"),
}
EVENT_STATUS = {
    EventStatus.DRAFT: _l("Draft"), EventStatus.REGISTRATION_OPEN: _l("Registration open"),
    EventStatus.REGISTRATION_CLOSED: _l("Registration closed"), EventStatus.COMPETITION: _l("Competition"),
    EventStatus.MARKING: _l("Marking"), EventStatus.RESULTS: _l("Results"), EventStatus.ARCHIVED: _l("Archived"),
}
ENTRY_STATUS = {
    EntryStatus.SUBMITTED: _l("Submitted"), EntryStatus.APPROVED: _l("Approved"),
    EntryStatus.REJECTED: _l("Rejected"), EntryStatus.WITHDRAWN: _l("Withdrawn"),
}
ID_TYPE = {
    IdType.RESIDENT_ID: _l("Resident identity card"), IdType.PASSPORT: _l("Passport"),
    IdType.HK_MACAU_PERMIT: _l("Hong Kong / Macao permit"), IdType.TAIWAN_PERMIT: _l("Taiwan permit"),
}
JUDGE_ROLE = {JudgeRole.SCORER: _l("Judge"), JudgeRole.DEPUTY: _l("Deputy chief judge"),
              JudgeRole.CHIEF: _l("Chief judge")}  # the usual choice first: forms default to it
ASPECT_KIND = {AspectKind.MEASUREMENT: _l("Measurement"), AspectKind.JUDGEMENT: _l("Judgement (0-3)"),
               AspectKind.SUBJECTIVE: _l("Subjective item (5 judges, highest and lowest dropped)")}
MEASUREMENT_METHOD = {MeasurementMethod.DEDUCTION: _l("Mark after deductions (0 to max)"),
                      MeasurementMethod.YES_NO: _l("Yes or no (max or 0)"),
                      MeasurementMethod.BANDS: _l("Tolerance bands")}
AWARD = {
    "first": _l("First prize"), "second": _l("Second prize"), "third": _l("Third prize"),
    "excellence": _l("Excellence award"), "gold": _l("Gold medal"), "silver": _l("Silver medal"),
    "bronze": _l("Bronze medal"), "medallion": _l("Medallion for Excellence"), "advance": _l("Advances"),
    "advanced": _l("Advances"),
}
CORRECTION_STATUS = {"pending": _l("Waiting for a supervisor"), "applied": _l("Applied"), "rejected": _l("Rejected")}
PRINT_JOB_STATUS = {"queued": _l("Waiting"), "running": _l("Printing"), "done": _l("Ready"), "failed": _l("Failed")}
VERDICT = {"severe": _l("Severe"), "lenient": _l("Lenient"), "in_line": _l("In line with the panel"),
           "too_few": _l("Too few marks to tell")}
AFFILIATION = {"organisation": _l("Same organisation"), "district": _l("Same district"), "country": _l("Same country")}
RESULTS_STATUS = {"none": _l("Not computed"), "draft": _l("Draft (not public)"),
                  "reviewed": _l("Reviewed by the chief judge (not public)"),
                  "published": _l("Published for public review"), "final": _l("Final")}
APPEAL_STATUS = {"pending": _l("Waiting for the arbitration group"), "upheld": _l("Upheld: being re-marked"),
                 "rejected": _l("Rejected"), "resolved": _l("Upheld and re-marked")}

_ALL = {"event_kind": EVENT_KIND, "tier": TIER, "event_status": EVENT_STATUS, "entry_status": ENTRY_STATUS,
        "id_type": ID_TYPE, "judge_role": JUDGE_ROLE, "aspect_kind": ASPECT_KIND, "award": AWARD,
        "results_status": RESULTS_STATUS, "appeal_status": APPEAL_STATUS, "correction_status": CORRECTION_STATUS,
        "measurement_method": MEASUREMENT_METHOD, "print_job_status": PRINT_JOB_STATUS,
        "verdict": VERDICT, "affiliation": AFFILIATION}


def label(group: str, code: str | None) -> str:
    """The translated label of a stored code; the code itself when unknown (never blank)."""
    if code is None:
        return ""
    return str(_ALL[group].get(code, code))
