"""The tables, as SQLAlchemy 2.x typed models.

The schema itself is created and upgraded by the Alembic migrations in ``migrations/``; these classes describe it for
queries. Enum values are stored as their short strings (see ``domain.enums``) so that a database can be read by
hand, by reports, and by an older console during a rolling upgrade. Times are stored timezone-aware (UTC).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which has no time zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware datetime")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locked_at: Mapped[datetime | None]
    can_reveal_juveniles: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    totp_secret: Mapped[str | None] = mapped_column(String(400))
    """AES-GCM under the center key (``services.center_key``), base64; None = no second factor enrolled."""
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failures_since: Mapped[datetime | None]
    """Set by a release or a password reset: failures before it no longer count towards the lockout."""
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class RecoveryCode(Base):
    """One single-use recovery code, stored hashed; shown to the operator once, at enrolment."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_username", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(400))
    used_at: Mapped[datetime | None]


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_user_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)
    console: Mapped[str] = mapped_column(String(200))


class Console(Base):
    """Per-console settings that must be shared and audited (not a local preference)."""

    __tablename__ = "consoles"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    lock_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(300))
    division: Mapped[str] = mapped_column(String(60))
    district: Mapped[str] = mapped_column(String(120), default="")
    sro_unit: Mapped[str] = mapped_column(String(40), default="")
    aliases: Mapped[str] = mapped_column(Text, default="")  # ";"-separated
    dismissal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"mon": "15:10", ...}
    early_release: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"2026-04-10": "12:30"}
    lunch: Mapped[str] = mapped_column(String(5), default="")
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_record", "record_type", "record_id"),
        Index("ix_audit_operator_at", "operator", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    operator: Mapped[str] = mapped_column(String(64))
    console: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Sequence(Base):
    """Named counters with a row lock: the audit chain head and the per-year case numbers.

    A plain table (not a database SEQUENCE) so that SQLite and PostgreSQL behave the same: the row is locked by the
    writing transaction, so two consoles can never get the same case number or chain from the same audit entry.
    """

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    text_value: Mapped[str] = mapped_column(String(64), default="")


class ThreatRow(Base):
    __tablename__ = "threats"
    __table_args__ = (
        Index("ix_threats_open", "status", "priority"),
        Index("ix_threats_received", "received_at"),
        # the live queue's open threats only (migration 0004): never a scan of the closed ones
        Index("ix_threats_open_queue", "priority", "threatened_at", sqlite_where=text("status <> 'closed'"),
              postgresql_where=text("status <> 'closed'")),
        # reports count the linked duplicate reports of a range (migration 0003)
        Index("ix_threats_linked_received", "received_at", "sealed", sqlite_where=text("linked_to_id IS NOT NULL"),
              postgresql_where=text("linked_to_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    received_at: Mapped[datetime]  # when the call was answered (migration 0008), as stamped or corrected
    # Migration 0008. Server-side defaults only, so the ORM leaves them out of an INSERT that does not set them: rows
    # written by code that predates them (a database still at an older revision, e.g. a migration test) still insert.
    answered_original_at: Mapped[datetime | None] = mapped_column(server_default=text("NULL"))  # stamp, if corrected
    cad_number: Mapped[str] = mapped_column(String(40), server_default="")
    call_taker: Mapped[str] = mapped_column(String(64))
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    callback_number: Mapped[str] = mapped_column(String(40), default="")
    caller_relation: Mapped[str] = mapped_column(String(20), default="")
    confidential_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    learned_how: Mapped[str] = mapped_column(String(30), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    target_kind: Mapped[str] = mapped_column(String(30))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    target_name: Mapped[str] = mapped_column(String(300), default="")
    target_address: Mapped[str] = mapped_column(String(300), default="")
    division: Mapped[str] = mapped_column(String(60), default="")
    named_persons: Mapped[str] = mapped_column(Text, default="")
    threatened_text: Mapped[str] = mapped_column(String(300), default="")
    threatened_at: Mapped[datetime | None]
    statement: Mapped[str] = mapped_column(Text)
    narrative: Mapped[str] = mapped_column(Text, default="")
    weapons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    weapon_access: Mapped[bool] = mapped_column(Boolean, default=False)
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(2))
    priority_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    priority_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(30), default="new")
    verification: Mapped[str] = mapped_column(String(20), default="unverified")
    outcomes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outcome_other: Mapped[str] = mapped_column(Text, default="")
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("threats.id"), index=True)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    ack_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    first_notified_at: Mapped[datetime | None]
    first_ack_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    suspects: Mapped[list[SuspectRow]] = relationship(
        back_populates="threat", cascade="all, delete-orphan", order_by="SuspectRow.id"
    )

    # The version guards what operators edit. Operators' edits move it (``mark_edited``); bookkeeping by the
    # notification services (acknowledgements, overdue flags, escalation counters) does not, so a supervisor is never
    # told "changed by someone else" because a unit acknowledged. Every UPDATE still carries WHERE version = old.
    # eager_defaults off: the server defaults of 0008's columns are read when used, not RETURNING'ed by every INSERT
    # (which would name them in the statement even when the code that inserts does not know them).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False, "eager_defaults": False}

    def mark_edited(self, by: str, at: datetime) -> None:
        """An operator changed what this threat says: move the version other consoles compare against."""
        self.updated_at = at
        self.updated_by = by
        self.version = (self.version or 0) + 1


class SuspectRow(Base):
    __tablename__ = "suspects"

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None]
    school: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    social_handles: Mapped[str] = mapped_column(Text, default="")
    weapon_access: Mapped[bool] = mapped_column(Boolean, default=False)
    juvenile: Mapped[bool] = mapped_column(Boolean, default=True)

    threat: Mapped[ThreatRow] = relationship(back_populates="suspects")


class Draft(Base):
    """An intake form as it was being typed, so that a crash never loses a word."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid chosen by the form
    operator: Mapped[str] = mapped_column(String(64), index=True)
    console: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id"), index=True)
    at: Mapped[datetime]
    operator: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class AssignedUnit(Base):
    """A unit designated for a threat, by the routing rules or by hand."""

    __tablename__ = "assigned_units"
    __table_args__ = (UniqueConstraint("threat_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    division: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime]


class Notification(Base):
    """The outbox: one row per (threat, unit, round), written in the same transaction as the click.

    ``id`` is the idempotency key sent with every attempt. The unique constraint is what makes a double click
    harmless: the second click finds the row and adds nothing.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("threat_id", "unit_id", "round"),
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id"), index=True)
    unit_id: Mapped[str] = mapped_column(String(40))
    round: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the click; 1.. = escalations
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str] = mapped_column(String(100), default="")
    deadline_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_until: Mapped[datetime | None]


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_open", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("threats.id"), index=True)
    due_at: Mapped[datetime]
    owner: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str] = mapped_column(String(64), default="")


