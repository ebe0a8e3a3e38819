"""Test data builders. Each returns committed objects usable after their session closed."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from datetime import date

from flask import has_app_context

from lms.accounts import agencies, services
from lms.accounts.models import Role
from lms.extensions import db

PASSWORD = "rahasia-uji-123"
_seq = itertools.count(1)


def make_nip(*, birth=date(1990, 5, 17), appointed=(2015, 3), gender=1, seq=None) -> str:
    """A structurally valid NIP; seq defaults to a fresh number so NIPs do not collide."""
    seq = seq if seq is not None else next(_seq) % 1000 or 1
    year, month = appointed
    return f"{birth:%Y%m%d}{year:04d}{month:02d}{gender}{seq:03d}"


def make_pppk(*, birth=date(1994, 2, 14), year=2022, gender=2, seq=None) -> str:
    seq = seq if seq is not None else next(_seq) % 1000 or 1
    return f"{birth:%Y%m%d}{year:04d}21{gender}{seq:03d}"


def unique_nip() -> str:
    n = next(_seq)
    return make_nip(birth=date(1960 + n % 30, 1 + n % 12, 1 + n % 28), seq=n % 999 + 1)


def agency(code=None, name="Badan Uji Coba", timezone="Asia/Jakarta", units=("UMUM", "KEU")):
    code = code or f"AG{next(_seq)}"
    created = agencies.create_agency(code, name, timezone, by=None)
    for unit_code in units:
        agencies.add_unit(created, unit_code, f"Bagian {unit_code.title()}", None, by=None)
    return created


def user(agency=None, roles=(Role.LEARNER,), password=PASSWORD, unit=None, **over):
    unit = unit or (agency.units[0] if agency is not None and agency.units else None)
    data = services.NewUser(
        nip=over.pop("nip", None) or unique_nip(),
        name=over.pop("name", "Pegawai Uji"),
        email=over.pop("email", None) or f"user{next(_seq)}@uji.go.id",
        password=password,
        unit_id=unit.id if unit else None,
        agency_id=agency.id if agency else None,
        roles=tuple(roles),
        **over,
    )
    return services.create_user(data)


def bind(app, builder):
    """Run a builder in the current app context, or in a short one of its own, and commit."""

    def build(*args, **kwargs):
        with nullcontext() if has_app_context() else app.app_context():
            obj = builder(*args, **kwargs)
            db.session.commit()
            # Load what templates and tests commonly touch before the session may close.
            for attr in ("units", "role_rows", "agency", "unit"):
                getattr(obj, attr, None)
            return obj

    return build


def webinar(host, *, starts_at=None, minutes=60, jp=2, threshold=80, video_url="", **over):
    """A webinar hosted by `host`; by default it started 10 minutes ago and lasts an hour."""
    from datetime import UTC, datetime, timedelta

    from lms.webinars.models import Webinar

    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    created = Webinar(
        title=over.pop("title", "Webinar Uji"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        timezone=over.pop("timezone", "Asia/Jakarta"),
        jp=jp,
        present_threshold=threshold,
        video_url=video_url,
        host_id=host.id,
        **over,
    )
    db.session.add(created)
    db.session.flush()
    return created


def registration(webinar, user):
    from lms.webinars.models import Registration

    created = Registration(webinar_id=webinar.id, user_id=user.id)
    db.session.add(created)
    db.session.flush()
    return created
