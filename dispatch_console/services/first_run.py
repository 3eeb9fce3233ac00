"""First start in live mode: check a database and a backend without changing anything, then set both up at once.

The checks only read: a SQLite file that does not exist yet is not created, a PostgreSQL database is not migrated,
no secret reaches the keyring. ``finish`` does all the writing, in an order that leaves nothing half-done behind
the operator's back: it checks again, stores the secrets (the center key among them: admins and supervisors sign
in with a second factor whose secrets only that key opens), migrates, creates the first admin, and writes the
settings file last, so a failure anywhere brings the first-run dialog back at the next start. Every message is a
sentence an IT technician can act on; none contains a password or a token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from dispatch_console.credentials import BACKEND_TOKEN, CredentialStore, database_password_key
from dispatch_console.db.engine import open_database
from dispatch_console.domain.enums import Role
from dispatch_console.domain.passwords import password_problem
from dispatch_console.domain.text import plural
from dispatch_console.gateway.client import AuthFailedError, NotifyClient, NotifyError
from dispatch_console.services import bootstrap, center_key, operators
from dispatch_console.settings import Settings, save_settings


class SetupError(Exception):
    """A first-run step failed; the message says what is wrong and what to do."""


NO_CENTER_KEY = ("Give this console the center key: admins and supervisors sign in with a second factor, which only "
                 "the key can check. On the center's first console press Generate a new key and copy it; on every "
                 "other console paste the key the first one showed.")


@dataclass(frozen=True)
class DatabaseCheck:
    message: str
    has_operators: bool


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    display_name: str
    password: str


@dataclass(frozen=True)
class LiveSetup:
    """Everything the live-mode page collected; secrets travel only from the dialog to the keyring."""

    database: str
    database_password: str
    backend_url: str
    ca_bundle: str
    token: str
    console_name: str
    admin: FirstAdmin | None
    center_key: str = ""


def database_url(typed: str) -> URL:
    """The SQLAlchemy URL for what was typed: a PostgreSQL URL, a sqlite URL, or just a path to a SQLite file."""
    typed = typed.strip()
    if not typed:
        raise SetupError("Type a SQLite file (e.g. /srv/dispatch/console.db) or a PostgreSQL URL "
                         "(postgresql://user@host/dbname).")
    if "://" not in typed:
        return make_url(f"sqlite+pysqlite:///{Path(typed).expanduser().resolve()}")
    try:
        url = make_url(typed)
    except ArgumentError:
        raise SetupError(f"'{typed}' is not a database URL; write it as postgresql://user@host/dbname.") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SetupError(f"The console works with SQLite or PostgreSQL, not '{backend}'.")
    if url.password is not None:
        raise SetupError("Leave the password out of the URL and type it in the password field: it is kept in the "
                         "OS keyring, never in the settings file.")
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and not url.database:
        raise SetupError("A SQLite URL needs a file: sqlite:////srv/dispatch/console.db.")
    return url


def check_database(typed: str, password: str) -> DatabaseCheck:
    """Connect and look, without creating or migrating anything."""
    url = database_url(typed)
    if url.get_backend_name() == "sqlite":
        return _check_sqlite(Path(str(url.database)))
    engine = create_engine(url.set(password=password or None), pool_pre_ping=True,
                           connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            return _operators_in(connection, f"Connected to PostgreSQL database '{url.database}' on {url.host}")
    except SQLAlchemyError as error:
        raise SetupError(f"Could not connect to {url.host}: {_first_line(error)}. Check the address, the database "
                         "name, the user and the password, and that the server accepts this computer.") from None
    finally:
        engine.dispose()


def _check_sqlite(path: Path) -> DatabaseCheck:
    if path.is_dir():
        raise SetupError(f"{path} is a folder; type the path of the database file inside it.")
    if not path.exists():
        folder = next((p for p in path.parents if p.exists()), None)
        if folder is None or not os.access(folder, os.W_OK):
            raise SetupError(f"The console cannot create {path}: the folder is missing or not writable.")
        return DatabaseCheck(f"A new SQLite database will be created at {path} on Finish.", False)
    engine = create_engine(f"sqlite+pysqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            return _operators_in(connection, f"Opened the SQLite database {path}")
    except SQLAlchemyError as error:
        raise SetupError(f"{path} is not a usable SQLite database: {_first_line(error)}.") from None
    finally:
        engine.dispose()


def _operators_in(connection: object, opened: str) -> DatabaseCheck:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    assert isinstance(connection, Connection)
    if not inspect(connection).has_table("operators"):
        return DatabaseCheck(f"{opened}; it is empty and will be set up on Finish.", False)
    with Session(bind=connection) as session:
        found = operators.has_operators(session)
    if found:
        return DatabaseCheck(f"{opened}; it already has operators, so no first admin is needed.", True)
    return DatabaseCheck(f"{opened}; it has no operators yet: create the first admin below.", False)


def check_backend(url: str, ca_bundle: str, token: str) -> str:
    """Call the health endpoint and an authenticated GET /v1/units; return what the backend answered."""
    if not token:
        raise SetupError("Type the backend token your CAD team issued for this console.")
    try:
        client = NotifyClient(url, lambda: token, ca_bundle=ca_bundle or None, pool_size=1, read_timeout=5)
    except ValueError as problem:
        raise SetupError(f"The backend settings are not usable: {problem}.") from None
    with client:
        try:
            healthy = client.health()
        except NotifyError as error:
            raise SetupError(f"The backend at {url} did not answer: {error.reason}.") from None
        if not healthy:
            raise SetupError(f"The backend at {url} answered, but says it is not healthy; ask the CAD team.")
        try:
            units = client.list_units()
        except AuthFailedError:
            raise SetupError("The backend is up but refused the token; check that it is this console's token "
                             "and that it has not been revoked.") from None
        except NotifyError as error:
            raise SetupError(f"The backend is up, but listing the units failed: {error.reason}.") from None
    return f"The backend is healthy and the token works: {plural(len(units), 'unit')} on the roster."


def admin_problem(admin: FirstAdmin | None, repeated: str) -> str:
    """What is wrong with the first admin's fields ('' when they are fine)."""
    if admin is None or not admin.username.strip():
        return "The database has no operators yet: type a user name and password for the first admin."
    if admin.password != repeated:
        return "The two passwords differ; type the same password twice."
    return password_problem(admin.password) or ""


