"""Every route, every role: the expected allow/deny.

A new route fails `test_every_route_is_in_the_matrix` until it gets a row here, so nobody adds a
page without deciding who may open it.
"""

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.certificates import services as certificate_services
from lms.certificates.numbers import format_number
from lms.courses import learning
from lms.courses import services as course_services
from lms.courses.models import Course, Media
from lms.extensions import db
from lms.jobs.models import Job, JobState
from tests import factories
from tests.careers import world as careers_world
from tests.evaluations import world as evaluations_world
from tests.factories import PASSWORD

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "forbidden", "not found"
UNAUTHORIZED, CONFLICT = "401", "conflict"
ACTORS = ("anonymous", "learner", "trainer", "agency_admin", "admin")


def row(method, path, anonymous, learner, trainer, agency_admin, admin):
    return (
        method,
        path,
        dict(zip(ACTORS, (anonymous, learner, trainer, agency_admin, admin), strict=True)),
    )


# {own}/{other}: the agency admin's agency and another one; {own_person}/{other_person}/{admin_person}.
MATRIX = [
    row("GET", "/", OK, OK, OK, OK, OK),
    row("GET", "/healthz", OK, OK, OK, OK, OK),
    row("GET", "/static/app.css", OK, OK, OK, OK, OK),
    row("GET", "/login", OK, OK, OK, OK, OK),
    row("GET", "/register", OK, OK, OK, OK, OK),
    row("GET", "/account", LOGIN, OK, OK, OK, OK),
    row("GET", "/account/password", LOGIN, OK, OK, OK, OK),
    row("GET", "/password/forgot", OK, OK, OK, OK, OK),
    row("GET", "/password/reset/not-a-token", OK, OK, OK, OK, OK),
    row("GET", "/register/confirm/not-a-token", OK, OK, OK, OK, OK),
    row("POST", "/account/sessions/" + "0" * 64 + "/end", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/account/sessions/end-others", LOGIN, OK, OK, OK, OK),
    row("POST", "/language", OK, OK, OK, OK, OK),
    row("GET", "/admin/", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/{other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/999999", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/admin/agencies/{own}/people", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/{other}/people", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}/import", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/admin/agencies/{other}/import", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/agencies/{own}/import/template.csv", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row(
        "GET",
        "/admin/agencies/{other}/import/template.csv",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
    ),
    row("GET", "/admin/people/{own_person}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/people/{other_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/people/{admin_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/admin/people/{other_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # Confirming or removing is for unverified accounts only: verified people are a conflict.
    row("GET", "/admin/agencies/{own}/unverified", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/admin/agencies/{other}/unverified", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/admin/people/{own_person}/verify", LOGIN, FORBIDDEN, FORBIDDEN, CONFLICT, CONFLICT),
    row("POST", "/admin/people/{other_person}/verify", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CONFLICT),
    row(
        "POST",
        "/admin/people/{other_person}/remove-registration",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        CONFLICT,
    ),
    # {webinar}: live now, hosted by the trainer; nobody is registered yet (rooms before register).
    # {webinar_other}: another agency's. Agency admins read (not correct) their agency's reports.
    row("GET", "/webinars/", LOGIN, OK, OK, OK, OK),
    row("GET", "/webinars/reports", LOGIN, FORBIDDEN, OK, OK, OK),
    row("GET", "/webinars/new", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}", LOGIN, OK, OK, OK, OK),
    row("GET", "/webinars/999999", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/webinars/{webinar}/edit", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/room", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/cohosts", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/polls", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar}/attendance", LOGIN, FORBIDDEN, OK, OK, OK),
    row("GET", "/webinars/{webinar}/attendance.csv", LOGIN, FORBIDDEN, OK, OK, OK),
    row("GET", "/webinars/{webinar}/attendance.xlsx", LOGIN, FORBIDDEN, OK, OK, OK),
    row("GET", "/webinars/{webinar_other}/attendance", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar_other}/attendance.csv", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/webinars/{webinar_other}/attendance.xlsx", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/finalize", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/end", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/attendance/{own_person}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/{webinar}/register", LOGIN, OK, OK, OK, OK),
    row("POST", "/webinars/{webinar}/unregister", LOGIN, OK, OK, OK, OK),
    row("POST", "/webinars/{webinar}/cancel", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/webinars/calendar/reset", LOGIN, OK, OK, OK, OK),
    row("GET", "/webinars/calendar/not-a-token.ics", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Courses: {c1} is the trainer's published course, {c2} another trainer's, {draft} unpublished.
    row("GET", "/courses/", OK, OK, OK, OK, OK),
    row("GET", "/courses/{c1}", OK, OK, OK, OK, OK),
    row("GET", "/courses/{draft}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    row("POST", "/courses/{c1}/enrol", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/{c1}/learn", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/{c1}/learn/{c1_lesson}", LOGIN, OK, OK, OK, OK),
    row("POST", "/courses/{c1}/learn/{c1_lesson}/done", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/media/{c1_media}", LOGIN, OK, OK, OK, OK),
    row("GET", "/courses/media/{draft_media}", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    row("GET", "/courses/{c1}/assign", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/teach/", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/new", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/import", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c1_id}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c1_id}/settings", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/{c2_id}/settings", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/media", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/export.zip", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/{c2_id}/publish", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c1_module}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c2_module}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/modules/{c2_module}/move", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/modules/{c2_module}/lessons/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/lessons/{c2_lesson}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/lessons/{c2_lesson}/move", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/lessons/{c2_lesson}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/media/{c2_media}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # JSON API: 401 instead of a redirect to the login page.
    row("GET", "/api/v1/openapi.json", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses/{c1}", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/courses/{draft}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/api/v1/courses/{c1}/enrolment", UNAUTHORIZED, OK, OK, OK, OK),
    row("GET", "/api/v1/me/progress", UNAUTHORIZED, OK, OK, OK, OK),
    row("GET", "/api/v1/sync", UNAUTHORIZED, OK, OK, OK, OK),
    row("GET", "/api/v1/courses/{c1}/offline", UNAUTHORIZED, OK, OK, OK, OK),  # enrolled above
    row("GET", "/api/v1/courses/{draft}/offline", UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/api/v1/sync", UNAUTHORIZED, OK, OK, OK, OK),
    row("GET", "/sw.js", OK, OK, OK, OK, OK),
    row("GET", "/manifest.webmanifest", OK, OK, OK, OK, OK),
    row("GET", "/offline", OK, OK, OK, OK, OK),
    row("POST", "/account/low-data", LOGIN, OK, OK, OK, OK),
    row("PUT", "/api/v1/lessons/{c1_lesson}/completion", UNAUTHORIZED, OK, OK, OK, OK),
    row(
        "PUT",
        "/api/v1/lessons/{c2_lesson_2}/completion",
        UNAUTHORIZED,
        CONFLICT,
        CONFLICT,
        CONFLICT,
        CONFLICT,
    ),
    # Certificates: {cert} is the learner's (issued by the own agency), {cert_other} another agency's.
    row("GET", "/verify", OK, OK, OK, OK, OK),
    row("GET", "/verify/{cert}", OK, OK, OK, OK, OK),
    row("GET", "/verify/{unknown_cert}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/verify/credential", OK, OK, OK, OK, OK),
    row("POST", "/verify/credential", OK, OK, OK, OK, OK),
    row("GET", "/.well-known/jwks.json", OK, OK, OK, OK, OK),
    row("GET", "/.well-known/jwks/no-such-key.json", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/certificates/", LOGIN, OK, OK, OK, OK),
    row("GET", "/certificates/{cert}/sertifikat.pdf", LOGIN, OK, FORBIDDEN, OK, OK),
    row("GET", "/certificates/{cert}/credential.jwt", LOGIN, OK, FORBIDDEN, OK, OK),
    row("GET", "/certificates/{cert_other}/credential.jwt", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row(
        "GET",
        "/certificates/{unknown_cert}/credential.jwt",
        LOGIN,
        NOT_FOUND,
        NOT_FOUND,
        NOT_FOUND,
        NOT_FOUND,
    ),
    row("GET", "/certificates/verify-many", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/certificates/verify-many", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/certificates/signatory/{own}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/certificates/signatory/{other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/certificates/manage", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/certificates/manage/{cert}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/certificates/manage/{cert_other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/certificates/manage/{cert_other}/revoke", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # Certificates to review (issued before the rule counted required quizzes): HR, the course's trainer.
    row("GET", "/certificates/review", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/certificates/review/course/{c1_id}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/certificates/review/course/{c2_id}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/certificates/review/{cert}/remind", LOGIN, FORBIDDEN, OK, OK, OK),
    row("POST", "/certificates/review/{cert_other}/revoke", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/api/v1/certificates/{cert}", OK, OK, OK, OK, OK),
    row("GET", "/api/v1/certificates/{unknown_cert}", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Careers: the learner reports to the trainer; {peer} is another person of the own agency.
    row("GET", "/careers/", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/people/{own_person}", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/people/{peer}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/careers/people/{other_person}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/careers/people/999999", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/careers/target", LOGIN, OK, OK, OK, OK),
    row("POST", "/careers/requests", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/team", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/people/{own_person}/appraisals/new", LOGIN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN),
    row("GET", "/careers/people/{peer}/appraisals/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    row("GET", "/careers/appraisals/{appraisal}/edit", LOGIN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN),
    row("POST", "/careers/appraisals/{appraisal}/respond", LOGIN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    row("GET", "/careers/appraisals/{appraisal}", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/appraisals/999999", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{own}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/999999", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/{own}/jp", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/jp", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/heatmap", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/heatmap", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/heatmap/{kom}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/heatmap/{kom}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/talent", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/talent?perf=2&fit=3", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/readiness?position={own_position}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row(
        "GET",
        "/hr/{own}/readiness?position={other_position}",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        NOT_FOUND,
        NOT_FOUND,
    ),
    row("GET", "/hr/{other}/readiness", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/export/jp.csv", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/export/training-history.xlsx", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row(
        "GET",
        "/hr/{other}/export/readiness.csv?position={other_position}",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        OK,
    ),
    row("GET", "/hr/{own}/requests", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/requests", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/requests/{other_request}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/hr/requests/{other_request}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/careers/external", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/external/new", LOGIN, OK, OK, OK, OK),
    row("POST", "/careers/external/new", LOGIN, OK, OK, OK, OK),
    row("GET", "/careers/external/{own_external}/edit", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/careers/external/{own_external}/evidence", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/careers/external/{other_external}/edit", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row(
        "POST",
        "/careers/external/{other_external}/withdraw",
        LOGIN,
        NOT_FOUND,
        NOT_FOUND,
        NOT_FOUND,
        NOT_FOUND,
    ),
    row("GET", "/careers/transcript.pdf", LOGIN, OK, OK, OK, OK),
    row("GET", "/hr/{own}/external", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/external", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/external/{own_external}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/external/{other_external}", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, OK),
    row("POST", "/hr/external/{other_external}", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, OK),
    row("GET", "/hr/external/{own_external}/evidence", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/external/{other_external}/evidence", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, OK),
    row("GET", "/hr/external/999999", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/{own}/competencies", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/competencies", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{other}/competencies.csv", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/positions", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/positions", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{other}/positions.csv", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/positions/{own_position}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/positions/{other_position}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/positions/new", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/positions/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/positions/{own_position}/edit", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/positions/{other_position}/edit", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/positions/999999/edit", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/{own}/staff-positions", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/staff-positions", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/staff-positions.csv", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/staff-positions.csv", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/competencies/new", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/competencies/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/competencies/{own_tech}/edit", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/competencies/{other_tech}/edit", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/competencies/{kom}/edit", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/people/{own_person}/position", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/people/{other_person}/position", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/people/{own_person}/assessments/new", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/people/{other_person}/assessments/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/records/{own_record}/edit", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/records/{other_record}/edit", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/hr/records/{other_record}/revoke", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/people/{own_person}/jp/new", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/people/{other_person}/jp/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/people/{own_person}/audit", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/people/{other_person}/audit", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/hr/jp-records/{other_jp}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    # Quizzes: {q1} in c1 (the learner has attempt {a1} open), {q2}/{b2}/{qq2} in c2 (another trainer's).
    row("GET", "/quizzes/{q1}", LOGIN, OK, OK, OK, OK),
    row("POST", "/quizzes/{q1}/start", LOGIN, OK, OK, OK, OK),
    row("GET", "/quizzes/{q1}/practice", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/quizzes/{q_draft}", LOGIN, NOT_FOUND, OK, NOT_FOUND, OK),
    row("GET", "/quizzes/attempts/{a1}", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/quizzes/attempts/{a1}/answer", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/quizzes/attempts/{a1}/summary", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/quizzes/attempts/{a1}/review", LOGIN, OK, OK, NOT_FOUND, OK),
    row("GET", "/teach/{c1_id}/quizzes", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/{c2_id}/quizzes", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/quizzes/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/banks/{b1}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/banks/{b2}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/banks/{b2}/import", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/banks/{b2}/export.gift", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/banks/{b2}/questions/new", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/questions/{qq2}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q1}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}/results", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}/results.csv", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}/analysis", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}/grading", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/quizzes/{q2}/overrides", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/teach/quizzes/{q2}/regrade", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/attempts/{a1}", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/attempts/{a1}/grade", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/attempts/{a1}/reopen", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("POST", "/teach/questions/{qq2}/delete", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/quizzes/attempts/{a1}/finish", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Jobs: admins see every job; the page and file of a job only the person who asked for it.
    row("GET", "/admin/jobs", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/admin/jobs?state=failed", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/admin/jobs/{learner_job}/retry", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/admin/jobs/999999/retry", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
    row("GET", "/jobs/{learner_job}", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/jobs/{learner_job}.json", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/jobs/{learner_job}/file", LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("GET", "/jobs/999999", LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    row("POST", "/hr/{own}/export/jp.csv/job", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("POST", "/hr/{other}/export/heatmap.xlsx/job", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/certificates/manage/issue-missing", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/completion", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/completion", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/hr/{own}/completion/{c1_id}?status=overdue", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{own}/completion/{c3_id}", LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND),
    row("GET", "/hr/{other}/completion/{c1_id}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/hr/{own}/completion/remind/{assigned}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row(
        "POST",
        "/hr/{own}/completion/remind/{assigned_other}",
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        NOT_FOUND,
        NOT_FOUND,
    ),
    row("POST", "/hr/{other}/completion/remind/{assigned_other}", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("POST", "/hr/{own}/completion/{c1_id}/remind-overdue", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{own}/export/completion.csv?course={c1_id}", LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    row("GET", "/hr/{other}/export/completion.xlsx", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/learners", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c1_id}/learners", LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    row("GET", "/teach/{c2_id}/learners?status=completed", LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    row("GET", "/teach/999999/learners", LOGIN, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND),
    *evaluations_world.rows(row, OK, LOGIN, FORBIDDEN, NOT_FOUND),
    row("POST", "/logout", LOGIN, OK, OK, OK, OK),  # last: it ends the sessions
]


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    if response.status_code in (200, 302, 422):
        return OK
    return {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}.get(
        response.status_code, str(response.status_code)
    )


@pytest.fixture
def world(app, make_agency, make_user):
    actors, ids = seed_world(app, make_agency, make_user)
    clients = {"anonymous": app.test_client()}
    for name, user in actors.items():
        clients[name] = app.test_client()
        response = clients[name].post("/login", data={"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return clients, ids


def seed_world(app, make_agency, make_user):
    """Every kind of object a page can show, committed: the actors (by name) and the ids the
    matrix's paths use. The browser sweep (tests/e2e/test_every_page.py) seeds the same world."""
    own, other = make_agency(code="OWN"), make_agency(code="OTHER")
    actors = {
        "learner": make_user(own),
        "trainer": make_user(own, roles=(Role.TRAINER, Role.LEARNER)),
        "agency_admin": make_user(own, roles=(Role.AGENCY_ADMIN, Role.LEARNER)),
        "admin": make_user(roles=(Role.ADMIN,)),
    }
    build_course = factories.bind(app, factories.course)
    other_trainer = make_user(own, roles=(Role.TRAINER,))
    c1 = build_course(by=actors["trainer"], title="Kursus Pengajar")
    c2 = build_course(by=other_trainer, title="Kursus Lain")
    draft = build_course(by=other_trainer, title="Kursus Draf", publish=False)
    media = {}
    with app.app_context():
        for name, course in (("c1", c1), ("c2", c2), ("draft", draft)):
            item = course_services.upload_media(
                db.session.merge(course), "gambar.png", factories.png(), by=None
            )
            db.session.commit()
            media[name] = item.stored_name
    other_person = make_user(other)
    other_trainer_elsewhere = make_user(other, roles=(Role.TRAINER,))
    c3 = build_course(by=other_trainer_elsewhere, title="Kursus Instansi Lain")
    certs = {}
    with app.test_request_context():
        for name, learner, course in (("cert", actors["learner"], c1), ("cert_other", other_person, c3)):
            # get, not merge: merging the stale detached course would drop its media rows.
            course = db.session.get(Course, course.id)
            enrolment = learning.enrol(db.session.get(User, learner.id), course)
            for module in course.modules:
                for lesson in module.lessons:
                    learning.mark_lesson_done(enrolment, lesson)
            certs[name] = certificate_services.issue_for_enrolment(
                enrolment, base_url="http://localhost"
            ).number
        db.session.commit()
    ids = {
        **certs,
        "unknown_cert": format_number("0000000000000000"),
        "c1": c1.slug,
        "c1_id": c1.id,
        "c1_module": c1.modules[0].id,
        "c1_lesson": c1.modules[0].lessons[0].id,
        "c1_media": media["c1"],
        "c2_id": c2.id,
        "c2_module": c2.modules[0].id,
        "c2_lesson": c2.modules[0].lessons[0].id,
        "c2_lesson_2": c2.modules[1].lessons[0].id,
        "c2_media": db_media_id(app, media["c2"]),
        "draft": draft.slug,
        "draft_media": media["draft"],
        "own": own.id,
        "other": other.id,
        "own_person": actors["learner"].id,
        "other_person": other_person.id,
        "admin_person": make_user(own, roles=(Role.ADMIN,)).id,
        "webinar": factories.bind(app, factories.webinar)(actors["trainer"]).id,
        "webinar_other": factories.bind(app, factories.webinar)(other_trainer_elsewhere).id,
    }
    ids |= careers_world.build(app, own, other, actors, other_person.id)
    ids |= evaluations_world.build(app, actors, ids["c2_id"], other_person.id)
    ids["learner_job"] = learner_job(app, actors["learner"].id)
    ids.update(quiz_ids(app, c1, c2, actors["learner"]))
    ids.update(assignments(app, c1.id, other_person.id, actors["agency_admin"].id))
    ids["c3_id"] = c3.id
    return actors, ids


def assignments(app, course_id, other_person_id, hr_id):
    """The course assigned (with a due date already passed) to a person of each agency (written
    in a session of its own, like quiz_ids: the seeding session only reads from here on)."""
    with app.app_context():
        course, hr = db.session.get(Course, course_id), db.session.get(User, hr_id)
        person = factories.user(hr.agency, name="Pegawai Ditugaskan")
        found = {}
        for name, learner, by in (
            ("assigned", person, hr),
            ("assigned_other", db.session.get(User, other_person_id), None),
        ):
            enrolment = learning.enrol(learner, course, by=by, due_date=date.today() + timedelta(days=7))
            enrolment.due_date = date.today() - timedelta(days=2)
            db.session.flush()
            found[name] = enrolment.id
        db.session.commit()
        return found


def learner_job(app, user_id) -> int:
    """A finished export of the learner's, with its file."""
    with app.app_context():
        job = Job(name="reports.export", args={}, requested_by_id=user_id, state=JobState.DONE)
        db.session.add(job)
        db.session.flush()
        folder = Path(app.instance_path) / "exports" / str(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "laporan.csv").write_text("a;b\n")
        job.result_path, job.result_name = f"exports/{job.id}/laporan.csv", "laporan.csv"
        db.session.commit()
        return job.id


def quiz_ids(app, c1, c2, learner):
    from lms.courses import learning
    from lms.quizzes import attempts, services

    found = {}
    with app.app_context():
        for name, course in (("1", c1), ("2", c2)):
            course = db.session.get(type(course), course.id)
            bank = services.default_bank(course)
            services.import_questions(bank, "::s::Benar? {T}\n", by=None)
            category = bank.categories[0]
            quiz = services.create_quiz(
                course,
                services.QuizData(title="Kuis", sources=[(category.id, None)], published=True),
                by=None,
            )
            found.update(
                {f"q{name}": quiz.id, f"b{name}": bank.id, f"qq{name}": services.questions_of(bank)[0].id}
            )
            if name == "1":
                learner_row = db.session.get(type(learner), learner.id)
                learning.enrol(learner_row, course)
                found["a1"] = attempts.start_attempt(quiz, learner_row).id
                found["q_draft"] = services.create_quiz(
                    course, services.QuizData(title="Draf", sources=[(category.id, None)]), by=None
                ).id
        db.session.commit()
    return found


def db_media_id(app, stored_name):
    with app.app_context():
        return db.session.scalar(sa.select(Media.id).where(Media.stored_name == stored_name))


def test_matrix(world):
    clients, ids = world
    failures = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        for actor in ACTORS:
            with clients[actor].open(path, method=method) as response:
                got = outcome(response)
                if method == "GET" and response.mimetype == "text/html" and '="None"' in response.text:
                    failures.append(f'{method} {template} as {actor}: an attribute rendered as "None"')
            if got != expected[actor]:
                failures.append(f"{method} {template} as {actor}: expected {expected[actor]}, got {got}")
    assert not failures, "\n".join(failures)


def test_every_route_is_in_the_matrix(app):
    covered = set()
    adapter = app.url_map.bind("localhost")
    for method, template, _ in MATRIX:
        path = template.format_map(defaultdict(lambda: "1")).split("?")[0]
        endpoint, _ = adapter.match(path, method=method)
        covered.add(endpoint)
    missing = {rule.endpoint for rule in app.url_map.iter_rules()} - covered
    assert not missing, f"routes without a row in the authorization matrix: {sorted(missing)}"
