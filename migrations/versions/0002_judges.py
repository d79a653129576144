"""judges: the judge pool, relations, waivers, panels, seats and assignment runs

Revision ID: 0002
Revises: 0001

Written by hand: only the judges' own tables. Skills that already had judges (``judge_assignment`` rows
from before panels existed) get one panel for the whole skill with those judges seated on it, so the
seats and ``judge_assignment`` agree from the start.
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "judge_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("occupations", sa.JSON(), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("past_events", sa.JSON(), nullable=False),
        sa.Column("max_panels", sa.Integer(), nullable=False),
        sa.Column("may_chair", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_judge_profile_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_profile")),
        sa.UniqueConstraint("person_id", name=op.f("uq_judge_profile_person_id")),
    )
    op.create_table(
        "judge_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("other_person_id", sa.Integer(), nullable=True),
        sa.Column("other_name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("declared_by_judge", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_judge_relation_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["judge_person_id"], ["person.id"],
                                name=op.f("fk_judge_relation_judge_person_id_person")),
        sa.ForeignKeyConstraint(["other_person_id"], ["person.id"],
                                name=op.f("fk_judge_relation_other_person_id_person")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_judge_relation_withdrawn_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_relation")),
    )
    with op.batch_alter_table("judge_relation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judge_relation_judge_person_id"), ["judge_person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_judge_relation_other_person_id"), ["other_person_id"], unique=False)

    op.create_table(
        "conflict_waiver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_person_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name=op.f("fk_conflict_waiver_entry_id_entry"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by_id"], ["user_account.id"],
                                name=op.f("fk_conflict_waiver_granted_by_id_user_account")),
        sa.ForeignKeyConstraint(["judge_person_id"], ["person.id"],
                                name=op.f("fk_conflict_waiver_judge_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_waiver")),
        sa.UniqueConstraint("judge_person_id", "entry_id", "type",
                            name=op.f("uq_conflict_waiver_judge_person_id_entry_id_type")),
    )
    with op.batch_alter_table("conflict_waiver", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflict_waiver_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_waiver_judge_person_id"), ["judge_person_id"], unique=False)

    op.create_table(
        "judge_panel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("scorers_min", sa.Integer(), nullable=False),
        sa.Column("scorers_max", sa.Integer(), nullable=False),
        sa.Column("scorers_target", sa.Integer(), nullable=True),
        sa.Column("deputies_min", sa.Integer(), nullable=False),
        sa.Column("deputies_max", sa.Integer(), nullable=False),
        sa.Column("min_levels", sa.JSON(), nullable=False),
        sa.Column("time_slots", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(["skill_id"], ["skill.id"], name=op.f("fk_judge_panel_skill_id_skill"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_panel")),
        sa.UniqueConstraint("skill_id", "module", name=op.f("uq_judge_panel_skill_id_module")),
    )
    with op.batch_alter_table("judge_panel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judge_panel_skill_id"), ["skill_id"], unique=False)

    op.create_table(
        "assignment_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("panel_ids", sa.JSON(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("cost", sa.JSON(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("solve_seconds", sa.Float(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("applied_at", nullable=True),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["applied_by_id"], ["user_account.id"],
                                name=op.f("fk_assignment_run_applied_by_id_user_account")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_assignment_run_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_assignment_run_event_id_event"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_run")),
    )
    with op.batch_alter_table("assignment_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_run_event_id"), ["event_id"], unique=False)

    op.create_table(
        "panel_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(["panel_id"], ["judge_panel.id"], name=op.f("fk_panel_seat_panel_id_judge_panel"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_panel_seat_person_id_person")),
        sa.ForeignKeyConstraint(["run_id"], ["assignment_run.id"], name=op.f("fk_panel_seat_run_id_assignment_run"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_seat")),
        sa.UniqueConstraint("panel_id", "person_id", name=op.f("uq_panel_seat_panel_id_person_id")),
    )
    with op.batch_alter_table("panel_seat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_seat_panel_id"), ["panel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_panel_seat_person_id"), ["person_id"], unique=False)

    _seat_existing_judges()


def _seat_existing_judges() -> None:
    """One whole-skill panel per skill that has judges, with each judge seated in their role."""
    bind = op.get_bind()
    assignment = sa.table("judge_assignment", sa.column("skill_id", sa.Integer), sa.column("person_id", sa.Integer),
                          sa.column("role", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
    panel = sa.table("judge_panel", sa.column("id", sa.Integer), sa.column("skill_id", sa.Integer),
                     sa.column("module", sa.String), sa.column("scorers_min", sa.Integer),
                     sa.column("scorers_max", sa.Integer), sa.column("deputies_min", sa.Integer),
                     sa.column("deputies_max", sa.Integer), sa.column("min_levels", sa.JSON),
                     sa.column("time_slots", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))
    seat = sa.table("panel_seat", sa.column("panel_id", sa.Integer), sa.column("person_id", sa.Integer),
                    sa.column("role", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))
    rows = bind.execute(sa.select(assignment.c.skill_id, assignment.c.person_id, assignment.c.role,
                                  assignment.c.created_at).order_by(assignment.c.skill_id)).all()
    by_skill: dict[int, list] = {}
    for row in rows:
        by_skill.setdefault(row.skill_id, []).append(row)
    for skill_id, judges in by_skill.items():
        scorers = sum(1 for row in judges if row.role == "scorer")
        created = min(row.created_at for row in judges)
        bind.execute(panel.insert().values(skill_id=skill_id, module="", scorers_min=0,
                                           scorers_max=max(scorers, 5), deputies_min=0,
                                           deputies_max=1, min_levels={},
                                           time_slots=[], created_at=created))
        panel_id = bind.execute(sa.select(panel.c.id).where(panel.c.skill_id == skill_id)).scalar_one()
        for row in judges:
            bind.execute(seat.insert().values(panel_id=panel_id, person_id=row.person_id, role=row.role,
                                              created_at=row.created_at))


def downgrade():
    with op.batch_alter_table("panel_seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_seat_person_id"))
        batch_op.drop_index(batch_op.f("ix_panel_seat_panel_id"))
    op.drop_table("panel_seat")
    with op.batch_alter_table("assignment_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_run_event_id"))
    op.drop_table("assignment_run")
    with op.batch_alter_table("judge_panel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judge_panel_skill_id"))
    op.drop_table("judge_panel")
    with op.batch_alter_table("conflict_waiver", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_waiver_judge_person_id"))
        batch_op.drop_index(batch_op.f("ix_conflict_waiver_entry_id"))
    op.drop_table("conflict_waiver")
    with op.batch_alter_table("judge_relation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judge_relation_other_person_id"))
        batch_op.drop_index(batch_op.f("ix_judge_relation_judge_person_id"))
    op.drop_table("judge_relation")
    op.drop_table("judge_profile")