def finish(setup: LiveSetup, settings: Settings, secrets: CredentialStore) -> Settings:
    """Write everything: secrets, schema, first admin, then the settings file. Returns the saved settings."""
    url = database_url(setup.database)
    found = check_database(setup.database, setup.database_password)
    check_backend(setup.backend_url, setup.ca_bundle, setup.token)
    if not found.has_operators and setup.admin is None:
        raise SetupError("The database has no operators yet: type a user name and password for the first admin.")
    key = setup.center_key.strip()
    if key:
        try:
            center_key.parse(key)
        except center_key.CenterKeyError as problem:
            raise SetupError(str(problem)) from None
    elif center_key.load(secrets) is None:  # a console set up again keeps the key it has
        raise SetupError(NO_CENTER_KEY)
    if key:
        center_key.provision(secrets, key)
    if setup.database_password and url.get_backend_name() == "postgresql":
        secrets.set(database_password_key(url.username or "", url.host or "", url.database or ""),
                    setup.database_password)
    secrets.set(BACKEND_TOKEN, setup.token)
    stored_url = url.render_as_string(hide_password=False)
    db = open_database(stored_url, password=lambda: setup.database_password or None)
    try:
        bootstrap.prepare(db, training=False)
        if setup.admin is not None:
            with db.read() as session:
                needed = not operators.has_operators(session)
            if needed:
                with db.write() as session:
                    operators.create_operator(session, username=setup.admin.username,
                                              display_name=setup.admin.display_name, role=Role.ADMIN,
                                              password=setup.admin.password)
    except ValueError as problem:
        raise SetupError(f"The first admin was not created: {problem}") from None
    except SQLAlchemyError as error:
        raise SetupError(f"Setting up the database failed: {_first_line(error)}.") from None
    finally:
        db.dispose()
    chosen = replace(settings, database_url=stored_url, backend_url=setup.backend_url.rstrip("/"),
                     ca_bundle=setup.ca_bundle, console_name=setup.console_name.strip() or settings.console_name)
    save_settings(chosen)
    return chosen


def change_database(typed: str, password: str, console_name: str, settings: Settings,
                    secrets: CredentialStore) -> Settings:
    """Settings → Console: another database or console name, used from the next start. Nothing is migrated here.

    A database without operators is refused: after the restart nobody could sign in. ``create-operator
    --database-url`` prepares it first.
    """
    if not console_name.strip():
        raise SetupError("Type a name for this console (it appears in the audit log).")
    url = database_url(typed)
    found = check_database(typed, password)
    if not found.has_operators:
        raise SetupError("That database has no operators yet, so nobody could sign in after the restart: create "
                         "its first admin first (create-operator --database-url …), then save again.")
    if password and url.get_backend_name() == "postgresql":
        secrets.set(database_password_key(url.username or "", url.host or "", url.database or ""), password)
    chosen = replace(settings, database_url=url.render_as_string(hide_password=False),
                     console_name=console_name.strip())
    save_settings(chosen)
    return chosen


def finish_training(settings: Settings, console_name: str) -> Settings:
    """Training mode: only the settings file (empty backend URL = the built-in training backend)."""
    chosen = replace(settings, backend_url="", console_name=console_name.strip() or settings.console_name)
    save_settings(chosen)
    return chosen


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    return str(orig).strip().splitlines()[0].rstrip(".") if str(orig).strip() else type(orig).__name__
