"""The center key: one AES-256 key that every console of a center holds in its OS keyring.

Operators sign in at any console sharing the database, so their TOTP secrets live in the database; they are sealed
there with AES-GCM under this key (the operator's user name as associated data, so a sealed secret copied onto
another account does not open). The key itself is never in the database and never in a file: an admin provisions it
once per console (``main.py provision-center-key``), and a console without it refuses second-factor sign-in.
"""

from __future__ import annotations

import base64
import binascii
import os

from dispatch_console.credentials import CENTER_KEY, CredentialError, CredentialStore

KEY_BYTES = 32
NONCE_BYTES = 12


class CenterKeyError(Exception):
    """No center key on this console, or not the key the secrets were sealed with; the message says what to do."""


MISSING = ("This console has no center key, so it cannot check second-factor codes and refuses the sign-in "
           "(it never falls back to the password alone). An admin must provision the center key on this console: "
           "python main.py provision-center-key")
MISMATCH = ("The center key on this console is not the one the other consoles use, so second-factor codes cannot "
            "be checked here. An admin must provision the center's key on this console: "
            "python main.py provision-center-key")


def generate() -> str:
    """A new key, base64 (for the first console of a center; the others are given this text)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CenterKeyError("That is not a center key (expected the base64 text another console printed).") from None
    if len(key) != KEY_BYTES:
        raise CenterKeyError("That is not a center key (expected 32 bytes in base64).")
    return key


def provision(store: CredentialStore, text: str) -> None:
    parse(text)
    store.set(CENTER_KEY, text.strip())


def load(store: CredentialStore) -> bytes | None:
    """This console's key, or None when it has not been provisioned (or the keyring cannot be read)."""
    try:
        text = store.get(CENTER_KEY)
    except CredentialError:  # an insecure or broken keyring: no key, and sign-in says so
        return None
    return parse(text) if text else None


def seal(key: bytes, plaintext: str, *, owner: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # here: ~15 ms no sign-in without a key needs

    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), owner.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(key: bytes | None, token: str, *, owner: str) -> str:
    if key is None:
        raise CenterKeyError(MISSING)
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(token)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], owner.encode()).decode()
    except InvalidTag:
        raise CenterKeyError(MISMATCH) from None