class Change(Base):
    """The change log every console follows: one row per changed threat, in commit order.

    Consoles keep the highest id they have applied and ask for newer rows when the database says something changed
    (``PRAGMA data_version`` on SQLite, ``NOTIFY`` on PostgreSQL); the row says which threat to re-read.
    """

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    threat_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # inserted / updated / removed
    by: Mapped[str] = mapped_column(String(64), default="")
    what: Mapped[str] = mapped_column(String(200), default="")


class ReportCount(Base):
    """Counted threats per UTC hour (``dim = 'hour'``) or per UTC day and key (migration 0005).

    Kept by database triggers on ``threats`` in the same transaction as every write, so it is right whichever service
    (or hand-written SQL) changed a threat; reports add these rows up instead of counting a million threats.
    ``bucket`` is hours since 1970-01-01 UTC; a day row's bucket is that day's first hour. "Counted" means what the
    reports count: not a linked duplicate, not sealed (``dim = 'linked'`` counts the linked duplicates instead).
    The percentile indexes of that migration (``ix_threats_notify_wait``, ``ix_threats_ack_wait``) are expression
    indexes written per engine, so they live in the migration only.
    """

    __tablename__ = "report_counts"

    dim: Mapped[str] = mapped_column(String(12), primary_key=True)  # hour, division, kind, verification, ...
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    acked: Mapped[int] = mapped_column(Integer, default=0)


class EidoAttachment(Base):
    """A part of an imported EIDO the console does not read (an unknown component), kept as it came (0006).

    Written when the EIDO is imported, against the intake draft it filled (``draft_id``); the save of that draft
    gives it its case (``threat_id``), in the same transaction (``services.eido.adopt_attachments``).
    """

    __tablename__ = "eido_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    threat_id: Mapped[int | None] = mapped_column(ForeignKey("threats.id"), index=True)
    draft_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    incident_id: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    path: Mapped[str] = mapped_column(String(300))
    content: Mapped[Any] = mapped_column(JSON)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(64))
