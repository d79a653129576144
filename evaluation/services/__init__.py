"""The evaluation side's services: every state change validated, written and audited in one transaction.

- :mod:`.records`: evaluation records for the four routes, eligibility, approvals, grade history;
- :mod:`.certificates`: numbers, issue, revoke, reissue, reissue flags, photos, the printed view;
- :mod:`.imports`: enterprise self-evaluation from Excel; :mod:`.print_jobs`: batch printing;
- :mod:`.signing`: Ed25519 keys, signatures, Verifiable Credentials, the status list;
- :mod:`.verification`: the public check by number and code.

The names below are the ones other packages use (the demo, the results side).
"""
from evaluation.services.certificates import (
    certificate_pdf,
    certificate_view,
    certificates_of,
    flag_for_reissue,
    issue_certificate,
    next_serial,
    reissue_certificate,
    revoke_certificate,
)
from evaluation.services.records import (
    Candidate,
    current_grade,
    decide_promotion,
    flag_records_for_reissue,
    issue_from_candidate,
    promotion_candidates,
    promotion_rules_for,
)
from evaluation.services.verification import verify

__all__ = [
    "Candidate", "certificate_pdf", "certificate_view", "certificates_of", "current_grade", "decide_promotion",
    "flag_for_reissue", "flag_records_for_reissue", "issue_certificate", "issue_from_candidate", "next_serial", "promotion_candidates",
    "promotion_rules_for", "reissue_certificate", "revoke_certificate", "verify",
]
