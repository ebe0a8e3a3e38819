"""Configuration classes. Everything secret or deployment-specific comes from the environment.

`create_app` accepts one of these classes, an instance, or a name ("development", "test",
"production"). After the class is loaded, variables prefixed `LMS_` override any key
(`LMS_MAIL_BACKEND=smtp` sets `MAIL_BACKEND`), as in Flask's `from_prefixed_env`.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_PATH", BASE_DIR / "instance"))

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused by ProductionConfig


class Config:
    SITE_NAME = os.environ.get("SITE_NAME", "Ruang Belajar ASN")
    DEV_COMMANDS = False  # development commands (the benchmark data generator); never in production
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}")
    # No pre-ping: it costs a round trip on every checkout. A connection the server dropped (a
    # restart) fails the request that meets it, and SQLAlchemy then invalidates the whole pool, so
    # the next requests reconnect by themselves. Connections older than pool_recycle are replaced
    # before firewalls or PgBouncer cut them.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800}
    # PostgreSQL connections of one webinar room process (gevent): a fixed pool its greenlets queue
    # for (lms.engine_options). Room processes x this + page workers x 15 < max_connections.
    ROOMS_DB_POOL_SIZE = 10

    # Sessions and cookies (see Flask docs/web-security.rst).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    # "basic", not "strong": learners on mobile networks change IP address constantly.
    SESSION_PROTECTION = "basic"
    HSTS = False

    # Requests larger than this are refused with a friendly 413 page.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    CSV_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    CSV_IMPORT_MAX_ROWS = 20_000
    QUIZ_IMPORT_MAX_BYTES = 32 * 1024 * 1024  # GIFT, Aiken or Moodle XML (its media inline, base64)
    COURSE_MEDIA_MAX_BYTES = 20 * 1024 * 1024  # one image, PDF or video of a lesson
    COURSE_IMAGE_MAX_PIXELS = 50_000_000  # what learners' browsers must decode (PNG bombs)
    COURSE_BUNDLE_MAX_UPLOAD = 50 * 1024 * 1024  # a zipped course bundle as uploaded
    COURSE_BUNDLE_MAX_BYTES = 100 * 1024 * 1024  # the bundle unpacked
    COURSE_BUNDLE_MAX_FILES = 500

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; slow learners are not punished

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "lms" / "translations")
    LANGUAGES = ("id", "en")

    # Flask-Limiter: memory in one process; Redis (RATELIMIT_STORAGE_URI) when scaled out.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Redis is an accelerator, not a single point of failure: while it is unreachable, limits count
    # in each process's memory (logged), and Redis is tried again until it answers (no restart).
    # (A Redis storage also gets 1 s socket timeouts, see create_app: one that hangs must not hang pages.)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Per address: generous, since a whole office often shares one public address (NAT).
    LOGIN_RATE_LIMIT = "60 per minute"
    # Failed logins only (accounts/login_limits.py). Per account and address together, so that a
    # stranger elsewhere cannot lock the owner out; and, slower, per account from anywhere.
    LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT = "10 per 15 minutes"
    LOGIN_ACCOUNT_RATE_LIMIT = "50 per hour"
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"  # noqa: S105 - not a password

    # Mail: "log" writes the message to the log (development), "smtp" sends it,
    # "memory" keeps it in app.extensions["mail_outbox"] (tests).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@lms.localhost")
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds a "Lupa kata sandi" link works (once)
    SET_PASSWORD_MAX_AGE = 7 * 24 * 60 * 60  # the first-password link HR's confirmation sends
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 60 * 60  # the link that confirms a self-registered address
    # Server-side login sessions (accounts/sessions.py): one unused this long has ended; the
    # "last seen" time is written at most this often per session, never on every request.
    SESSION_IDLE_TIMEOUT = 60 * 60 * 24 * 30
    SESSION_TOUCH_SECONDS = 5 * 60

    REGISTRATION_OPEN = os.environ.get("REGISTRATION_OPEN", "1") == "1"
    # Number of proxies in front of the app that set X-Forwarded-For/-Proto (0 = none).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))

    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    # Redis pub/sub channels ignore the database number: sites sharing a Redis need their own.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "flask-socketio")
    # "threading" for the development server and tests; "gevent" under gunicorn's gevent worker.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    # Largest Socket.IO packet accepted; a client sending more is disconnected by the server.
    SOCKETIO_MAX_HTTP_BUFFER_SIZE = 64 * 1024

    # Webinars (see lms/webinars): attendance is measured from heartbeats of each connection.
    WEBINAR_HEARTBEAT_SECONDS = 30  # how often the room page sends a heartbeat
    WEBINAR_HEARTBEAT_TIMEOUT = 90  # no heartbeat for this long: the connection is closed ...
    WEBINAR_HEARTBEAT_GRACE = 30  # ... at its last heartbeat plus this grace
    WEBINAR_FLUSH_SECONDS = 5  # each server process writes its buffered heartbeats this often
    WEBINAR_SWEEP_SECONDS = 15  # ... and closes silent connections (of every process) this often
    WEBINAR_PRESENT_WINDOW = 0.5  # arrivals are told to moderators in lists gathered this long
    CATALOGUE_FILTERS_SECONDS = 60  # a process keeps the catalogue's filter options this long
    WEBINAR_PRESENT_THRESHOLD = 80  # default share (%) of the scheduled time to count as present
    WEBINAR_ROOM_OPENS_MINUTES = 30  # the room opens this long before the start
    WEBINAR_REMINDER_HOURS = (
        24  # notifications: the "webinar tomorrow" notice comes this long before the start
    )
    WEBINAR_CHAT_MAX_CHARS = 500
    WEBINAR_QUESTION_MAX_CHARS = 1000
    WEBINAR_CHAT_PAGE_SIZE = 50
    # Per user, over all their tabs: chat, questions and votes; then every event (a flood: cut).
    WEBINAR_MESSAGE_RATE_LIMIT = "5 per 10 seconds"
    WEBINAR_FLOOD_RATE_LIMIT = "40 per 10 seconds"
    # Video platforms the room may embed (origin added to the page's CSP frame-src); others are links.
    WEBINAR_JITSI_HOSTS = ("meet.jit.si",)
    # Where the site is reached from outside: links in mails sent by cron commands.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Certificates. The absolute address printed in QR codes and signed into credentials
    # (e.g. https://belajar.example.go.id); without it the address of the current request is used.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    # Signing keys: unset = instance/signing-keys/ (created on first use); or a folder, a PEM file,
    # or PEM text (the first private key of CERT_SIGNING_ALG signs). See lms/certificates/signing.py.
    CERT_SIGNING_KEYS = os.environ.get("CERT_SIGNING_KEYS")
    # RS256 (RSA, what every Open Badges 3.0 verifier must accept) or EdDSA (Ed25519).
    CERT_SIGNING_ALG = os.environ.get("CERT_SIGNING_ALG", "RS256")
    CERT_FONT_DIR = os.environ.get("CERT_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
    JWKS_MAX_AGE = 3600
    # Per address, shared by /verify, /verify/<code>, /verify/credential and the JSON status.
    VERIFY_RATE_LIMIT = "60 per minute"
    BULK_VERIFY_RATE_LIMIT = "60 per hour"
    BULK_VERIFY_MAX = 500
    # Quizzes: an answer arriving this long after the deadline still counts (network latency).
    QUIZ_GRACE_SECONDS = int(os.environ.get("QUIZ_GRACE_SECONDS", "30"))

    # The job queue (lms/jobs): redis://... in production; "sqlite" keeps it in a file in the
    # instance folder (one machine, no Redis); "memory" for tests (jobs run when drained).
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "sqlite")
    JOBS_WORKER_IN_PROCESS = os.environ.get("JOBS_WORKER_IN_PROCESS", "0") == "1"
    JOBS_RESULT_DAYS = 7  # export files are deleted after this many days
    JOBS_UNAVAILABLE_RETRY_SECONDS = 5  # a job that met an unreachable database is asked again after
    JOBS_STALE_SECONDS = 2 * 60 * 60  # a job "running" this long lost its worker: queued again
    JOBS_FOLLOW_COURSES_INLINE_MAX = 500  # more completions than this: a course edit follows in a job


class DevelopmentConfig(Config):
    DEBUG = False
    # `make run` is one process: it runs the jobs and the scheduled work itself.
    JOBS_WORKER_IN_PROCESS = os.environ.get("JOBS_WORKER_IN_PROCESS", "1") == "1"
    DEV_COMMANDS = True  # `flask lms generate` (bench/generate_agency.py), from a source checkout


class TestConfig(Config):
    TESTING = True
    DEV_COMMANDS = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True  # the real limits; tests reset the counters
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    JOBS_QUEUE = "memory"
    JOBS_WORKER_IN_PROCESS = False
    WEBINAR_PRESENT_WINDOW = 0  # each arrival told at once (tests/webinars/test_events.py: the window)
    CATALOGUE_FILTERS_SECONDS = 0  # read at every page (tests/courses/test_services.py: the keeping)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "gevent")

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start with settings that are only safe on a developer's machine."""
        problems = []
        if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            problems.append("SECRET_KEY must be set to a long random value")
        if "DATABASE_URL" not in os.environ and not os.environ.get("LMS_SQLALCHEMY_DATABASE_URI"):
            problems.append("DATABASE_URL must be set")
        if problems:
            raise RuntimeError("Refusing to start in production: " + "; ".join(problems))


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
