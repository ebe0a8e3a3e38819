"""Domain errors of accounts; str(error) is a message for the user, `field` names the input."""

from flask_babel import lazy_gettext as _l


class AccountError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


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
