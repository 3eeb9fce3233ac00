"""The composition root: settings, database, credentials, backend, services and windows, wired once.

Start-up is ordered for the operator: the database starts opening (and migrating) on a worker thread first, the
window with the sign-in page is built and shown beside it, and the page takes a sign-in at once (performed as soon as
the database is open). After sign-in the Intake tab is built and focused first, the other tabs on the next turns of
the event loop (``ui/workspace.py``); the training backend starts once they are built.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from dispatch_console.settings import Settings, default_database_url, load_settings
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.main_window import MainWindow
from dispatch_console.ui.signin import LockPage, SignInPage, SignInRequest
from dispatch_console.ui.theme import app_icon, apply_theme
from dispatch_console.ui.worker import run_in_background
from dispatch_console.ui.workspace import WorkspaceBuilder

if TYPE_CHECKING:
    from dispatch_console.db.engine import Database

# Each entry builds one workspace tab after sign-in: (title, shortcut, builder(ctx, window) -> widget).
TabBuilder = Callable[[ConsoleContext, MainWindow], QWidget]
WORKSPACE_TABS: list[tuple[str, str, str]] = [
    # (title, shortcut, "module:function") imported lazily so that start-up only pays for the sign-in page
    ("Intake", "F2", "dispatch_console.ui.intake.tab:build_intake_tab"),
    ("Queue", "F3", "dispatch_console.ui.queue.tab:build_queue_tab"),
    ("Reports", "F4", "dispatch_console.ui.reports.tab:build_reports_tab"),
    ("Audit", "F6", "dispatch_console.ui.audit_view:build_audit_tab"),
]


def local_zone(settings: Settings) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for name in (settings.timezone, os.environ.get("TZ", "")):
        if name:
            try:
                return ZoneInfo(name.lstrip(":"))
            except (ZoneInfoNotFoundError, ValueError):
                pass
    try:
        link = Path("/etc/localtime").resolve()
        if "zoneinfo" in link.parts:
            return ZoneInfo("/".join(link.parts[link.parts.index("zoneinfo") + 1 :]))
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


class _InputSeen(QObject):
    """Notes whether the operator pressed a key or a mouse button since it was made (application-wide)."""

    def __init__(self, app: QObject | None) -> None:
        super().__init__(app)
        self.seen = False
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self.seen = True
        return False


class Console:
    """One running console: owns the window and the context, and reacts to sign-in / sign-out."""

    def __init__(
        self,
        *,
        settings: Settings,
        database_url: str | None = None,
        backend_url: str | None = None,
        training: bool | None = None,
        start_backend: bool = True,
    ) -> None:
        self.settings = settings
        self.training = training if training is not None else not (backend_url or settings.backend_url)
        self._url = database_url or settings.database_url or default_database_url()
        self._credentials: Any = None
        self.db: Database = cast("Database", None)  # opened on a worker thread, before sign-in is possible
        self.ctx = ConsoleContext(
            settings=settings, db=self.db, tz=local_zone(settings), training=self.training,
            backend_url="" if self.training else (backend_url or settings.backend_url),
        )
        self.ready = False
        # first: its imports (SQLAlchemy, Alembic) and migrations overlap the building of the window (issue 17)
        run_in_background(self._prepare_database, self._database_ready, self._database_failed)
        self.sign_in = SignInPage(self._authenticate)
        self.lock = LockPage(self._check_password)
        self.window = MainWindow(
            sign_in=self.sign_in, lock=self.lock, training=self.training, database_text="Database: opening …",
            tz=self.ctx.tz, lock_minutes=settings.lock_minutes,
        )
        self.sign_in.signed_in.connect(self._on_signed_in)
        self.workspace = WorkspaceBuilder(self.window)
        self.sign_in.checking.connect(lambda: self.workspace.prepare(WORKSPACE_TABS))
        self.window.sign_out_requested.connect(self._sign_out)
        from dispatch_console.ui.admin import AdminActions

        self.admin_actions = AdminActions(self.ctx, self.window)
        self._backend: Any = None
        if start_backend and self.training:
            # after the first workspace is built: nothing needs it earlier, and starting it beside the database
            # took the interpreter from the start-up that the operator waits for (issue 17)
            self.workspace.built.connect(self._start_backend_once)
        elif not self.training:
            self.window.set_backend_status(f"Backend: {self.ctx.backend_url}")
            self._start_notification_services()  # live mode: token from the keyring, started once the DB is open

    # --- start-up on workers --------------------------------------------------------------------------------
    def _database_password(self, url: str) -> Callable[[], str | None]:
        def fetch() -> str | None:
            from dispatch_console.credentials import KeyringStore, database_password_key
            from dispatch_console.db.engine import parse_database_url, password_host

            parsed = parse_database_url(url)
            return KeyringStore().get(database_password_key(parsed.username or "", password_host(parsed),
                                                            parsed.database or ""))

        return fetch

    def _prepare_database(self) -> bool:
        from dispatch_console.db.engine import open_database
        from dispatch_console.services import bootstrap, operators

        self.db = self.ctx.db = open_database(self._url, password=self._database_password(self._url))
        bootstrap.prepare(self.db, training=self.training)
        with self.db.read() as session:
            return operators.has_operators(session)

    def _database_ready(self, has_operators: bool) -> None:
        self.ready = True
        self.window.database_label.setText(self.db.describe())
        if self.db.is_postgres:  # failover: name the server in use, banner while none is writable (issue 14)
            from PySide6.QtWidgets import QLabel, QVBoxLayout

            from dispatch_console.ui.database_status import DatabaseStatus

            banner = QLabel()
            central = self.window.centralWidget()
            column = central.layout() if central is not None else None
            if isinstance(column, QVBoxLayout):
                column.insertWidget(1, banner)  # under the mode banner, above the tabs
            self.database_status = DatabaseStatus(self.db, self.window.database_label, banner, parent=self.window)
            self.database_status.check()
        if not has_operators:
            self.sign_in.set_ready(False, "No operator exists yet. Create the first admin with:\n"
                                   "python main.py create-operator --username NAME --role admin\n"
                                   "and give this console the center key (admins sign in with a second factor):\n"
                                   "python main.py provision-center-key --new")
            return
        self.sign_in.set_ready(True)
        if self.training:
            from dispatch_console.services.operators import DEMO_OPERATORS

            self.sign_in.show_demo_credentials(
                [f"{role.label}: {user} / {password}" for user, _name, role, password in DEMO_OPERATORS]
            )

    def _database_failed(self, error: BaseException) -> None:
        self.sign_in.set_ready(False, f"The database could not be opened: {error}. Check the database URL in the "
                               "settings (or --database-url) and that the server is running, then restart.")

    def _start_backend_once(self) -> None:
        if not self._backend_starting:
            self._backend_starting = True
            run_in_background(self._start_training_backend, self._backend_ready, self._backend_failed)

    _backend_starting = False

    def _start_training_backend(self) -> Any:
        import secrets

        from dispatch_console.gateway.server import ReferenceBackend
        from dispatch_console.logging_setup import register_secret
        from dispatch_console.settings import data_dir

        token = secrets.token_urlsafe(24)
        register_secret(token)
        data_dir().mkdir(parents=True, exist_ok=True)
        backend = ReferenceBackend(token=token, db_path=str(data_dir() / "training-backend.db"), ack_after=20.0)
        backend.start()
        return backend, token

    def _backend_ready(self, result: Any) -> None:
        backend, token = result
        self._backend = backend
        self.ctx.backend_url = backend.url
        self.ctx.token_provider = lambda: token
        self.window.set_backend_status(f"Backend: training ({backend.url})")
        self._start_notification_services()

    def _backend_failed(self, error: BaseException) -> None:
        self.window.set_backend_status(f"Backend: training backend failed to start ({type(error).__name__})", False)

    def _start_notification_services(self) -> None:
        """Start the outbox sender and the status-feed follower once the database and a backend are both ready.

        They run on plain threads (see ``services.dispatcher``) and are stored in ``ctx.notifications`` (and the
        sender in ``ctx.outbox_dispatcher``) so the units panel and the settings dialog reach them through the
        context. In live mode the token provider reads the OS keyring
        (or the "this run only" store) on every request, so a token fixed in Settings → Backend applies at once.
        """
        if self.ctx.notifications is not None or not self.ctx.backend_url:
            return
        if self.ctx.db is None or not self.ready:
            QTimer.singleShot(100, self._start_notification_services)  # the database opens on a worker
            return
        from dispatch_console.credentials import BACKEND_TOKEN, KeyringStore, LayeredStore
        from dispatch_console.domain.enums import Priority
        from dispatch_console.gateway.retry import RetryPolicy
        from dispatch_console.logging_setup import register_secret
        from dispatch_console.services.dispatcher import build_services, make_client_factory
        from dispatch_console.ui.backend_settings import SHORTCUT, open_backend_settings, session_store

        if self.ctx.token_provider is None:
            layered: list[LayeredStore] = []
            this_run = session_store(self.ctx)

            def live_token() -> str:
                if not layered:  # keyring costs ~0.3 s to load: pay it on the sender thread, not at start-up
                    layered.append(LayeredStore(KeyringStore(), this_run))
                token = layered[0].get(BACKEND_TOKEN) or ""
                register_secret(token)
                return token

            self.ctx.token_provider = live_token
        s = self.settings
        services = build_services(
            self.ctx.db, base_url=self.ctx.backend_url, token_provider=self.ctx.token_provider,
            console_name=s.console_name, ca_bundle=s.ca_bundle, max_escalations=s.max_escalations,
            deadlines={Priority.P1: float(s.ack_deadline_p1_s), Priority.P2: float(s.ack_deadline_p2_s)},
            policy=RetryPolicy(retry_after_cap=float(s.retry_after_cap_s)), proxy=s.proxy_url,
        )
        self.ctx.notifications, self.ctx.outbox_dispatcher = services, services.dispatcher
        self.ctx.notify_client_factory = make_client_factory(self.ctx.backend_url, self.ctx.token_provider,
                                                             ca_bundle=s.ca_bundle, pool_size=4,
                                                             proxy=s.proxy_url)
        services.start()
        if "backend_settings" not in self.window.actions_by_name:
            self.window.add_action("File", "backend_settings", "&Backend settings …", SHORTCUT,
                                   lambda: open_backend_settings(self.ctx, self.window))

    # --- sign-in ------------------------------------------------------------------------------------------------
    def _authenticate(self, request: SignInRequest) -> Any:
        """On a worker: (actor, lock-exempt console, recovery codes when the operator just enrolled)."""
        from dispatch_console.services import consoles, operators, second_factor
        from dispatch_console.ui.second_factor import policy_for

        policy = policy_for(self.ctx, username=request.username)
        with self.db.write() as session:
            enrolled = second_factor.is_enrolled(session, request.username.strip().lower())
            actor = operators.sign_in(session, username=request.username, password=request.password,
                                      console=self.settings.console_name, policy=policy, code=request.code,
                                      new_secret=request.new_secret, new_password=request.new_password,
                                      min_length=self.settings.min_passphrase_length)
            just_enrolled = not enrolled and second_factor.is_enrolled(session, actor.username)
            codes = second_factor.issue_recovery_codes(session, username=actor.username) if just_enrolled else []
        with self.db.read() as session:
            exempt = consoles.is_lock_exempt(session, self.settings.console_name)
        return actor, exempt, codes

    def _check_password(self, password: str) -> bool:
        from dispatch_console.services import operators

        with self.db.write() as session:
            return operators.check_password(session, actor=self.ctx.operator, password=password)

    def _on_signed_in(self, result: Any) -> None:
        actor, exempt, _codes = result
        self.ctx.actor = actor
        self.window.set_signed_in(True, f"{actor.display_name} ({actor.role.label})", lock_enabled=not exempt)
        self._build_workspace()
        if actor.is_supervisor and not self.workspace.complete:  # the Queue tab comes after the Intake tab
            # Meanwhile the Intake tab is shown and takes keys. A supervisor who starts working there (F2, a key,
            # a click) before the queue is built stays there: being moved to the queue mid-word would lose keys.
            touched = _InputSeen(QApplication.instance())

            def once() -> None:
                self.workspace.built.disconnect(once)
                touched.deleteLater()
                if not touched.seen and self.ctx.actor is actor:
                    self._land(supervisor=True)

            self.workspace.built.connect(once)
        else:
            self._land(supervisor=actor.is_supervisor)

    def _land(self, *, supervisor: bool) -> None:
        """Where the keyboard is after sign-in: a call-taker types the next call (the intake's first field); a
        supervisor watches the queue, with the table focused so the arrow keys move through the threats."""
        tabs = self.window.tabs
        wanted = "Queue" if supervisor else "Intake"
        for index in range(tabs.count()):
            widget = tabs.widget(index)
            if widget is not None and widget.accessibleName() == wanted:
                tabs.setCurrentIndex(index)
                target = getattr(widget, "view", None) if supervisor else widget  # the intake: its first field
                (target if isinstance(target, QWidget) else widget).setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _build_workspace(self) -> None:
        """The Intake tab at once, focused; the others on the next turns of the event loop (ui/workspace.py)."""
        if self.ctx.units_alarm is None:  # supervisors see "units not reached" whatever tab is open
            from dispatch_console.ui.units.alarm_banner import install_alarm_banner

            self.ctx.units_alarm = install_alarm_banner(self.ctx, self.window)
        if self.window.tabs.count():
            return
        self.workspace.start(self.ctx, WORKSPACE_TABS)
        from dispatch_console.ui.text_size import install_text_size

        install_text_size(self.ctx, self.window)  # the operator's own text size (Ctrl+= / Ctrl+- / Ctrl+0)

    def _sign_out(self) -> None:
        from dispatch_console.services import audit

        actor = self.ctx.actor
        if actor is not None:
            def write() -> None:
                with self.db.write() as session:
                    audit.record(session, actor=actor, action="sign_out", record_type="operator",
                                 record_id=actor.username)

            run_in_background(write)
            self.window.save_work_now()  # a draft typed a moment ago is written before its form goes away
        self.ctx.actor = None
        self.workspace.cancel()
        while self.window.tabs.count():
            widget = self.window.tabs.widget(0)
            self.window.tabs.removeTab(0)
            if widget is not None:
                widget.deleteLater()
        for name in [n for n in self.window.actions_by_name if n.startswith("tab_")]:
            action = self.window.actions_by_name.pop(name)
            self.window.removeAction(action)
            action.deleteLater()
        self.window.set_signed_in(False)
        self.sign_in.username.clear()  # the next operator types their own name
        self.sign_in.reset_steps()
        self.sign_in.error.clear()
        self.sign_in.username.setFocus()

    def shutdown(self) -> None:
        self.window.quit_guards.clear()  # nothing left to ask about once the console is being taken down
        self.window.work_savers.clear()
        notifications, self.ctx.notifications = self.ctx.notifications, None
        if notifications is not None:
            notifications.stop()  # sender + feed, before the DB
        if self._backend is not None:
            self._backend.stop()
        if self.db is not None:
            self.db.dispose()


STARTUP_GC_PAUSE_MS = 10_000


def _collect_again_when_started(console: Console) -> None:
    """Turn automatic garbage collection back on (the command line pauses it for the start, see cli._cmd_run).

    Once the first workspace is built, or after ``STARTUP_GC_PAUSE_MS`` at the sign-in page, whichever comes first.
    What the start made is then frozen (moved out of the collector's generations): it lives as long as the console,
    and later collections need not walk it again.
    """
    import gc

    if gc.isenabled():
        return

    def resume() -> None:
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    console.workspace.built.connect(resume)
    QTimer.singleShot(STARTUP_GC_PAUSE_MS, resume)


def run(*, database_url: str | None = None, backend_url: str | None = None, training: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Threat dispatch console")
    app.setOrganizationName("dispatch-console")
    app.setWindowIcon(app_icon())
    settings = load_settings()
    from dispatch_console.logging_setup import configure
    from dispatch_console.settings import data_dir

    configure(data_dir() / "logs")
    apply_theme(app, settings.theme)
    if not (training or database_url or backend_url):  # no settings file yet: ask training or live, once
        from dispatch_console.ui.first_run import first_run_if_needed

        chosen = first_run_if_needed(settings)
        if chosen is None:
            return 0
        settings = chosen
    console = Console(settings=settings, database_url=database_url, backend_url=backend_url,
                      training=True if training else None)
    console.window.show()
    _collect_again_when_started(console)
    if os.environ.get("DISPATCH_CONSOLE_EXIT_AFTER_SHOW"):  # used by the start-up benchmark
        def report_and_quit() -> None:
            started = os.environ.get("DISPATCH_CONSOLE_T0")
            if started:
                import time

                print(f"shown-after {time.time() - float(started):.4f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report_and_quit)
    if os.environ.get("DISPATCH_CONSOLE_EXIT_WHEN_READY"):  # the bundle test: start until sign-in is possible
        def exit_when_ready() -> None:
            page = console.sign_in
            if not console.ready and page.subtitle.text() == "Opening the database …":
                QTimer.singleShot(50, exit_when_ready)
                return
            print(f"sign-in page: {page.subtitle.text()}", flush=True)
            app.exit(0 if page.button.isEnabled() else 3)

        QTimer.singleShot(0, exit_when_ready)
    code = app.exec()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)
    console.shutdown()
    return int(code)
