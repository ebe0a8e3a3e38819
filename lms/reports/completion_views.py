"""Completion reports: the trainer's learners of a course, and HR's assigned courses per unit
with the people, reminders and the export (reports.export_file, kind "completion")."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.agencies import unit_tree
from ..accounts.models import Role
from ..core.home import register_panel
from ..core.urls import int_arg
from ..courses.models import Course
from ..courses.services import can_edit
from ..extensions import db
from . import bp, completion, learners, reminders, teach_bp
from .units import subtree_map


def _status_arg() -> str:
    status = request.args.get("status", "")
    return status if status in completion.STATUSES else ""


def _sort_arg() -> str:
    sort = request.args.get("sort", "")
    return sort if sort in completion.SORTS else "name"


def _page_arg() -> int:
    return max(int_arg("page") or 1, 1)


def _back() -> dict:
    """The filters of the list a reminder was sent from, to return to it."""
    return {key: request.args[key] for key in ("unit", "status", "sort", "page") if request.args.get(key)}


# ---------------------------------------------------------------- the trainer


@teach_bp.get("/learners")
@roles_required(Role.TRAINER, Role.ADMIN)
def taught_courses():
    page = _page_arg()
    courses, has_next = learners.taught_courses(current_user, page=page)
    return render_template("reports/taught_courses.html", courses=courses, page=page, has_next=has_next)


@teach_bp.get("/<int:course_id>/learners")
@roles_required(Role.TRAINER, Role.ADMIN)
def course_learners(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not can_edit(current_user, course):
        abort(403)
    status, sort, page = _status_arg(), _sort_arg(), _page_arg()
    rows, has_next, counts = learners.course_learners(course, status=status, sort=sort, page=page)
    return render_template(
        "reports/course_learners.html",
        course=course,
        rows=rows,
        counts=counts,
        status=status,
        sort=sort,
        page=page,
        has_next=has_next,
        statuses=completion.STATUSES,
        sorts=completion.SORTS,
    )


# ---------------------------------------------------------------- HR


def _units(agency_id: int):
    """(the unit tree, ?unit= and the ids of its subtree); 404 for a unit of another agency."""
    tree = unit_tree(agency_id)
    unit_id = int_arg("unit")
    unit_ids = subtree_map(tree).get(unit_id) if unit_id else None
    if unit_id and unit_ids is None:
        abort(404)
    unit = next((u for u, _depth in tree if u.id == unit_id), None)
    return tree, unit, unit_ids


@bp.get("/<int:agency_id>/completion", endpoint="completion")
@roles_required(*HR_ROLES)
def completion_page(agency_id: int):
    agency = managed_agency(agency_id)
    tree, unit, unit_ids = _units(agency.id)
    courses = completion.assigned_courses(agency.id, unit_ids)
    return render_template("reports/completion.html", agency=agency, tree=tree, unit=unit, courses=courses)


@bp.get("/<int:agency_id>/completion/<int:course_id>")
@roles_required(*HR_ROLES)
def completion_course(agency_id: int, course_id: int):
    agency = managed_agency(agency_id)
    course = db.get_or_404(Course, course_id)
    tree, unit, unit_ids = _units(agency.id)
    by_unit = completion.unit_counts(agency.id, course.id)
    if not by_unit:  # never assigned in this agency
        abort(404)
    status, sort, page = _status_arg(), _sort_arg(), _page_arg()
    people, has_next = completion.assigned_people(
        agency.id, course.id, unit_ids=unit_ids, status=status, sort=sort, page=page
    )
    return render_template(
        "reports/completion_course.html",
        agency=agency,
        course=course,
        tree=tree,
        unit=unit,
        by_unit=by_unit,
        people=people,
        status=status,
        sort=sort,
        page=page,
        has_next=has_next,
        statuses=completion.STATUSES,
        sorts=completion.SORTS,
    )


def _flash_reminded(result: reminders.Reminded) -> None:
    if result.sent:
        flash(ngettext("%(num)d pengingat dikirim.", "%(num)d pengingat dikirim.", result.sent), "success")
    if result.already:
        flash(
            ngettext(
                "%(num)d orang sudah diingatkan hari ini. Pengingat berikutnya dapat dikirim besok.",
                "%(num)d orang sudah diingatkan hari ini. Pengingat berikutnya dapat dikirim besok.",
                result.already,
            ),
            "info",
        )
    if not result.sent and not result.already:
        flash(_("Tidak ada yang perlu diingatkan."), "info")


@bp.post("/<int:agency_id>/completion/remind/<int:enrolment_id>")
@roles_required(*HR_ROLES)
def remind_one(agency_id: int, enrolment_id: int):
    agency = managed_agency(agency_id)
    enrolment = completion.assigned_enrolment(agency.id, enrolment_id)
    if enrolment is None:
        abort(404)
    _flash_reminded(reminders.remind(agency, [enrolment], by=current_user))
    db.session.commit()
    return redirect(
        url_for(".completion_course", agency_id=agency.id, course_id=enrolment.course_id, **_back())
    )


@bp.post("/<int:agency_id>/completion/<int:course_id>/remind-overdue")
@roles_required(*HR_ROLES)
def remind_overdue(agency_id: int, course_id: int):
    agency = managed_agency(agency_id)
    course = db.get_or_404(Course, course_id)
    _tree, _unit, unit_ids = _units(agency.id)
    if not completion.unit_counts(agency.id, course.id):  # never assigned in this agency
        abort(404)
    overdue = completion.overdue_enrolments(agency.id, course.id, unit_ids)
    _flash_reminded(reminders.remind(agency, overdue, by=current_user))
    db.session.commit()
    return redirect(url_for(".completion_course", agency_id=agency.id, course_id=course.id, **_back()))


def learners_link(course):
    return "reports/_learners_link.html", {"course": course}


register_panel("course_manage", learners_link, order=55)
