"""The schema exists only through migrations, and the migrations describe exactly the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from competition.extensions import db
from evaluation.models import GradeLevel


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_reference_data_comes_from_the_migration(ctx):
    grades = db.session.scalars(select(GradeLevel).order_by(GradeLevel.position)).all()
    assert [g.name for g in grades] == ["学徒工", "初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师"]
    assert [g.certificate_label for g in grades][1:6] == ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师",
                                                          "一级/高级技师"]


def test_downgrade_and_upgrade_again(app):
    import flask_migrate
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade()
        assert db.session.scalar(select(GradeLevel.name).where(GradeLevel.code == "senior")) == "高级工"


def test_upgrading_keeps_the_data_that_refers_to_altered_tables(app):
    """Regression: on SQLite an ALTER rebuilds the table; with foreign keys on, dropping the old table cascaded
    and deleted the rows that refer to it. Upgrading from 0003 must keep skills, entries and judges."""
    import flask_migrate

    from tests import factories
    with app.test_request_context():
        skill, entry, (judge,), chief = factories.marked_skill()
        db.session.commit()
        db.session.close()  # a migration's ALTER waits for every open transaction on PostgreSQL
        flask_migrate.downgrade(revision="0003")
        counts = {table: db.session.execute(db.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("skill", "entry", "entry_member", "judge_assignment")}
        assert counts == {"skill": 1, "entry": 1, "entry_member": 1, "judge_assignment": 2}
        db.session.close()
        flask_migrate.upgrade()
        after = {table: db.session.execute(db.text(f"SELECT count(*) FROM {table}")).scalar()
                 for table in counts}
        assert after == counts
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
