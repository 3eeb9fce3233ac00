-- The schema a new SQLite database gets: what the migrations leave in sqlite_master at revision 0008.
-- Written by db/migrate.py (write_sqlite_snapshot), never by hand; tests/storage/test_migrations.py fails
-- when it no longer matches the migrations. Rewrite it with:
--     .venv/bin/python -c 'from dispatch_console.db import migrate; migrate.write_sqlite_snapshot()'

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	operator VARCHAR(64) NOT NULL, 
	console VARCHAR(200) NOT NULL, 
	action VARCHAR(60) NOT NULL, 
	record_type VARCHAR(40) NOT NULL, 
	record_id VARCHAR(60) NOT NULL, 
	outcome VARCHAR(20) NOT NULL, 
	detail JSON NOT NULL, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE consoles (
	name VARCHAR(200) NOT NULL, 
	lock_exempt BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(64) NOT NULL, 
	PRIMARY KEY (name)
);

CREATE TABLE sequences (
	name VARCHAR(40) NOT NULL, 
	value INTEGER NOT NULL, 
	text_value VARCHAR(64) NOT NULL, 
	PRIMARY KEY (name)
);

CREATE TABLE sign_in_attempts (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	success BOOLEAN NOT NULL, 
	console VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE sites (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(30) NOT NULL, 
	address VARCHAR(300) NOT NULL, 
	division VARCHAR(60) NOT NULL, 
	district VARCHAR(120) NOT NULL, 
	sro_unit VARCHAR(40) NOT NULL, 
	aliases TEXT NOT NULL, 
	dismissal JSON NOT NULL, 
	early_release JSON NOT NULL, 
	lunch VARCHAR(5) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE changes (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	threat_id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	"by" VARCHAR(64) NOT NULL, 
	what VARCHAR(200) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE drafts (
	id VARCHAR(36) NOT NULL, 
	operator VARCHAR(64) NOT NULL, 
	console VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE threats (
	id INTEGER NOT NULL, 
	case_number VARCHAR(20) NOT NULL, 
	received_at DATETIME NOT NULL, 
	call_taker VARCHAR(64) NOT NULL, 
	caller_name VARCHAR(200) NOT NULL, 
	callback_number VARCHAR(40) NOT NULL, 
	caller_relation VARCHAR(20) NOT NULL, 
	confidential_reporter BOOLEAN NOT NULL, 
	learned_how VARCHAR(30) NOT NULL, 
	evidence TEXT NOT NULL, 
	target_kind VARCHAR(30) NOT NULL, 
	site_id INTEGER, 
	target_name VARCHAR(300) NOT NULL, 
	target_address VARCHAR(300) NOT NULL, 
	division VARCHAR(60) NOT NULL, 
	named_persons TEXT NOT NULL, 
	threatened_text VARCHAR(300) NOT NULL, 
	threatened_at DATETIME, 
	statement TEXT NOT NULL, 
	narrative TEXT NOT NULL, 
	weapons JSON NOT NULL, 
	weapon_access BOOLEAN NOT NULL, 
	indicators JSON NOT NULL, 
	priority VARCHAR(2) NOT NULL, 
	priority_reasons JSON NOT NULL, 
	priority_overridden BOOLEAN NOT NULL, 
	status VARCHAR(30) NOT NULL, 
	verification VARCHAR(20) NOT NULL, 
	outcomes JSON NOT NULL, 
	outcome_other TEXT NOT NULL, 
	linked_to_id INTEGER, 
	sealed BOOLEAN NOT NULL, 
	ack_overdue BOOLEAN NOT NULL, 
	escalations INTEGER NOT NULL, 
	first_notified_at DATETIME, 
	first_ack_at DATETIME, 
	closed_at DATETIME, 
	updated_at DATETIME NOT NULL, 
	updated_by VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, cad_number VARCHAR(40) DEFAULT '' NOT NULL, answered_original_at DATETIME DEFAULT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(linked_to_id) REFERENCES threats (id), 
	FOREIGN KEY(site_id) REFERENCES sites (id), 
	UNIQUE (case_number)
);

CREATE TABLE assigned_units (
	id INTEGER NOT NULL, 
	threat_id INTEGER NOT NULL, 
	unit_id VARCHAR(40) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	division VARCHAR(60) NOT NULL, 
	reason VARCHAR(300) NOT NULL, 
	assigned_by VARCHAR(64) NOT NULL, 
	assigned_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id), 
	UNIQUE (threat_id, unit_id)
);

CREATE TABLE follow_ups (
	id INTEGER NOT NULL, 
	threat_id INTEGER NOT NULL, 
	due_at DATETIME NOT NULL, 
	owner VARCHAR(100) NOT NULL, 
	text TEXT NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	done_at DATETIME, 
	done_by VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id)
);

CREATE TABLE notes (
	id INTEGER NOT NULL, 
	threat_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	operator VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id)
);

CREATE TABLE notifications (
	id VARCHAR(36) NOT NULL, 
	threat_id INTEGER NOT NULL, 
	unit_id VARCHAR(40) NOT NULL, 
	round INTEGER NOT NULL, 
	escalation BOOLEAN NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	payload JSON NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	last_error TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	sent_at DATETIME, 
	accepted_at DATETIME, 
	delivered_at DATETIME, 
	acknowledged_at DATETIME, 
	acknowledged_by VARCHAR(100) NOT NULL, 
	deadline_at DATETIME, 
	claimed_by VARCHAR(100) NOT NULL, 
	claimed_until DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id), 
	UNIQUE (threat_id, unit_id, round)
);

