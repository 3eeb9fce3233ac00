"""New passwords follow NIST SP 800-63B: long enough, not a common one, and no composition rules or expiry."""

from __future__ import annotations

import pytest

from dispatch_console.domain.passwords import common_passwords, password_problem
from dispatch_console.settings import Settings, load_settings, save_settings


def test_a_long_password_of_plain_words_is_fine_without_digits_or_symbols() -> None:
    assert password_problem("lantern orbit cactus") is None
    assert password_problem("alllowercaseletters") is None


def test_the_minimum_length_is_a_setting_with_default_twelve() -> None:
    assert Settings().min_passphrase_length == 12
    assert password_problem("eleven-char") == ("The password must have at least 12 characters. A few unrelated words "
                                               "make a long password that is easy to remember.")
    assert password_problem("twelve-chars") is None
    assert password_problem("twelve-chars", min_length=16) is not None


def test_common_passwords_from_the_shipped_list_are_refused_whatever_their_case() -> None:
    assert len(common_passwords()) > 19_000  # the shipped list, read from resources/security/
    for common in ("password1234", "Password1234", "PASSWORD1234"):
        assert password_problem(common) == ("This password is too easy to guess (it is on the list of commonly "
                                            "used passwords). Choose another.")


def test_the_user_name_is_not_a_password() -> None:
    assert password_problem("dana.dispatcher", username="Dana.Dispatcher") == "The password must not be your user name."


def test_the_policy_settings_survive_a_save_and_bad_values_are_bounded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.json"
    save_settings(Settings(min_passphrase_length=16, second_factor_roles=["call_taker", "admin"]), path)
    loaded = load_settings(path)
    assert (loaded.min_passphrase_length, loaded.second_factor_roles) == (16, ["call_taker", "admin"])
    assert Settings(min_passphrase_length=3).validated().min_passphrase_length == 8
    assert Settings(second_factor_roles=["root", "supervisor"]).validated().second_factor_roles == ["supervisor"]


@pytest.mark.parametrize("length", [8, 64])
def test_the_bounds_of_the_setting_are_kept(length: int) -> None:
    assert Settings(min_passphrase_length=length).validated().min_passphrase_length == length
