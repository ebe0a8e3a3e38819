"""The ASN learning platform: `create_app` builds the Flask application."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_compress import Compress
from sqlalchemy import orm as sa_orm
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR, Config

from . import careers, certificates, evaluations, jobs, notifications
from .accounts import admin_bp as accounts_admin_bp
from .accounts import bp as accounts_bp
from .accounts.cli import register as register_accounts_cli
from .accounts.signals import sessions_ended
from .api import register as register_api_blueprints
from .backup.cli import register as register_backup_cli
from .careers.cli import register as register_careers_cli
from .certificates.cli import register as register_certificates_cli
from .competencies import bp as competencies_bp
from .competencies.cli import register as register_competencies_cli
from .core import bp as core_bp
from .core.cli import lms_group
from .core.cookie_session import CookieSessionInterface
from .core.errors import register as register_core_errorhandlers
from .core.i18n import select_locale, select_timezone
from .core.input_guard import register as register_core_input_guard
from .core.reads import register as register_reads
from .core.realtime import ResilientRedisManager, queue_split
from .core.security import register as register_core_security
from .core.sockets import mount as mount_socketio
from .core.sockets import register as register_default_namespace
from .core.templating import register as register_core_templating
from .core.uploads import register as register_upload_limits
from .core.urls import register_converters
from .courses import bp as courses_bp
from .courses import manage_bp as courses_manage_bp
from .courses.cli import register as register_courses_cli
from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from .jobs.cli import register as register_jobs_cli
from .notifications.cli import register as register_notifications_cli
from .offline import bp as offline_bp
from .quizzes import bp as quizzes_bp
from .quizzes import manage_bp as quizzes_manage_bp
from .quizzes.cli import register as register_quizzes_cli
from .reports import bp as reports_bp
from .reports import teach_bp as reports_teach_bp
from .webinars import bp as webinars_bp
from .webinars.broadcast import on_queue_split
from .webinars.cli import register as register_webinars_cli
from .webinars.events import WebinarNamespace, close_connections_of_sessions

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type[Config] | Config | None = None, **overrides) -> Flask:
    """Build the application from a config name, class or object, plus keyword overrides."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config, overrides)
    register_converters(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(app)
    configure_extensions(app)
    register_blueprints(app)
    register_socket_namespaces(app)
    register_api(app)
    register_cli(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_compression(app)
    register_input_guard(app)
    # The models' relationships resolved now, once per process, rather than by whichever request
    # queries first: a page worker forked from a preloading master shares the result (the page
    # benchmark's memory), and a rooms process has it before its first participant.
    sa_orm.configure_mappers()
    if app.config["PROXY_FIX_X_FOR"]:
        n = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def load_config(app: Flask, config, overrides: dict) -> None:
    if config is None or isinstance(config, str):
        config = CONFIGS[config or "development"]
    app.config.from_object(config)
    app.config.from_prefixed_env("LMS")
    app.config.update(overrides)
    check = getattr(config, "check", None)
    if check is not None:
        check(app.config)


def configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def greenlets_patched() -> bool:
    """Whether gevent patched this process (a webinar room process under gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def lighten_greenlets() -> None:
    """In a rooms process, greenlets do not record where they were spawned.

    gevent keeps, for every greenlet, the ten innermost frames of the code that spawned it, the
    greenlet that did and its locals (for debugging tools): 34 small objects per participant of
    a full room, and a stack walk at every spawn. Setting GEVENT_TRACK_GREENLET_TREE
    in the environment (to 1 to debug) decides instead."""
    if greenlets_patched() and "GEVENT_TRACK_GREENLET_TREE" not in os.environ:
        sys.modules["gevent"].config.track_greenlet_tree = False  # imported: it patched this process


def engine_options(config, *, greenlets: bool) -> dict:
    """The connection pool for this process.

    Where gevent runs thousands of greenlets (the rooms), greenlets queue for a fixed pool
    cooperatively: one SQLite connection, so that none of them blocks the whole process in
    SQLite's busy wait while another holds the write lock; on PostgreSQL `ROOMS_DB_POOL_SIZE`
    connections and no overflow. With the default pool (5 and 10 more on demand), a burst of joins
    opened a new connection for every checkout beyond the fifth and closed it on return: a server
    process forked and torn down per join. Page workers keep the default."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        if greenlets or config["SOCKETIO_ASYNC_MODE"] == "gevent":
            options.update(pool_size=1, max_overflow=0)
    elif greenlets:
        options.update(pool_size=config["ROOMS_DB_POOL_SIZE"], max_overflow=0)
    return options


def configure_extensions(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    lighten_greenlets()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config, greenlets=greenlets_patched())
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # A stopped Redis refuses at once; one that hangs must not hang every page for long.
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            **(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}),
        }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    # Always given (None: no queue), so a manager of an earlier app in this process never lingers.
    manager = ResilientRedisManager(queue, channel=app.config["SOCKETIO_CHANNEL"]) if queue else None
    socketio.init_app(
        app,
        message_queue=queue,
        client_manager=manager,
        channel=app.config["SOCKETIO_CHANNEL"],
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        max_http_buffer_size=app.config["SOCKETIO_MAX_HTTP_BUFFER_SIZE"],
    )
    mount_socketio(app, socketio)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(core_bp)
    jobs.init_app(app)  # the queue, the worker in this process when configured, the job pages
    app.register_blueprint(accounts_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(competencies_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(courses_manage_bp)
    certificates.init_app(app)  # also connects its signal subscribers
    evaluations.init_app(app)  # after certificates: a survey never holds a certificate back
    careers.init_app(app)  # also connects its signal subscribers
    notifications.init_app(app)  # the bell's pages; listens to the signals of the features below
    app.register_blueprint(reports_bp)
    app.register_blueprint(reports_teach_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(quizzes_manage_bp)
    app.register_blueprint(webinars_bp)
    app.register_blueprint(offline_bp)


def register_socket_namespaces(app: Flask) -> None:
    register_default_namespace(socketio)
    socketio.on_namespace(WebinarNamespace("/webinar"))
    queue_split.connect(on_queue_split)
    sessions_ended.connect(close_connections_of_sessions)


def register_api(app: Flask) -> None:
    register_api_blueprints(app)


def register_cli(app: Flask) -> None:
    register_accounts_cli(lms_group)
    register_competencies_cli(lms_group)
    register_courses_cli(lms_group)
    register_certificates_cli(lms_group)
    register_careers_cli(lms_group)
    register_quizzes_cli(lms_group)
    register_webinars_cli(lms_group)
    register_notifications_cli(lms_group)
    register_jobs_cli(lms_group)
    register_backup_cli(lms_group)
    if app.config.get("DEV_COMMANDS") and importlib.util.find_spec("bench") is not None:
        # The benchmark data generator is not part of the package: only a source checkout has
        # it, and only development and test configurations offer it.
        from bench.generate_agency import generate_command

        lms_group.add_command(generate_command)
    else:  # the group is shared by every app of the process
        lms_group.commands.pop("generate", None)
    app.cli.add_command(lms_group)


def register_errorhandlers(app: Flask) -> None:
    register_core_errorhandlers(app)


def register_security_headers(app: Flask) -> None:
    register_core_security(app)


def register_input_guard(app: Flask) -> None:
    register_core_input_guard(app)


def register_compression(app: Flask) -> None:
    """gzip text responses in the app itself: learners on slow links get small pages without a proxy."""

    for key, value in {
        "COMPRESS_ALGORITHM": ["gzip"],
        # Level 4, not the default 6: a 9.6 KB lesson page gzips to 3,666 bytes in 105 us against
        # 3,626 bytes in 142 us (1 % more bytes for a quarter less CPU); levels 1-3 save more CPU
        # but cost 6-9 % more bytes, which slow links pay for.
        "COMPRESS_LEVEL": 4,
        "COMPRESS_ALGORITHM_STREAMING": ["gzip"],
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/plain",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
        "COMPRESS_MIN_SIZE": 500,
        # Flask-Compress would evaluate every GET as a conditional request (its default): some
        # 40 us a page for pages that carry no validator. The hook below does it where one is.
        "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
    }.items():
        app.config.setdefault(key, value)

    @app.after_request  # registered before Flask-Compress, so it runs after it
    def answer_conditional_requests(response):
        # A static file or the JWKS carries an ETag, which gzip has just made "...:gzip": the
        # client's If-None-Match names that one, so the 304 is decided here, after compression.
        if (
            request.method in ("GET", "HEAD")
            and not response.is_streamed
            and ("ETag" in response.headers or "Last-Modified" in response.headers)
        ):
            response.make_conditional(request)
        return response

    Compress(app)

    @app.after_request
    def buffer_static_text(response):
        # Runs before Flask-Compress: a static text file is read whole (its file closes with the
        # response), so it is gzipped like a page instead of streamed without being closed.
        if (
            request.endpoint == "static"
            and response.direct_passthrough
            and response.status_code == 200
            and response.mimetype in app.config["COMPRESS_MIMETYPES"]
        ):
            response.direct_passthrough = False
            response.get_data()
        return response


def register_template_helpers(app: Flask) -> None:
    register_core_templating(app)
    register_upload_limits(app)
    register_reads(app)