CREATE TABLE suspects (
	id INTEGER NOT NULL, 
	threat_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	date_of_birth DATE, 
	age INTEGER, 
	school VARCHAR(200) NOT NULL, 
	grade VARCHAR(20) NOT NULL, 
	description TEXT NOT NULL, 
	social_handles TEXT NOT NULL, 
	weapon_access BOOLEAN NOT NULL, 
	juvenile BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id) ON DELETE CASCADE
);

CREATE TABLE report_counts (
	dim VARCHAR(12) NOT NULL, 
	bucket BIGINT NOT NULL, 
	"key" TEXT NOT NULL, 
	total INTEGER DEFAULT '0' NOT NULL, 
	verified INTEGER DEFAULT '0' NOT NULL, 
	notified INTEGER DEFAULT '0' NOT NULL, 
	acked INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (dim, bucket, "key")
);

CREATE TABLE eido_attachments (
	id INTEGER NOT NULL, 
	threat_id INTEGER, 
	draft_id VARCHAR(36) NOT NULL, 
	incident_id VARCHAR(300) NOT NULL, 
	source VARCHAR(300) NOT NULL, 
	path VARCHAR(300) NOT NULL, 
	content JSON NOT NULL, 
	imported_at DATETIME NOT NULL, 
	imported_by VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(threat_id) REFERENCES threats (id)
);

CREATE TABLE "operators" (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	password_hash VARCHAR(400) NOT NULL, 
	active BOOLEAN NOT NULL, 
	locked_at DATETIME, 
	can_reveal_juveniles BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	totp_secret VARCHAR(400), 
	totp_last_step BIGINT, 
	failures_since DATETIME, 
	must_change_password BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (username)
);

