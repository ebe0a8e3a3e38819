"""Password hashing with Argon2id (argon2-cffi; the OWASP first choice) and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from .errors import AccountError

MIN_LENGTH = 8
MAX_LENGTH = 128
# A hash of a random string, verified when the account does not exist so that a wrong
# login takes as long whether or not the NIP/email is registered.
_DUMMY_HASH_SOURCE = "timing-equaliser-not-a-password"


def _hasher() -> PasswordHasher:
    params = current_app.config.get("PASSWORD_HASH_PARAMS") or {}
    key = ("argon2_hasher", tuple(sorted(params.items())))
    cache = current_app.extensions.setdefault("lms_cache", {})
    if key not in cache:
        cache[key] = PasswordHasher(**params)
    return cache[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time; a missing hash still costs one verification."""
    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(_dummy_hash(), password)
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("lms_cache", {})
    if "dummy_hash" not in cache:
        cache["dummy_hash"] = _hasher().hash(_DUMMY_HASH_SOURCE)
    return cache["dummy_hash"]


def check_password_rules(password: str, *, personal: tuple[str | None, ...] = ()) -> None:
    """Raise AccountError when the password is too short, too long or equals a personal value."""
    if len(password) < MIN_LENGTH:
        raise AccountError(_l("Kata sandi minimal %(n)d karakter.", n=MIN_LENGTH), "password")
    if len(password) > MAX_LENGTH:
        raise AccountError(_l("Kata sandi maksimal %(n)d karakter.", n=MAX_LENGTH), "password")
    lowered = password.lower()
    if any(value and lowered == value.lower() for value in personal):
        raise AccountError(_l("Kata sandi tidak boleh sama dengan NIP atau email."), "password")
