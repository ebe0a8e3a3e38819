"""Domain errors of accounts; str(error) is a message for the user, `field` names the input."""

from flask_babel import lazy_gettext as _l

from ..core.domain import DomainError


class AccountError(DomainError):
    """A rule of accounts refused the action."""


class PermissionDenied(AccountError):
    pass


class EmailNotConfirmed(AccountError):
    """The password was right, but the account has not confirmed its email address yet."""

    def __init__(self, user):
        super().__init__(
            _l(
                "Email Anda belum dikonfirmasi. Buka tautan konfirmasi yang kami kirim ke email Anda "
                "(periksa juga folder spam). Tautan baru dikirim paling sering sekali tiap 10 menit."
            )
        )
        self.user = user


class LoginLocked(AccountError):
    """Too many failed logins; `minutes` says how long to wait."""

    def __init__(self, minutes: int):
        super().__init__(
            _l(
                "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Coba lagi dalam %(n)d menit.",
                n=minutes,
            )
        )
        self.minutes = minutes


class HrPermissionDenied(PermissionDenied):
    """The actor is not HR of the agency whose careers, catalogue or reports they touch."""
