"""The command line takes each command's options in any order, as a person types them.

``argparse.REMAINDER`` swallowed the arguments of ``test`` and ``gateway`` only when the first one was not an
option, so ``test -q`` and ``gateway --host 127.0.0.1`` (copied from the README) were refused. These tests call the
command line in-process with the command's work replaced, to see exactly what reaches pytest and the gateway.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import fail, null

from dispatch_console import cli, credentials
from dispatch_console.gateway import cli as gateway_cli
from tests.foundation.commands import run_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pytest_args(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What ``python3 main.py test ...`` hands to pytest.main (nothing runs)."""
    calls: list[list[str]] = []
    monkeypatch.chdir(ROOT)  # the test command changes to the checkout; give the folder back afterwards
    monkeypatch.setattr(pytest, "main", lambda args: calls.append(list(args)) or 0)
    return calls


@pytest.mark.parametrize(
    "typed",
    [
        ["-q"],
        ["-x", "tests/domain"],
        ["tests/domain", "-x"],
        ["-k", "intake"],
        ["--co"],
        ["-k", "not slow", "--training", "tests/storage", "--database-url", "x"],  # ours elsewhere, pytest's here
        ["-p", "no:randomly", "-vv", "tests/domain/test_priority.py::test_p1"],
    ],
)
def test_every_test_argument_reaches_pytest_as_typed(typed: list[str], pytest_args: list[list[str]]) -> None:
    """Quiet by default; whoever chooses -q or -v gets exactly that (-q on top of -q would hide the summary)."""
    assert cli.main(["test", *typed]) == 0
    chose = {"-q", "-vv"} & set(typed)
    assert pytest_args == [typed if chose else ["-q", *typed]]


def test_after_a_double_dash_even_help_is_pytests(pytest_args: list[list[str]]) -> None:
    cli.main(["test", "--", "--help"])
    assert pytest_args == [["-q", "--help"]]


def test_test_help_says_where_the_other_arguments_go(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["test", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: main.py test [-h] [pytest options and paths ...]\n")
    assert "Every other argument goes to pytest as typed, in any order" in out
    assert "pytest's own options: python3 main.py test -- --help" in out


def test_gateway_options_go_to_the_gateways_own_parser_in_any_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], str]] = []
    monkeypatch.setattr(gateway_cli, "main", lambda argv, prog: calls.append((argv, prog)) or 0)
    assert cli.main(["gateway", "--port", "0", "--host", "127.0.0.1"]) == 0
    assert cli.main(["gateway", "--host", "127.0.0.1", "--port", "8765"]) == 0
    assert calls == [(["--port", "0", "--host", "127.0.0.1"], "main.py gateway"),
                     (["--host", "127.0.0.1", "--port", "8765"], "main.py gateway")]


def test_gateway_help_lists_the_gateways_options_under_this_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["gateway", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: main.py gateway [-h] [--host HOST] [--port PORT]")
    assert "The bearer token is read from $DISPATCH_GATEWAY_TOKEN." in out.replace("\n", " ")


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (["verify-audit", "--bogus"], "main.py verify-audit: error: unrecognized arguments: --bogus"),
        (["import-sites", "sites.csv", "extra.csv"], "main.py import-sites: error: unrecognized arguments: extra.csv"),
        (["--bogus"], "main.py: error: unrecognized arguments: --bogus"),
        (["gateway", "--bogus"], "main.py gateway: error: unrecognized arguments: --bogus"),
    ],
)
def test_an_unknown_argument_is_named_by_the_command_it_was_given_to(
    typed: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(typed)
    assert done.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == error


def test_without_a_display_the_console_says_so_in_one_sentence(tmp_path: Path) -> None:
    """A new user over SSH gets one line that says what to do, not Qt's abort about the xcb plugin."""
    started = run_main([], tmp_path / "home")
    assert (started.returncode, started.stdout, started.stderr) == (
        1, "", "no display found: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen\n")


@pytest.mark.parametrize(
    ("environ", "platform", "missing"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ""}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({}, "win32", False),  # Windows and macOS always have their own screen plugin
        ({}, "darwin", False),
    ],
)
def test_a_display_is_missing_only_where_qt_would_need_one(
    environ: dict[str, str], platform: str, missing: bool
) -> None:
    assert cli.display_missing(environ, platform, answers=lambda display: True) is missing


def test_a_display_that_does_not_answer_is_no_display(tmp_path: Path) -> None:
    """A DISPLAY left over from an earlier session (or a dead SSH forwarding) made Qt abort with its page about
    xcb-cursor, as if a library were missing; it is the same one sentence as no DISPLAY at all."""
    started = run_main([], tmp_path / "home", DISPLAY=":4711")  # no X server has that number here
    assert (started.returncode, started.stdout, started.stderr) == (
        1, "", "no display found: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen\n")
    assert cli.display_missing({"DISPLAY": "localhost:4711.0"}, "linux")  # an SSH forwarding that is gone


