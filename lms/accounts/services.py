"""Accounts: registration, login, passwords, language, roles, agencies and units.

Services take the acting user as an argument, `flush()` and never `commit()`.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from ..extensions import db
from . import passwords
from .errors import AccountError
from .models import Agency, Role, Unit, User, UserRole, utcnow
from .nip import EmployeeNumber, InvalidEmployeeNumber, normalise, parse_employee_number

logger = logging.getLogger(__name__)

TIMEZONE_CHOICES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
NAME_MAX = 150


# ---------------------------------------------------------------- validation helpers


def clean_name(raw: str) -> str:
    """Collapse white space; refuse empty, too long or control characters."""
    name = " ".join((raw or "").split())
    if len(name) < 2:
        raise AccountError(_l("Nama wajib diisi (minimal 2 karakter)."), "name")
    if len(name) > NAME_MAX:
        raise AccountError(_l("Nama maksimal %(n)d karakter.", n=NAME_MAX), "name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise AccountError(_l("Nama mengandung karakter yang tidak diizinkan."), "name")
    return name


def clean_email(raw: str) -> str:
    """Normalise an email address (lower case); refuse a malformed one."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Alamat email tidak valid."), "email") from None
    return result.normalized.lower()


def parse_nip(raw: str) -> EmployeeNumber:
    try:
        return parse_employee_number(raw)
    except InvalidEmployeeNumber as exc:
        raise AccountError(str(exc), "nip") from None


def user_by_nip(nip: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.nip == nip))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def ensure_unique(nip: str | None, email: str, *, exclude: User | None = None) -> None:
    """Raise when the NIP or email already belongs to another account."""
    for value, lookup, field, message in (
        (nip, user_by_nip, "nip", _l("NIP ini sudah terdaftar.")),
        (email, user_by_email, "email", _l("Email ini sudah terdaftar.")),
    ):
        if value is None:
            continue
        other = lookup(value)
        if other is not None and other is not exclude:
            raise AccountError(message, field)


# ---------------------------------------------------------------- users


@dataclass
class NewUser:
    name: str
    email: str
    nip: str | None = None
    password: str | None = None
    unit_id: int | None = None
    agency_id: int | None = None
    position_title: str | None = None
    roles: tuple[Role, ...] = (Role.LEARNER,)


def create_user(data: NewUser, *, by: User | None = None) -> User:
    """Create an account after validating every field; the NIP's structure decides its type."""
    name = clean_name(data.name)
    email = clean_email(data.email)
    number = parse_nip(data.nip) if data.nip else None
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if data.unit_id and unit is None:
        raise AccountError(_l("Unit kerja tidak ditemukan."), "unit_id")
    agency_id = unit.agency_id if unit else data.agency_id
    if agency_id is not None and db.session.get(Agency, agency_id) is None:
        raise AccountError(_l("Instansi tidak ditemukan."), "agency_id")
    if data.password is not None:
        passwords.check_password_rules(data.password, personal=(number and number.number, email))
    ensure_unique(number and number.number, email)

    user = User(
        name=name,
        email=email,
        nip=number.number if number else None,
        employee_type=number.employee_type if number else None,
        agency_id=agency_id,
        unit_id=unit.id if unit else None,
        position_title=(data.position_title or "").strip() or None,
        password_hash=passwords.hash_password(data.password) if data.password else None,
    )
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(data.roles)]
    db.session.add(user)
    db.session.flush()
    logger.info("user %s created by %s with roles %s", user.id, by and by.id, sorted(user.roles))
    return user


def register(data: NewUser) -> User:
    """Self-registration: a learner account in a chosen unit, with a password."""
    if not data.nip:
        raise AccountError(_l("NIP wajib diisi."), "nip")
    if not data.unit_id:
        raise AccountError(_l("Pilih unit kerja Anda."), "unit_id")
    if not data.password:
        raise AccountError(_l("Kata sandi wajib diisi."), "password")
    data.roles = (Role.LEARNER,)
    return create_user(data)


def normalise_login(login: str) -> str:
    """A NIP without separators, or a lower-cased email."""
    login = (login or "").strip()
    nip = normalise(login)
    return nip if nip.isdigit() and len(nip) == 18 else login.lower()


def find_login(login: str) -> User | None:
    """Find an account by NIP (spaces allowed) or by email."""
    key = normalise_login(login)
    return user_by_nip(key) if key.isdigit() else user_by_email(key)


def authenticate(login: str, password: str) -> User:
    """Return the user whose NIP/email and password match; raise AccountError otherwise."""
    user = find_login(login)
    if not passwords.verify_password(user.password_hash if user else None, password):
        raise AccountError(_l("NIP/email atau kata sandi salah."))
    if not user.active:
        raise AccountError(_l("Akun Anda dinonaktifkan. Silakan hubungi admin instansi Anda."))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    logger.info("user %s logged in", user.id)
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: the id is "<user id>:<session token>"; a stale token ends the session."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    # One statement with the roles (every page's menu) and the agency (the time zone).
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows), joinedload(User.agency)])
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _set_password(user: User, new_password: str) -> None:
    passwords.check_password_rules(new_password, personal=(user.nip, user.email))
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = _new_session_token()
    db.session.flush()


def _new_session_token() -> str:
    return secrets.token_hex(16)


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions of the user end."""
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(_l("Kata sandi saat ini salah."), "current_password")
    _set_password(user, new)
    logger.info("user %s changed their password", user.id)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed, expiring token that is void once the password changes (it holds the session token)."""
    return _reset_serializer().dumps({"u": user.id, "s": user.session_token})


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise AccountError(
            _l("Tautan atur ulang kata sandi sudah kedaluwarsa. Silakan minta lagi.")
        ) from None
    except BadSignature:
        raise AccountError(_l("Tautan atur ulang kata sandi tidak valid atau sudah dipakai.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(user.session_token, str(data.get("s"))):
        raise AccountError(_l("Tautan atur ulang kata sandi tidak valid atau sudah dipakai."))
    return user


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset token; the token then stops working."""
    user = user_for_reset_token(token)
    _set_password(user, new)
    logger.info("user %s reset their password", user.id)
    return user


def set_preferences(user: User, *, locale: str | None = None, timezone: str | None = None) -> None:
    """Remember the user's language and time zone."""
    if locale is not None:
        if locale not in current_app.config["LANGUAGES"]:
            raise AccountError(_l("Bahasa tidak dikenal."), "locale")
        user.locale = locale
    if timezone is not None:
        if timezone and timezone not in TIMEZONE_CHOICES:
            raise AccountError(_l("Zona waktu tidak dikenal."), "timezone")
        user.timezone = timezone or None
    db.session.flush()
