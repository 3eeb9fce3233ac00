"""Report counts: a rollup kept by database triggers, so a report over a million threats reads thousands of rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:40:00

Why (see services/reports.py and benchmarks/reports_bench.py): counting every threat of a long range, even along
covering indexes, took 0.9-1.4 s on SQLite and 2.5-3.6 s on PostgreSQL for 1,000,000 threats. The target is under a
second for any range.

* ``report_counts`` holds, per UTC hour (``dim = 'hour'``: the week series) and per UTC day (``division``, ``kind``,
  ``verification``, ``outcomes``, ``linked``), how many counted threats there are (not a linked duplicate, not
  sealed), how many are verified, notified and acknowledged. ``bucket`` is hours since 1970-01-01 UTC (a day row's
  bucket is the day's first hour). A report adds up the buckets wholly inside its range and counts the few threats
  at its edges (less than a day) from the threats table itself, so results stay exact in every time zone.
* Triggers on ``threats`` keep it in step in the same transaction as the write, whichever service (or hand-written
  SQL) inserts, updates or deletes a threat: per row on SQLite; per statement over transition tables on PostgreSQL,
  so a statement writing many threats (an import) updates each rollup row once instead of once per threat. The
  migration fills it from the existing rows.
* ``ix_threats_notify_wait`` / ``ix_threats_ack_wait``: partial indexes over the counted threats only, in the order of
  the seconds from the call to the first notification / acknowledgement, so the median and p90 are an OFFSET walk
  along the index (from the top for p90) on both engines. They replace 0003's delay indexes (SQLite), and the 0003
  grouping indexes, which the rollup makes unnecessary, are dropped (fewer indexes to maintain on every write).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COUNTED = "linked_to_id IS NULL AND sealed = false"
WATCHED = ("received_at", "division", "target_kind", "verification", "outcomes", "linked_to_id", "sealed",
           "first_notified_at", "first_ack_at")
SQLITE_WAITS = {
    "ix_threats_notify_wait": ("(julianday(first_notified_at) - julianday(received_at))", "first_notified_at"),
    "ix_threats_ack_wait": ("(julianday(first_ack_at) - julianday(received_at))", "first_ack_at"),
}
PG_WAITS = {
    "ix_threats_notify_wait": ("(first_notified_at - received_at)", "first_notified_at"),
    "ix_threats_ack_wait": ("(first_ack_at - received_at)", "first_ack_at"),
}
OLD_SQLITE_ONLY = ("ix_threats_ack_delay", "ix_threats_notify_delay", "ix_threats_report_outcomes")
OLD_BOTH = ("ix_threats_report_groups", "ix_threats_report_week")


def _sqlite_rows(r: str, sign: str) -> str:
    """The VALUES rows one counted threat adds (sign '') or removes (sign '-') on SQLite."""
    hour = f"(CAST(strftime('%s', {r}.received_at) AS INTEGER) / 3600)"
    day = f"({hour} / 24 * 24)"
    stats = (f"{sign}1, {sign}({r}.verification = 'verified'), {sign}({r}.first_notified_at IS NOT NULL), "
             f"{sign}({r}.first_ack_at IS NOT NULL)")
    return ", ".join((
        f"('hour', {hour}, '', {stats})",
        f"('division', {day}, {r}.division, {stats})",
        f"('kind', {day}, {r}.target_kind, {stats})",
        f"('verification', {day}, {r}.verification, {stats})",
        f"('outcomes', {day}, coalesce({r}.outcomes, '[]'), {stats})",
    ))


UPSERT = ("ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, "
          "verified = verified + excluded.verified, notified = notified + excluded.notified, "
          "acked = acked + excluded.acked")
INSERT = "INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES "


def _sqlite_triggers() -> None:
    watched = ", ".join(WATCHED)
    for name, event, rows in (("ins", "INSERT", ("NEW",)), ("del", "DELETE", ("OLD",)),
                              ("upd", f"UPDATE OF {watched}", ("OLD", "NEW"))):
        for r in rows:
            sign = "-" if r == "OLD" else ""
            suffix = f"{name}_{r.lower()}"
            op.execute(
                f"CREATE TRIGGER threats_counts_{suffix} AFTER {event} ON threats "
                f"WHEN {r}.linked_to_id IS NULL AND NOT {r}.sealed BEGIN "
                f"{INSERT}{_sqlite_rows(r, sign)} {UPSERT}; END"
            )
            day = f"(CAST(strftime('%s', {r}.received_at) AS INTEGER) / 3600 / 24 * 24)"
            op.execute(
                f"CREATE TRIGGER threats_linked_{suffix} AFTER {event} ON threats "
                f"WHEN {r}.linked_to_id IS NOT NULL AND NOT {r}.sealed BEGIN "
                f"{INSERT}('linked', {day}, '', {sign}1, 0, 0, 0) {UPSERT}; END"
            )


def _pg_rows(source: str, sign: int) -> str:
    """The rollup rows (one per dimension, or one ``linked`` row) of every threat in ``source``, times ``sign``."""
    return f"""
    SELECT v.dim, v.bucket, v.key, {sign} AS total, {sign} * (r.verification = 'verified')::integer AS verified,
           {sign} * (r.first_notified_at IS NOT NULL)::integer AS notified,
           {sign} * (r.first_ack_at IS NOT NULL)::integer AS acked
    FROM {source} AS r,
    LATERAL (SELECT floor(extract(epoch FROM r.received_at) / 3600)::bigint AS hour) AS h,
    LATERAL (VALUES
        ('hour'::varchar, h.hour, ''::text),
        ('division', h.hour / 24 * 24, r.division::text),
        ('kind', h.hour / 24 * 24, r.target_kind::text),
        ('verification', h.hour / 24 * 24, r.verification::text),
        ('outcomes', h.hour / 24 * 24, coalesce(r.outcomes::text, '[]'))
    ) AS v (dim, bucket, key)
    WHERE r.linked_to_id IS NULL AND NOT r.sealed
    UNION ALL
    SELECT 'linked', floor(extract(epoch FROM r.received_at) / 3600)::bigint / 24 * 24, '', {sign}, 0, 0, 0
    FROM {source} AS r WHERE r.linked_to_id IS NOT NULL AND NOT r.sealed"""


def _pg_upsert(rows: str) -> str:
    """Add the summed ``rows`` to the rollup: in key order (two writers lock rollup rows in the same order), and
    without the zero deltas of an update that changed nothing a report counts."""
    return f"""
    INSERT INTO report_counts AS c (dim, bucket, key, total, verified, notified, acked)
    SELECT d.dim, d.bucket, d.key, sum(d.total), sum(d.verified), sum(d.notified), sum(d.acked)
    FROM ({rows}) AS d
    GROUP BY d.dim, d.bucket, d.key
    HAVING sum(d.total) <> 0 OR sum(d.verified) <> 0 OR sum(d.notified) <> 0 OR sum(d.acked) <> 0
    ORDER BY d.dim, d.bucket, d.key
    ON CONFLICT (dim, bucket, key) DO UPDATE SET total = c.total + excluded.total,
        verified = c.verified + excluded.verified, notified = c.notified + excluded.notified,
        acked = c.acked + excluded.acked"""


# PostgreSQL: statement-level triggers over transition tables, so a statement that writes many threats (an import,
# a COPY) updates each rollup row once, not once per threat (which would leave millions of dead row versions)
PG_TRIGGERS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", _pg_rows("new_rows", 1)),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", _pg_rows("old_rows", -1)),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
               f"{_pg_rows('old_rows', -1)} UNION ALL {_pg_rows('new_rows', 1)}"),
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "report_counts",
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("verified", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("notified", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("acked", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("dim", "bucket", "key"),
    )
    if sqlite:
        # the same rows the triggers add, for every existing threat: one grouped pass per dimension
        for dim, bucket, key in (("hour", "hour", "''"), ("division", "hour / 24 * 24", "division"),
                                 ("kind", "hour / 24 * 24", "target_kind"),
                                 ("verification", "hour / 24 * 24", "verification"),
                                 ("outcomes", "hour / 24 * 24", "coalesce(outcomes, '[]')")):
            op.execute(
                "INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) "
                f"SELECT '{dim}', {bucket} AS b, {key} AS k, count(*), sum(verification = 'verified'), "
                "count(first_notified_at), count(first_ack_at) FROM "
                "(SELECT CAST(strftime('%s', received_at) AS INTEGER) / 3600 AS hour, * FROM threats "
                "WHERE linked_to_id IS NULL AND NOT sealed) GROUP BY b, k"
            )
        op.execute(
            "INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) "
            "SELECT 'linked', CAST(strftime('%s', received_at) AS INTEGER) / 3600 / 24 * 24 AS b, '', count(*), "
            "0, 0, 0 FROM threats WHERE linked_to_id IS NOT NULL AND NOT sealed GROUP BY b"
        )
        _sqlite_triggers()
        for name in OLD_SQLITE_ONLY:
            op.drop_index(name, table_name="threats")
        for name, (wait, column) in SQLITE_WAITS.items():
            # every column the walk reads is in the index (SQLite 3.40 then never reads the table rows)
            op.execute(f"CREATE INDEX {name} ON threats ({wait}, received_at, {column}, linked_to_id, sealed) "
                       f"WHERE {column} IS NOT NULL AND linked_to_id IS NULL AND sealed = 0")
    else:
        op.execute(_pg_upsert(_pg_rows("threats", 1)))
        for name, (event, referencing, rows) in PG_TRIGGERS.items():
            op.execute(f"CREATE FUNCTION threats_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       f"BEGIN {_pg_upsert(rows)}; RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER threats_counts_{name} AFTER {event} ON threats {referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION threats_counts_{name}()")
        for name, (wait, column) in PG_WAITS.items():
            # INCLUDE the timestamps: PostgreSQL answers from an expression index alone only if it has the columns
            op.execute(f"CREATE INDEX {name} ON threats ({wait}, received_at) INCLUDE ({column}) "
                       f"WHERE {column} IS NOT NULL AND {COUNTED}")
    for name in OLD_BOTH:
        op.drop_index(name, table_name="threats")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_index("ix_threats_report_week", "threats",
                    ["received_at", "sealed", "linked_to_id", "verification", "target_kind"])
    op.create_index("ix_threats_report_groups", "threats",
                    ["division", "target_kind", "verification", "received_at", "sealed", "linked_to_id",
                     "first_notified_at", "first_ack_at"])
    for name in SQLITE_WAITS:
        op.drop_index(name, table_name="threats")
    if sqlite:
        for name in ("ins", "del", "upd"):
            for r in (("new",) if name == "ins" else ("old",) if name == "del" else ("old", "new")):
                op.execute(f"DROP TRIGGER threats_counts_{name}_{r}")
                op.execute(f"DROP TRIGGER threats_linked_{name}_{r}")
        op.create_index("ix_threats_report_outcomes", "threats", ["outcomes", "received_at", "sealed", "linked_to_id"])
        op.create_index("ix_threats_notify_delay", "threats",
                        [sa.text("(julianday(first_notified_at) - julianday(received_at))"), "received_at", "sealed",
                         "linked_to_id"], sqlite_where=sa.text("first_notified_at IS NOT NULL"))
        op.create_index("ix_threats_ack_delay", "threats",
                        [sa.text("(julianday(first_ack_at) - julianday(received_at))"), "received_at", "sealed",
                         "linked_to_id"], sqlite_where=sa.text("first_ack_at IS NOT NULL"))
    else:
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER threats_counts_{name} ON threats")
            op.execute(f"DROP FUNCTION threats_counts_{name}()")
    op.drop_table("report_counts")
