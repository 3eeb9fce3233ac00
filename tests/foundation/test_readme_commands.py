"""Every ``python3 main.py`` command the README shows works as a person types it.

The README once documented ``gateway --host 127.0.0.1 --port 8765``, which the command line refused. Here the README
is read as it stands: every command line in its code blocks, its command table and its prose is parsed by the real
command line (a synopsis both without and with its ``[optional]`` parts), every command's ``--help`` is run, and
the examples are run where that is safe: the console itself in a session without a display, the admin commands in
a throwaway home, the gateway on port 0 until it prints its URL, ``test`` on the file it names (and collect-only
where it names the whole suite or a folder).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dispatch_console import cli
from dispatch_console.domain.site_csv import OPTIONAL, REQUIRED, parse_sites_csv
from dispatch_console.domain.sites import WEEKDAYS
from dispatch_console.gateway import cli as gateway_cli
from tests.eido.foreign import FOREIGN
from tests.foundation.commands import ROOT, person_env, run_main

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAIN = re.compile(r"^python3? main\.py(?=\s|$)")
SMALL_TEST_FILE = "tests/domain/test_priority.py"  # what a PATH in a synopsis stands for: quick to run


@dataclass(frozen=True)
class Documented:
    """One command line as the README shows it, e.g. ``python3 main.py import-sites FILE.csv``."""

    text: str

    def tokens(self) -> list[str]:
        return shlex.split(self.text.replace("[", " [ ").replace("]", " ] "), comments=True)[2:]  # after "main.py"

    def forms(self, values: dict[str, str]) -> list[tuple[list[str], str | None]]:
        """(arguments, standard-input file) without the optional parts and with all of them, placeholders filled."""
        tokens = self.tokens()
        stdin = None
        if "<" in tokens:
            at = tokens.index("<")
            stdin, tokens = tokens[at + 1], tokens[:at] + tokens[at + 2 :]
        shortest, depth = [], 0
        for token in tokens:
            depth += (token == "[") - (token == "]")
            if depth == 0 and token != "]":
                shortest.append(token)
        longest = [token for token in tokens if token not in ("[", "]")]
        return [(_fill(shortest, values), stdin), (_fill(longest, values), stdin)]


def _fill(tokens: list[str], values: dict[str, str]) -> list[str]:
    """Placeholders (URL, NAME, FILE.csv …) replaced by real values; an unknown one fails the test."""
    filled = []
    for previous, token in zip(["", *tokens], tokens, strict=False):
        if re.fullmatch(r"[A-Z][A-Z_]*(\.[a-z]+)?", token):
            key = f"{previous} {token}" if f"{previous} {token}" in values else token
            if key not in values:
                pytest.fail(f"the README uses the placeholder {token!r}, which this test cannot fill in")
            token = values[key]
        filled.append(token)
    return filled


def documented_commands() -> list[Documented]:
    """The ``main.py`` command lines of the README: code-block lines and `inline code`, in order, each once."""
    found: list[str] = []
    in_block = False
    for line in README.splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and MAIN.match(line.strip()):
            found.append(shlex.join(shlex.split(line, comments=True)))  # without its comment
    found += [span for span in re.findall(r"`([^`\n]+)`", _outside_code_blocks(README)) if MAIN.match(span)]
    return [Documented(text) for text in dict.fromkeys(found)]


def _outside_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


COMMANDS = documented_commands()


def _values(home: Path) -> dict[str, str]:
    return {
        "--database-url URL": f"sqlite:///{home / 'center.db'}",
        "--backend-url URL": "https://cad.example.org/api",
        "NAME": "chief",
        "FILE.csv": str(home / "district.csv"),
        "EXPR": "priority",
        "PATH": SMALL_TEST_FILE,
        "FILE": str(home / "cad-4471.json"),  # an EIDO from a neighbouring CAD (eido import FILE)
        "-o FILE": str(home / "case.eido.json"),
        "USERNAME": "chief",
    }


def _subcommand(arguments: list[str]) -> str:
    """The command a line runs ("" for the console itself); "unparseable: ..." when the command line refuses it."""
    try:
        return str(cli.parse(arguments).command or "")
    except SystemExit as done:
        if done.code == 0:  # a documented "--help": the command is the first word that is not an option
            return next((word for word in arguments if not word.startswith("-")), "")
        return f"unparseable: {shlex.join(arguments)}"


def _command_names() -> set[str]:
    (commands,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(commands.choices)


FOUND = sorted({_subcommand(arguments) for c in COMMANDS for arguments, _ in c.forms(_values(Path("/home/x")))})


def test_the_readme_shows_every_command_and_the_documented_forms() -> None:
    """The extraction itself: the table, the code blocks and the prose all count."""
    texts = [c.text for c in COMMANDS]
    assert "python3 main.py" in texts  # the first code block
    assert "python3 main.py gateway --host 127.0.0.1 --port 8765" in texts  # the command table
    assert "python3 main.py test -x tests/storage" in texts  # prose
    assert set(FOUND) == {"", *_command_names()}  # the console and every command, nothing unparseable


@pytest.mark.parametrize("documented", COMMANDS, ids=[c.text for c in COMMANDS])
def test_every_documented_command_parses(documented: Documented, tmp_path: Path) -> None:
    for arguments, _ in documented.forms(_values(tmp_path)):
        try:
            args = cli.parse(arguments)
            if args.command == "gateway" and "--help" not in args.passed_on:
                gateway_cli._parser().parse_args(args.passed_on)
        except SystemExit as done:
            if done.code != 0:  # 0: it asked for --help and got it
                pytest.fail(f"the README documents `{documented.text}`; `main.py {shlex.join(arguments)}` does not "
                            "parse")


@pytest.mark.parametrize("command", FOUND, ids=[name or "the console" for name in FOUND])
def test_every_documented_command_answers_help(command: str, tmp_path: Path) -> None:
    done = run_main([command, "--help"] if command else ["--help"], tmp_path / "home")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"usage: main.py {command}".strip() + " ")


def _examples_of(command: str, home: Path) -> list[tuple[list[str], str | None]]:
    """The README's lines for ``command``, each once, with every optional part (a synopsis as a full example)."""
    seen: dict[str, tuple[list[str], str | None]] = {}
    for documented in COMMANDS:
        arguments, stdin = documented.forms(_values(home))[-1]
        if _subcommand(arguments) == command:
            seen.setdefault(shlex.join(arguments), (arguments, stdin))
    return list(seen.values())