def test_a_display_that_answers_is_used(tmp_path: Path) -> None:
    """The check only connects: a listening X socket (here a stand-in) is a display, whatever it is."""
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with listener:
        listener.bind("\0/tmp/.X11-unix/X4712")  # the abstract socket every Linux X server also listens on
        listener.listen(8)
        assert cli.x_display_answers(":4712.0") and cli.x_display_answers("unix:4712")
        assert not cli.display_missing({"DISPLAY": ":4712"}, "linux")
    assert not cli.x_display_answers(":4712")


def test_create_operator_with_empty_standard_input_says_no_password_was_given(tmp_path: Path) -> None:
    db_file = tmp_path / "center.db"
    done = run_main(["create-operator", "--username", "chief", "--database-url", f"sqlite:///{db_file}"],
                    tmp_path / "home", stdin="")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("No password was given (standard input was empty); nothing was created. Type it at the "
                           "prompt, or pipe it in as the first line.\n")
    assert not db_file.exists()  # refused before anything was created


def test_set_token_without_a_secure_keyring_names_what_is_missing_and_offers_only_commands(tmp_path: Path) -> None:
    done = run_main(["set-token"], tmp_path / "home", stdin="planted-token-4711\n")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "No secure keyring: the token was not stored. The console keeps secrets only in a Secret Service "
        "(GNOME Keyring or KWallet), and this session has no keyring at all. Start one and run the command again; "
        "secrets are never written to a file.\n"
    )  # no "keep it for this run only": a command ends with its run, so that offer belongs to the window
    assert "planted-token-4711" not in "".join(p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())


def test_set_token_with_a_keyring_backend_that_cannot_be_loaded_says_so_in_words_not_a_traceback(
    tmp_path: Path,
) -> None:
    """PYTHON_KEYRING_BACKEND naming a package that is not installed (keyrings.alt, say) is one more way of having
    no secure keyring; keyring raises while choosing its backend, which reached the terminal as a traceback."""
    done = run_main(["set-token"], tmp_path / "home", stdin="planted-token-4711\n",
                    PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "No secure keyring: the token was not stored. The console keeps secrets only in a Secret Service "
        "(GNOME Keyring or KWallet), and this session has a keyring that could not be loaded "
        "(keyrings.alt.file.PlaintextKeyring, named by PYTHON_KEYRING_BACKEND). Start one and run the command "
        "again; secrets are never written to a file.\n"
    )


def test_provision_center_key_without_a_secure_keyring_offers_only_commands(tmp_path: Path) -> None:
    """Like set-token: the window's "keep the secret for this run only" means nothing to a command, and the key it
    made is not printed when it was not stored."""
    done = run_main(["provision-center-key", "--new"], tmp_path / "home")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "No secure keyring: the center key was not stored. The console keeps secrets only in a Secret Service "
        "(GNOME Keyring or KWallet), and this session has no keyring at all. Start one and run the command again; "
        "secrets are never written to a file.\n"
    )


class PlaintextKeyring:
    """Named like keyrings.alt's file backend, which keeps secrets in a readable file."""


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (fail.Keyring(), "no keyring at all"),
        (null.Keyring(), "only a placeholder that keeps nothing"),
        (PlaintextKeyring(), "only a plain-text file"),
    ],
)
def test_the_keyring_found_is_named_in_words(backend: object, words: str) -> None:
    assert credentials.backend_in_words(backend) == words


@pytest.mark.parametrize(
    ("platform", "needed"),
    [
        ("linux", "a Secret Service (GNOME Keyring or KWallet)"),
        ("darwin", "the macOS Keychain"),
        ("win32", "the Windows Credential Locker"),
    ],
)
def test_the_secure_keyring_is_named_for_the_operating_system(platform: str, needed: str) -> None:
    assert credentials.secure_keyring_for(platform) == needed


def test_a_database_password_without_a_secure_keyring_is_one_message_not_a_traceback(tmp_path: Path) -> None:
    done = run_main(["verify-audit", "--database-url", "postgresql://dispatch@127.0.0.1:9/center"], tmp_path / "home")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "No secure keyring: the password for database:dispatch@127.0.0.1/center cannot be read. The console keeps "
        "secrets only in a Secret Service (GNOME Keyring or KWallet), and this session has no keyring at all. Start "
        "one and run the command again; secrets are never written to a file.\n"
    )


@pytest.mark.parametrize("url", ["nonsense", "mysql://user@host/db", "postgresql://dispatch:Secret-99@db:notaport/center", "oracle://dispatch:Secret-99@db/center"])
def test_a_database_url_that_cannot_be_used_is_refused_in_one_line_without_echoing_it(url: str, tmp_path: Path) -> None:
    """"--database-url URL" with a typo ended in SQLAlchemy's ArgumentError traceback; the URL is not repeated,
    because a person may have typed the password into it."""
    done = run_main(["verify-audit", "--database-url", url], tmp_path / "home")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("The database URL cannot be used: give sqlite:///path/to/console.db or "
                           "postgresql://user@host/dbname (the password comes from the keyring).\n")