CREATE TABLE recovery_codes (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	code_hash VARCHAR(400) NOT NULL, 
	used_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_log_action ON audit_log (action);

CREATE INDEX ix_audit_operator_at ON audit_log (operator, at);

CREATE INDEX ix_audit_record ON audit_log (record_type, record_id);

CREATE INDEX ix_sign_in_attempts_user_at ON sign_in_attempts (username, at);

CREATE INDEX ix_changes_threat_id ON changes (threat_id);

CREATE INDEX ix_drafts_operator ON drafts (operator);

CREATE INDEX ix_threats_linked_to_id ON threats (linked_to_id);

CREATE INDEX ix_threats_open ON threats (status, priority);

CREATE INDEX ix_threats_received ON threats (received_at);

CREATE INDEX ix_assigned_units_threat_id ON assigned_units (threat_id);

CREATE INDEX ix_follow_ups_open ON follow_ups (done_at, due_at);

CREATE INDEX ix_follow_ups_threat_id ON follow_ups (threat_id);

CREATE INDEX ix_notes_threat_id ON notes (threat_id);

CREATE INDEX ix_notifications_due ON notifications (state, next_attempt_at);

CREATE INDEX ix_notifications_threat_id ON notifications (threat_id);

CREATE INDEX ix_suspects_threat_id ON suspects (threat_id);

CREATE INDEX ix_threats_linked_received ON threats (received_at, sealed) WHERE linked_to_id IS NOT NULL;

CREATE INDEX ix_threats_open_queue ON threats (priority, threatened_at) WHERE status <> 'closed';

CREATE INDEX ix_threats_notify_wait ON threats ((julianday(first_notified_at) - julianday(received_at)), received_at, first_notified_at, linked_to_id, sealed) WHERE first_notified_at IS NOT NULL AND linked_to_id IS NULL AND sealed = 0;

CREATE INDEX ix_threats_ack_wait ON threats ((julianday(first_ack_at) - julianday(received_at)), received_at, first_ack_at, linked_to_id, sealed) WHERE first_ack_at IS NOT NULL AND linked_to_id IS NULL AND sealed = 0;

CREATE INDEX ix_eido_attachments_threat_id ON eido_attachments (threat_id);

CREATE INDEX ix_eido_attachments_draft_id ON eido_attachments (draft_id);

CREATE INDEX ix_recovery_codes_username ON recovery_codes (username);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TRIGGER threats_counts_ins_new AFTER INSERT ON threats WHEN NEW.linked_to_id IS NULL AND NOT NEW.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('hour', (CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600), '', 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('division', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.division, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('kind', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.target_kind, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('verification', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.verification, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('outcomes', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), coalesce(NEW.outcomes, '[]'), 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_linked_ins_new AFTER INSERT ON threats WHEN NEW.linked_to_id IS NOT NULL AND NOT NEW.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('linked', (CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600 / 24 * 24), '', 1, 0, 0, 0) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_counts_del_old AFTER DELETE ON threats WHEN OLD.linked_to_id IS NULL AND NOT OLD.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('hour', (CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600), '', -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('division', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.division, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('kind', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.target_kind, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('verification', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.verification, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('outcomes', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), coalesce(OLD.outcomes, '[]'), -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_linked_del_old AFTER DELETE ON threats WHEN OLD.linked_to_id IS NOT NULL AND NOT OLD.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('linked', (CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600 / 24 * 24), '', -1, 0, 0, 0) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_counts_upd_old AFTER UPDATE OF received_at, division, target_kind, verification, outcomes, linked_to_id, sealed, first_notified_at, first_ack_at ON threats WHEN OLD.linked_to_id IS NULL AND NOT OLD.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('hour', (CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600), '', -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('division', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.division, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('kind', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.target_kind, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('verification', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), OLD.verification, -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)), ('outcomes', ((CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600) / 24 * 24), coalesce(OLD.outcomes, '[]'), -1, -(OLD.verification = 'verified'), -(OLD.first_notified_at IS NOT NULL), -(OLD.first_ack_at IS NOT NULL)) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_linked_upd_old AFTER UPDATE OF received_at, division, target_kind, verification, outcomes, linked_to_id, sealed, first_notified_at, first_ack_at ON threats WHEN OLD.linked_to_id IS NOT NULL AND NOT OLD.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('linked', (CAST(strftime('%s', OLD.received_at) AS INTEGER) / 3600 / 24 * 24), '', -1, 0, 0, 0) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_counts_upd_new AFTER UPDATE OF received_at, division, target_kind, verification, outcomes, linked_to_id, sealed, first_notified_at, first_ack_at ON threats WHEN NEW.linked_to_id IS NULL AND NOT NEW.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('hour', (CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600), '', 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('division', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.division, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('kind', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.target_kind, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('verification', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), NEW.verification, 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)), ('outcomes', ((CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600) / 24 * 24), coalesce(NEW.outcomes, '[]'), 1, (NEW.verification = 'verified'), (NEW.first_notified_at IS NOT NULL), (NEW.first_ack_at IS NOT NULL)) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

CREATE TRIGGER threats_linked_upd_new AFTER UPDATE OF received_at, division, target_kind, verification, outcomes, linked_to_id, sealed, first_notified_at, first_ack_at ON threats WHEN NEW.linked_to_id IS NOT NULL AND NOT NEW.sealed BEGIN INSERT INTO report_counts (dim, bucket, key, total, verified, notified, acked) VALUES ('linked', (CAST(strftime('%s', NEW.received_at) AS INTEGER) / 3600 / 24 * 24), '', 1, 0, 0, 0) ON CONFLICT (dim, bucket, key) DO UPDATE SET total = total + excluded.total, verified = verified + excluded.verified, notified = notified + excluded.notified, acked = acked + excluded.acked; END;

INSERT INTO alembic_version (version_num) VALUES ('0008');
