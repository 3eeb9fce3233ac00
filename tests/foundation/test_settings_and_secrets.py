"""Preferences live in one typed settings file; secrets only ever in the OS keyring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from dispatch_console import credentials
from dispatch_console.settings import Settings, config_dir, load_settings, save_settings


def test_settings_round_trip_with_defaults_for_bad_values(console_home: Path) -> None:
    save_settings(Settings(theme="light", lock_minutes=20, backend_url="https://cad.example.org/api"))
    loaded = load_settings()
    assert (loaded.theme, loaded.lock_minutes, loaded.training) == ("light", 20, False)
    (config_dir() / "settings.json").write_text('{"theme": "purple", "lock_minutes": "x", "unknown": 1}')
    assert (load_settings().theme, load_settings().lock_minutes) == ("dark", 15)


def test_the_settings_file_never_holds_a_secret(console_home: Path) -> None:
    save_settings(Settings())
    text = (config_dir() / "settings.json").read_text()
    assert "token" not in text and "password" not in text


def test_no_secure_keyring_is_said_clearly_and_nothing_is_written(console_home: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = credentials.KeyringStore()
    with pytest.raises(credentials.InsecureKeyringError, match="No secure keyring") as refused:
        store.set(credentials.BACKEND_TOKEN, "planted-token-123")
    assert "planted-token-123" not in str(refused.value)
    assert not any("planted-token-123" in p.read_text(errors="ignore") for p in console_home.rglob("*") if p.is_file())
    session_only = credentials.LayeredStore(store, credentials.SessionStore())
    session_only.session.set(credentials.BACKEND_TOKEN, "planted-token-123")
    assert session_only.get(credentials.BACKEND_TOKEN) == "planted-token-123"


def test_a_plaintext_keyring_is_refused() -> None:
    class PlaintextKeyring(fail.Keyring):
        priority = 1  # type: ignore[assignment]

    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(credentials.InsecureKeyringError):
        credentials.KeyringStore().get(credentials.BACKEND_TOKEN)


def test_the_token_is_kept_in_the_keyring(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    credentials.KeyringStore().set(credentials.BACKEND_TOKEN, "t0ken")
    assert memory_keyring.values[(credentials.SERVICE, credentials.BACKEND_TOKEN)] == "t0ken"


def test_set_token_reads_standard_input_and_refuses_without_a_keyring(tmp_path: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "PATH": "/usr/bin:/bin",
           "DISPATCH_CONSOLE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "main.py", "set-token"], input="planted-token-xyz\n",
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 2
    assert "No secure keyring" in result.stderr and "planted-token-xyz" not in result.stderr + result.stdout