def test_the_console_as_documented_says_when_there_is_no_display(tmp_path: Path) -> None:
    forms = _examples_of("", tmp_path / "home")
    assert forms
    for arguments, _ in forms:
        if "--help" in arguments:
            continue
        done = run_main(arguments, tmp_path / "home")
        assert (done.returncode, done.stdout, done.stderr) == (
            1, "", "no display found: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen\n"), arguments


def test_the_admin_commands_run_as_documented_in_a_fresh_home(tmp_path: Path) -> None:
    """A new center's first steps, in the README's words: the first admin, the schools, the audit check, the token."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "resources" / "demo" / "sites.csv", home / "district.csv")
    (home / "token.txt").write_text("planted-token-0815\n")
    keyring = {"PYTHON_KEYRING_BACKEND": "tests.foundation.commands.ThrowawayKeyring"}
    expected = {
        "create-operator": ("a-long-password\n", "Created admin 'chief' ("),
        "import-sites": ("", f"Imported {len(parse_sites_csv((home / 'district.csv').read_text()).records)} sites.\n"),
        "verify-audit": ("", "Audit log intact: "),
        "set-token": ("planted-token-0815\n", "Backend token stored in the OS keyring.\n"),
    }
    ran = []
    for command, (stdin, answer) in expected.items():
        forms = _examples_of(command, home)
        assert forms, f"the README shows no {command} command"
        for arguments, stdin_file in forms:
            if "--help" in arguments:
                continue
            typed = (home / stdin_file).read_text() if stdin_file else stdin
            done = run_main(arguments, home, stdin=typed, **keyring)
            assert (done.returncode, done.stderr) == (0, ""), (arguments, done.stderr)
            assert done.stdout.startswith(answer), (arguments, done.stdout)
            ran.append(command)
    stored = json.loads((home / "throwaway-keyring.json").read_text())
    assert stored == {"dispatch-console/backend-token": "planted-token-0815"}
    assert (home / ".local" / "share" / "dispatch-console" / "console.db").exists()  # the documented default place
    assert set(ran) == set(expected)


def test_the_eido_and_center_key_commands_run_as_documented_in_a_fresh_home(tmp_path: Path) -> None:
    """A neighbour's EIDO looked at, then drafted for the first admin; a case that does not exist yet is named; the
    center's first console makes its key. Each exactly as the README shows it."""
    home = tmp_path / "home"
    home.mkdir()
    keyring = {"PYTHON_KEYRING_BACKEND": "tests.foundation.commands.ThrowawayKeyring"}
    assert run_main(["create-operator", "--username", "chief", "--role", "admin"], home,
                    stdin="a-long-password\n", **keyring).returncode == 0
    (home / "cad-4471.json").write_text(json.dumps(FOREIGN), encoding="utf-8")
    heading = "EIDO urn:emergency:uid:incidentid:4471:cad.neighbor.example from cad1.neighbor.example:\n"
    outcomes = []
    for arguments, _ in _examples_of("eido", home):
        if "--help" in arguments:
            continue
        done = run_main(arguments, home, **keyring)
        if arguments[1] == "import":
            assert (done.returncode, done.stderr) == (0, ""), (arguments, done.stderr)
            assert done.stdout.startswith(heading), (arguments, done.stdout)
            last = ("Saved as a draft for chief: Threat → Recover unsaved reports (Ctrl+Shift+D) shows it; nothing is "
                    "a threat until they check and save it.") if "--for" in arguments else (
                    "Nothing was saved. Add --for USERNAME to put it in that operator's drafts.")
            assert done.stdout.splitlines()[-1] == last
        else:  # the README's example case number, on a center that has no cases yet
            assert (done.returncode, done.stdout, done.stderr) == (
                2, "", "Not exported: No case TT-2026-00042. Check the case number (e.g. TT-2026-00042).\n")
        outcomes.append(shlex.join(arguments[:2]))
    assert sorted(set(outcomes)) == ["eido export", "eido import"]
    forms = [a for a, _ in _examples_of("provision-center-key", home) if "--new" in a]
    assert forms, "the README shows how the first console makes the center key"
    done = run_main(forms[0], home, **keyring)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith("A new center key is stored in this console's OS keyring.")
    printed_key = done.stdout.splitlines()[-1]
    assert json.loads((home / "throwaway-keyring.json").read_text())["dispatch-console/center-key"] == printed_key
    shown = [a for a, _ in _examples_of("provision-center-key", home) if "--show" in a]
    assert shown, "the README shows how to read the key for the other consoles"
    done = run_main(shown[0], home, **keyring)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.splitlines()[-1] == printed_key


