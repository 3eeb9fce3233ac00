"""Supervisors and admins sign in with a code from their phone; the secret behind it never leaves the database
unsealed, a code works once, and a lost phone is an admin's audited reset away."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dispatch_console import cli
from dispatch_console.credentials import CENTER_KEY, KeyringStore
from dispatch_console.domain import totp
from dispatch_console.domain.enums import Role
from dispatch_console.services import audit, center_key, operators, second_factor
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow

T0 = utcnow().replace(microsecond=0)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def key() -> bytes:
    store = KeyringStore()
    center_key.provision(store, center_key.generate())
    loaded = center_key.load(store)
    assert loaded is not None
    return loaded


@pytest.fixture
def sam(db) -> str:  # type: ignore[no-untyped-def]
    with db.write() as session:
        operators.create_operator(session, username="sam", display_name="Sam Sergeant", role=Role.SUPERVISOR,
                                  password="watch-commander-7")
    return "sam"


def _sign_in(db, key: bytes | None, code: str | None = None, *, new_secret: str | None = None, now=T0,  # type: ignore[no-untyped-def]
             username: str = "sam", password: str = "watch-commander-7", **policy):  # type: ignore[no-untyped-def]
    with db.write() as session:
        return operators.sign_in(session, username=username, password=password, console="c1", now=now, code=code,
                                 new_secret=new_secret, policy=second_factor.Policy(key=key, **policy))


def _enrolled(db, key: bytes) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(operators.SecondFactorNeeded) as needed:
        _sign_in(db, key)
    assert needed.value.enrol
    with db.write() as session:
        actor = operators.sign_in(session, username="sam", password="watch-commander-7", console="c1", now=T0,
                                  code=totp.code_at(SECRET, T0), new_secret=SECRET,
                                  policy=second_factor.Policy(key=key))
        return second_factor.issue_recovery_codes(session, username=actor.username)


def test_a_supervisor_enrols_at_the_first_sign_in_and_the_secret_is_sealed(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(operators.SignInError, match="code is not right"):
        _sign_in(db, key, "000000", new_secret=SECRET, now=T0 + timedelta(minutes=5))  # a wrong first code: not kept
    with db.read() as session:
        assert not second_factor.is_enrolled(session, "sam")
    codes = _enrolled(db, key)
    assert len(codes) == 10 and len(set(codes)) == 10

    with db.read() as session:
        sealed = session.execute(sa.text("select totp_secret from operators where username = 'sam'")).scalar_one()
        hashes = session.execute(sa.text("select code_hash from recovery_codes")).scalars().all()
    assert SECRET not in sealed and center_key.unseal(key, sealed, owner="sam") == SECRET
    with pytest.raises(center_key.CenterKeyError):
        center_key.unseal(key, sealed, owner="dana")  # sealed to its account: copied onto another it does not open
    assert len(hashes) == 10 and all(h.startswith("scrypt$") for h in hashes)
    assert not any(code in h for code in codes for h in hashes)

    later = T0 + timedelta(minutes=2)
    with pytest.raises(operators.SecondFactorNeeded) as needed:
        _sign_in(db, key, now=later)
    assert not needed.value.enrol
    assert _sign_in(db, key, totp.code_at(SECRET, later), now=later).role is Role.SUPERVISOR


def test_a_code_is_accepted_once_with_one_step_of_drift(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    _enrolled(db, key)
    now = T0 + timedelta(minutes=10)
    behind = totp.code_at(SECRET, now - timedelta(seconds=30))  # the phone's clock one step behind
    assert _sign_in(db, key, behind, now=now).username == "sam"
    with pytest.raises(operators.SignInError) as replayed:
        _sign_in(db, key, behind, now=now)
    assert str(replayed.value) == ("That code is not right (or was already used). Type the current code from your "
                                   "authenticator app.")
    ahead = totp.code_at(SECRET, now + timedelta(seconds=30))
    assert _sign_in(db, key, ahead, now=now).username == "sam"
    with pytest.raises(operators.SignInError):  # the current step is now older than the last one accepted
        _sign_in(db, key, totp.code_at(SECRET, now), now=now)
    far = T0 + timedelta(minutes=20)
    with pytest.raises(operators.SignInError):  # two steps off is refused
        _sign_in(db, key, totp.code_at(SECRET, far + timedelta(seconds=60)), now=far)


def test_wrong_codes_count_towards_the_lockout(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    _enrolled(db, key)
    now = T0 + timedelta(minutes=1)
    for _attempt in range(5):
        with pytest.raises(operators.SignInError, match="code is not right"):
            _sign_in(db, key, "123456", now=now)
    with pytest.raises(operators.SignInError) as locked:
        _sign_in(db, key, totp.code_at(SECRET, now), now=now)
    assert str(locked.value) == operators.LOCKED
    with db.read() as session:
        actions = [(e.action, e.outcome) for e in audit.search(session, audit.AuditQuery(record_id="sam"))]
    assert ("operator.lock", "denied") in actions


def test_a_recovery_code_signs_in_once(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    codes = _enrolled(db, key)
    typed = codes[3].upper().replace("-", " ")  # read off paper, typed loosely
    assert _sign_in(db, key, typed).username == "sam"
    with pytest.raises(operators.SignInError, match="code is not right"):
        _sign_in(db, key, codes[3])
    assert _sign_in(db, key, codes[4]).username == "sam"


def test_a_console_without_the_center_key_refuses_instead_of_falling_back(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(operators.SignInError) as refused:
        _sign_in(db, None, "123456")
    assert str(refused.value) == (
        "This console has no center key, so it cannot check second-factor codes and refuses the sign-in (it never "
        "falls back to the password alone). An admin must provision the center key on this console: "
        "python main.py provision-center-key")
    _enrolled(db, key)
    with pytest.raises(operators.SignInError) as other_key:
        _sign_in(db, center_key.parse(center_key.generate()), totp.code_at(SECRET, T0 + timedelta(minutes=1)),
                 now=T0 + timedelta(minutes=1))
    assert str(other_key.value) == center_key.MISMATCH
    with pytest.raises(operators.SignInError) as wrong:
        _sign_in(db, None, "123456", password="not-the-password")
    assert str(wrong.value) == operators.WRONG  # nothing is told before the right password


def test_which_roles_must_use_it_is_a_setting_and_training_demo_operators_are_exempt(db, key: bytes) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.services import bootstrap
    from dispatch_console.settings import Settings

    with db.write() as session:
        operators.create_operator(session, username="casey", display_name="Casey", role=Role.CALL_TAKER,
                                  password="front-desk-calls")
    default_roles = second_factor.roles_from_setting(Settings().second_factor_roles)
    assert default_roles == {Role.SUPERVISOR, Role.ADMIN}
    casey = {"username": "casey", "password": "front-desk-calls"}
    assert _sign_in(db, key, required_roles=default_roles, **casey).username == "casey"  # optional for call-takers
    everyone = second_factor.roles_from_setting(["call_taker", "supervisor", "admin"])
    with pytest.raises(operators.SecondFactorNeeded):
        _sign_in(db, key, required_roles=everyone, **casey)

    bootstrap.prepare(db, training=True)
    demo = {"username": "admin", "password": "training-ad"}
    assert _sign_in(db, None, training=True, **demo).role is Role.ADMIN
    with pytest.raises(operators.SignInError):  # the same account outside training (disabled, and it would need it)
        bootstrap.prepare(db, training=False)
        _sign_in(db, key, **demo)


def test_step_up_asks_for_the_current_code_again_and_is_audited(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    _enrolled(db, key)
    actor = Actor("sam", "Sam Sergeant", Role.SUPERVISOR, "c1", True)
    policy = second_factor.Policy(key=key)
    now = T0 + timedelta(minutes=3)
    with pytest.raises(second_factor.SecondFactorError, match="code is not right"), db.write() as session:
        second_factor.step_up(session, actor=actor, code="999999", purpose="export", policy=policy, now=now)
    with db.write() as session:
        second_factor.step_up(session, actor=actor, code=totp.code_at(SECRET, now), purpose="reveal", policy=policy,
                              now=now)
    with pytest.raises(second_factor.SecondFactorError), db.write() as session:  # no replay for a step-up either
        second_factor.step_up(session, actor=actor, code=totp.code_at(SECRET, now), purpose="export", policy=policy,
                              now=now)
    demo = Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, "c1", True)
    with db.write() as session:
        second_factor.step_up(session, actor=demo, code="", purpose="export",
                              policy=second_factor.Policy(training=True), now=now)
    with db.read() as session:
        entries = [(e.operator, e.outcome, e.detail.get("purpose")) for e in reversed(
            audit.search(session, audit.AuditQuery(action="step_up")))]
    assert entries == [("sam", "denied", None), ("sam", "success", "reveal"), ("sam", "denied", None),
                       ("supervisor", "success", "export")]
    with db.read() as session:
        failures = audit.search(session, audit.AuditQuery(action="step_up", record_id="sam"))
    assert {e.detail.get("reason") for e in failures if e.outcome == "denied"} == {"step_up:export"}


def test_an_admin_resets_a_lost_second_factor_with_a_reason(db, sam: str, key: bytes, admin: Actor,  # type: ignore[no-untyped-def]
                                                              supervisor: Actor) -> None:
    _enrolled(db, key)
    with pytest.raises(PermissionDenied), db.write() as session:
        second_factor.reset(session, actor=supervisor, username="sam", reason="phone lost")
    with pytest.raises(ValueError, match="reason"), db.write() as session:
        second_factor.reset(session, actor=admin, username="sam", reason=" ")
    with db.write() as session:
        second_factor.reset(session, actor=admin, username="sam", reason="phone lost, ticket 4711")
    with pytest.raises(operators.SecondFactorNeeded) as needed:
        _sign_in(db, key, now=T0 + timedelta(minutes=4))
    assert needed.value.enrol
    with db.read() as session:
        (entry,) = [e for e in audit.search(session, audit.AuditQuery(action="second_factor.reset"))
                    if e.outcome == "success"]
        assert session.execute(sa.text("select count(*) from recovery_codes")).scalar() == 0
    assert (entry.operator, entry.detail["reason"]) == ("admin", "phone lost, ticket 4711")


def test_the_provision_command_stores_a_new_key_or_the_one_given(monkeypatch, capsys, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["provision-center-key", "--new"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert memory_keyring.values[("dispatch-console", CENTER_KEY)] == printed
    memory_keyring.values.clear()
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(printed + "\n"))
    assert cli.main(["provision-center-key"]) == 0  # the next console of the center, given the same key
    assert center_key.load(KeyringStore()) == center_key.parse(printed)
    monkeypatch.setattr("sys.stdin", io.StringIO("not a key\n"))
    assert cli.main(["provision-center-key"]) == 2
    assert "not a center key" in capsys.readouterr().err


def test_one_code_typed_at_two_consoles_at_once_signs_in_only_one(db, sam: str, key: bytes) -> None:  # type: ignore[no-untyped-def]
    """A code read over a shoulder and typed at the next console in the same moment is still a replay.

    On PostgreSQL (read committed) both sign-ins read the last accepted step before either committed, and both were
    let in; the operator's row is now locked for the sign-in, so the second one sees the step the first one used.
    """
    import threading

    _enrolled(db, key)
    now = T0 + timedelta(minutes=6)
    code = totp.code_at(SECRET, now)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def console(name: str) -> None:
        start.wait()
        try:
            with db.write() as session:
                operators.sign_in(session, username="sam", password="watch-commander-7", console=name, now=now,
                                  code=code, policy=second_factor.Policy(key=key))
            outcomes.append("signed in")
        except operators.SignInError as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=console, args=(name,)) for name in ("c1", "c2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["That code is not right (or was already used). Type the current code from your "
                                "authenticator app.", "signed in"]
