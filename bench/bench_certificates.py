"""Benchmark: batch printing of certificates against one document at a time with a fresh WeasyPrint setup.

    .venv/bin/python bench/bench_certificates.py [--count 1000] [--single-count 100] [--workers N]

Creates its own temporary SQLite database and app, issues ``--count`` certificates through the services,
then runs each mode in a child process of its own (so each mode's peak memory is its own):

- **batch**: the production path, a print job (``evaluation.services.print_jobs.run_print_job``): chunks of
  ``SAIPING_PRINT_CHUNK_SIZE`` certificates, one shared FontConfiguration per process, worker processes,
  PDFs of up to ``SAIPING_PRINT_PART_SIZE`` pages;
- **single**: one PDF per certificate, each with a new ``FontConfiguration`` and stylesheet (what a naive
  loop does). It runs ``--single-count`` certificates (default 100: its memory grows with every document)
  and the rate is compared per certificate.

Prints certificates per second and peak RSS for each mode, then
``BENCH certificate_batch ratio=<batch rate / single rate> goal=>=4 met=<yes|no>`` and the memory line.
Not collected by pytest (it lives outside ``tests/``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

GOAL_RATIO = 4.0
GOAL_PEAK_MB = 300
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "淼垚", "晓燕", "海波", "雪梅", "子轩", "嘉怡", "堃", "喆"]


def _app(workdir: Path):
    os.environ["SAIPING_INSTANCE_PATH"] = str(workdir / "instance")
    from competition import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}", "SECRET_KEY": "bench",
                       "SAIPING_CERTIFICATE_SECRET": "bench-certificate-secret", "RATELIMIT_ENABLED": False,
                       "SAIPING_PRINT_DIR": str(workdir / "prints"), "SAIPING_QUIET_REQUESTS": True})


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def prepare(workdir: Path, count: int) -> None:
    """Migrate a fresh database and issue ``count`` certificates (names vary, so fonts are really used)."""
    app = _app(workdir)  # first: the app imports the models in their order
    import flask_migrate

    from competition.extensions import db
    from competition.models import Organisation, OrgKind, Role
    from competition.rules.identity import resident_id_check_char
    from competition.services import accounts, entries
    from evaluation.services import certificates

    with app.app_context():
        flask_migrate.upgrade()
    with app.test_request_context():
        body = Organisation(name="重庆市渝才职业技能评价中心", kind=OrgKind.EVALUATION_BODY, body_kind="S",
                            body_code="0000", province_code="50", site_code="123456")
        db.session.add(body)
        db.session.flush()
        officer = accounts.create_user("officer", "bench-pass-1", "officer",
                                       roles=((Role.EVALUATION_OFFICER, None, body.id),))
        for i in range(count):
            number = f"500107{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
            person = entries.find_or_create_person(
                name=FAMILY[i % len(FAMILY)] + GIVEN[(i * 7) % len(GIVEN)] + FAMILY[(i * 3) % len(FAMILY)],
                id_type="resident_id", id_number=number + resident_id_check_char(number))
            certificates.issue_certificate(
                officer, body_id=body.id, person=person, grade_code=("junior", "intermediate", "senior")[i % 3],
                occupation_code="6-31-01-03", occupation_name=("电工", "焊工", "工业机器人系统运维员")[i % 3],
                trade=None if i % 2 else "维修电工", route="assessment", issue_date=date(2026, 11, 23))
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()


def run_batch(workdir: Path, workers: int | None) -> dict:
    app = _app(workdir)  # first: the app imports the models in their order

    from sqlalchemy import select

    from competition.extensions import db
    from competition.models import User
    from evaluation.services import print_jobs

    with app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        job = print_jobs.create_print_job(officer, print_jobs.Selection(body_id=1, issued_from=date(2026, 1, 1)))
        db.session.commit()
        started = time.perf_counter()
        job = print_jobs.run_print_job(job.id, workers=workers)
        elapsed = time.perf_counter() - started
        assert job.status == "done", job.error
        pages = sum(_pages(print_jobs.print_dir() / name) for name in job.parts)
        return {"count": job.total, "pages": pages, "parts": len(job.parts), "seconds": elapsed,
                "peak_mb": _peak_mb(resource.RUSAGE_SELF), "workers_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
                "workers": workers}


def _pages(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(str(path)).pages)


def run_single(workdir: Path, count: int) -> dict:
    app = _app(workdir)  # first: the app imports the models in their order

    from sqlalchemy import select
    from weasyprint.text.fonts import FontConfiguration

    from competition.extensions import db
    from evaluation import printing
    from evaluation.models import Certificate
    from evaluation.services import certificates

    with app.test_request_context():
        views = [certificates.certificate_view(c) for c in
                 db.session.scalars(select(Certificate).order_by(Certificate.id).limit(count))]
        started = time.perf_counter()
        for view in views:
            printing._STYLESHEET = None  # a fresh setup: new stylesheet, new FontConfiguration
            pdf = printing.render_certificates([view], font_config=FontConfiguration())
            (workdir / "single.pdf").write_bytes(pdf)
        elapsed = time.perf_counter() - started
        return {"count": len(views), "seconds": elapsed, "peak_mb": _peak_mb(resource.RUSAGE_SELF)}


def _child(mode: str, workdir: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--workdir", str(workdir),
               "--single-count", str(args.single_count)]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit(f"the {mode} mode failed")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates in the batch (default 1000)")
    parser.add_argument("--single-count", type=int, default=100,
                        help="certificates rendered one at a time (default 100)")
    parser.add_argument("--workers", type=int, default=None, help="batch worker processes (default: 2 on 2+ cores)")
    parser.add_argument("--child", choices=["batch", "single"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        workdir = Path(args.workdir)
        outcome = run_batch(workdir, args.workers) if args.child == "batch" else run_single(workdir, args.single_count)
        print(json.dumps(outcome))
        return

    with tempfile.TemporaryDirectory(prefix="saiping-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        prepare(workdir, args.count)
        print(f"prepared {args.count} certificates in {time.perf_counter() - started:.1f} s "
              f"(temporary SQLite database, {os.cpu_count()} cores)")
        single = _child("single", workdir, args)
        batch = _child("batch", workdir, args)

    single_rate = single["count"] / single["seconds"]
    batch_rate = batch["count"] / batch["seconds"]
    ratio = batch_rate / single_rate
    print(f"single: {single['count']} certificates, one PDF each with a fresh WeasyPrint setup: "
          f"{single['seconds']:.1f} s, {single_rate:.1f} certificates/s, peak RSS {single['peak_mb']:.0f} MB")
    print(f"batch:  {batch['count']} certificates in {batch['parts']} PDF(s) of {batch['pages']} pages: "
          f"{batch['seconds']:.1f} s, {batch_rate:.1f} certificates/s, peak RSS {batch['peak_mb']:.0f} MB "
          f"(job process), {batch['workers_peak_mb']:.0f} MB (largest render worker)")
    peak = max(batch["peak_mb"], batch["workers_peak_mb"])
    print(f"BENCH certificate_batch ratio={ratio:.2f} goal=>={GOAL_RATIO:g} met={'yes' if ratio >= GOAL_RATIO else 'no'}")
    print(f"BENCH certificate_batch_memory peak_mb={peak:.0f} goal=<{GOAL_PEAK_MB} "
          f"met={'yes' if peak < GOAL_PEAK_MB else 'no'} (largest single process of the batch mode)")


if __name__ == "__main__":
    main()