def test_the_gateway_as_documented_starts_and_prints_its_url(tmp_path: Path) -> None:
    forms = [a for a, _ in _examples_of("gateway", tmp_path) if "--help" not in a]
    assert forms
    for arguments in forms:
        if "--port" in arguments:  # the documented port may be taken on this machine: port 0 picks a free one
            arguments = [*arguments]
            arguments[arguments.index("--port") + 1] = "0"
        else:
            arguments = [*arguments, "--port", "0"]
        env = person_env(tmp_path, DISPATCH_GATEWAY_TOKEN="readme-gateway-token-of-32-characters-or-more")
        process = subprocess.Popen([sys.executable, "main.py", *arguments], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # the ready line is flushed; a parse error closes stdout at once
            assert re.fullmatch(r"gateway: reference backend ready at http://127\.0\.0\.1:\d+\n", line), (
                arguments, line, process.stderr.read() if process.poll() is not None and process.stderr else "")
        finally:
            process.terminate()
            process.wait(timeout=30)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


@pytest.mark.slow
def test_the_test_command_as_documented_runs_pytest(tmp_path: Path) -> None:
    """Examples naming one file run it; the whole suite and folders are only collected (the suite is running)."""
    forms = [a for a, _ in _examples_of("test", tmp_path)]
    assert forms
    for arguments in forms:
        passed_on = arguments[1:]
        if "--help" in passed_on:
            done = run_main(arguments, tmp_path / "home", timeout=300)
            assert done.returncode == 0 and "usage:" in done.stdout, (arguments, done.stdout, done.stderr)
            continue
        runs_one_file = any(Path(ROOT, a.split("::")[0]).is_file() for a in passed_on if not a.startswith("-"))
        typed = arguments if runs_one_file else [*arguments, "--co"]
        done = run_main(typed, tmp_path / "home", timeout=600, QT_QPA_PLATFORM="offscreen")
        assert done.returncode == 0, (typed, done.stdout[-2000:], done.stderr[-2000:])
        assert re.search(r"\d+ (passed|tests? collected)", done.stdout), (typed, done.stdout[-2000:])


def test_the_readme_lists_every_site_column() -> None:
    """The column table under "The site directory CSV" names exactly the columns the importer accepts."""
    section = README[README.index("| column |", README.index("**The site directory CSV**")):]
    table = section[: section.index("\n\n")]
    named = set(re.findall(r"`([a-z_]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:])))
    if {"dismissal_mon", "dismissal_sun"} <= named:
        named |= {f"dismissal_{day}" for day in WEEKDAYS}
    assert named == {*REQUIRED, *OPTIONAL}
