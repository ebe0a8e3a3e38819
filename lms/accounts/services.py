"""Accounts: registration, login, passwords, language, roles, agencies and units.

Services take the acting user as an argument, `flush()` and never `commit()`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.clock import utcnow
from ..extensions import db
from . import login_limits, passwords, sessions, tokens
from .errors import AccountError, EmailNotConfirmed
from .models import Agency, Role, TokenPurpose, Unit, User, UserRole
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


def create_user(data: NewUser, *, by: User | None = None, at: datetime | None = None) -> User:
    """Create an account after validating every field; the NIP's structure decides its type.

    An account created by an administrator, the CLI or an HR import is verified: whoever
    created it vouches for the person and the address. Self-registration goes through `register`."""
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

    at = at or utcnow()
    user = User(
        name=name,
        email=email,
        nip=number.number if number else None,
        employee_type=number.employee_type if number else None,
        agency_id=agency_id,
        unit_id=unit.id if unit else None,
        position_title=(data.position_title or "").strip() or None,
        password_hash=passwords.hash_password(data.password) if data.password else None,
        email_confirmed_at=at,
        identity_verified_at=at,
    )
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(data.roles)]
    db.session.add(user)
    db.session.flush()
    logger.info("user %s created by %s with roles %s", user.id, by and by.id, sorted(user.roles))
    return user


def register(data: NewUser, *, at: datetime | None = None) -> User:
    """Self-registration: an unverified learner account that must confirm its email address.

    It can learn; until an agency admin or an HR import confirms the person, it is nobody's
    supervisor, in no team, HR analytics or export. A NIP that already has an account is refused
    with a pointer to HR (the owner, or HR, can sort it out; a stranger cannot take it over)."""
    if not data.nip:
        raise AccountError(_l("NIP wajib diisi."), "nip")
    if not data.unit_id:
        raise AccountError(_l("Pilih unit kerja Anda."), "unit_id")
    if not data.password:
        raise AccountError(_l("Kata sandi wajib diisi."), "password")
    number = parse_nip(data.nip)
    if user_by_nip(number.number) is not None:
        raise AccountError(
            _l(
                "NIP ini sudah terdaftar. Jika ini NIP Anda, silakan hubungi bagian kepegawaian (SDM) "
                'instansi Anda, atau gunakan "Lupa kata sandi" dengan email yang tercatat di SDM.'
            ),
            "nip",
        )
    data.roles = (Role.LEARNER,)
    user = create_user(data, at=at)
    user.email_confirmed_at = None
    user.identity_verified_at = None
    db.session.flush()
    logger.info("user %s registered themselves (unverified)", user.id)
    return user


def make_email_confirmation_token(user: User, *, at: datetime) -> str:
    """A single-use link token that confirms the account's current email address."""
    ttl = timedelta(seconds=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    return tokens.issue(user, TokenPurpose.CONFIRM_EMAIL, at=at, ttl=ttl)


def confirmation_recently_sent(user: User, *, at: datetime) -> bool:
    return tokens.recently_issued(user, TokenPurpose.CONFIRM_EMAIL, since=at - timedelta(minutes=10))


def user_for_email_confirmation(token: str, *, at: datetime) -> User:
    return tokens.find(token, (TokenPurpose.CONFIRM_EMAIL,), at=at).user


def confirm_email(token: str, *, at: datetime) -> User:
    """Use a confirmation link once; it only confirms the address it was sent to."""
    row = tokens.consume(token, (TokenPurpose.CONFIRM_EMAIL,), at=at)
    user = row.user
    if row.email != user.email:
        raise tokens.LinkUnusable(_l("Tautan ini untuk alamat email yang sudah tidak dipakai akun Anda."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = at
    db.session.flush()
    logger.info("user %s confirmed their email address", user.id)
    return user


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
    if user.email_confirmed_at is None:
        raise EmailNotConfirmed(user)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    logger.info("user %s logged in", user.id)
    return user


def log_in(login: str, password: str, *, ip: str | None, user_agent: str | None, at: datetime) -> User:
    """Check the lockout, the password and the account, then start a login session.

    A failure counts against this account from this address and, more slowly, against the
    account from anywhere (login_limits); LoginLocked says how long to wait."""
    key = login_limits.account_key(find_login(login), normalise_login(login))
    login_limits.check(key, ip or "-")
    try:
        user = authenticate(login, password)
    except EmailNotConfirmed:
        raise
    except AccountError:
        login_limits.record_failure(key, ip or "-")
        raise
    sessions.start_session(user, ip=ip, user_agent=user_agent, at=at)
    return user


def _set_password(user: User, new_password: str) -> None:
    passwords.check_password_rules(new_password, personal=(user.nip, user.email))
    user.password_hash = passwords.hash_password(new_password)
    db.session.flush()


def change_password(user: User, current: str, new: str, *, at: datetime | None = None) -> None:
    """Change a password after checking the current one; the user's other sessions end."""
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(_l("Kata sandi saat ini salah."), "current_password")
    _set_password(user, new)
    sessions.end_sessions(user, at=at or utcnow(), keep=user.login_session)
    tokens.revoke(user, at=at or utcnow(), purposes=PASSWORD_LINKS)
    logger.info("user %s changed their password", user.id)


PASSWORD_LINKS = (TokenPurpose.RESET_PASSWORD, TokenPurpose.SET_PASSWORD)


def make_reset_token(user: User, *, at: datetime | None = None) -> str:
    """A random single-use token for a "Lupa kata sandi" link (stored hashed, valid 60 minutes)."""
    ttl = timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"])
    return tokens.issue(user, TokenPurpose.RESET_PASSWORD, at=at or utcnow(), ttl=ttl)


def user_for_reset_token(token: str, *, at: datetime | None = None) -> User:
    """The user of a usable reset (or set-password) link; LinkUnusable says why not."""
    return tokens.find(token, PASSWORD_LINKS, at=at or utcnow()).user


def reset_password(token: str, new: str, *, at: datetime | None = None) -> User:
    """Set a new password from a link, once; every session of the user ends."""
    at = at or utcnow()
    user = user_for_reset_token(token, at=at)
    passwords.check_password_rules(new, personal=(user.nip, user.email))
    row = tokens.consume(token, PASSWORD_LINKS, at=at)
    _set_password(user, new)
    if user.email_confirmed_at is None and row.email == user.email:
        user.email_confirmed_at = at  # the link reached this address
    tokens.revoke(user, at=at, purposes=PASSWORD_LINKS)
    sessions.end_sessions(user, at=at)
    logger.info("user %s set a password through a %s link", user.id, row.purpose.value)
    return user


def _idle() -> timedelta:
    return timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])


def my_sessions(user: User, *, at: datetime) -> list:
    """The user's live login sessions for the account page, this one first."""
    rows = sessions.active_sessions(user, now=at, idle=_idle())
    current = user.login_session.id if user.login_session is not None else None
    return sorted(rows, key=lambda row: row.id != current)


def end_my_session(user: User, session_id: str, *, at: datetime) -> bool:
    """End one of the user's own sessions; False when it is not theirs or already over."""
    if not isinstance(session_id, str) or len(session_id) != 64:
        return False
    return sessions.end_session(user, session_id, at=at)


def end_other_sessions(user: User, *, at: datetime) -> list[str]:
    """End every session of the user except the one in use."""
    return sessions.end_sessions(user, at=at, keep=user.login_session)


def end_login_session(user: User, *, at: datetime) -> None:
    """Logout: the session in use ends on the server, so copies of its cookies stop working."""
    if user.login_session is not None:
        sessions.end_session(user, user.login_session.id, at=at)
        logger.info("user %s logged out", user.id)


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
