"""The career profile of one person: position and gaps, target, recommended courses and webinars,
JP, appraisals and, beside them, the supervisor's follow-ups of training (evaluations, level 3).

Built in a fixed number of queries whatever the person's history (the tests pin the count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..courses.models import Course, CourseCompetency, CourseStatus, Enrolment
from ..evaluations.follow_ups import supervisor_evidence
from ..evaluations.models import FollowUp
from ..extensions import db
from ..webinars.models import Registration, Webinar, WebinarCompetency
from . import access, appraisals, jp, records, training_requests
from .models import (
    Appraisal,
    CareerSummary,
    CompetencyRecord,
    JpTotal,
    Position,
    PositionPath,
    PositionRequirement,
    StaffPosition,
    TrainingRequest,
)

RECOMMENDATIONS = 8


@dataclass(frozen=True)
class Requirement:
    competency: Competency
    required: int
    own: int

    @property
    def gap(self) -> int:
        return max(0, self.required - self.own)

    @property
    def met(self) -> bool:
        return self.own >= self.required


@dataclass(frozen=True)
class Closing:
    competency: Competency
    from_level: int
    to_level: int


@dataclass
class Recommendation:
    """A published course or an upcoming webinar that raises at least one competency in need."""

    kind: str  # "course" or "webinar"
    item_id: int
    title: str
    slug: str | None  # courses
    jp: int
    closes: list[Closing]
    biggest_gap: int
    levels_closed: int
    in_progress: bool = False  # enrolled in the course, registered for the webinar
    starts_at: datetime | None = None  # webinars

    @property
    def course_id(self) -> int | None:
        return self.item_id if self.kind == "course" else None

    @property
    def webinar_id(self) -> int | None:
        return self.item_id if self.kind == "webinar" else None

    @property
    def jp_per_level(self) -> float:
        return self.jp / self.levels_closed if self.levels_closed else float("inf")

    def rank(self) -> tuple:
        """More levels of the gap closed first; then what can start sooner (a course at once, a
        webinar on its date); then fewer JP per level."""
        start = self.starts_at.timestamp() if self.starts_at is not None else 0
        return (-self.levels_closed, start, self.jp_per_level, self.title, self.kind, self.item_id)


@dataclass(frozen=True)
class ChartRow:
    code: str
    name: str
    own: int
    required: int | None
    target: int | None
    y: int


@dataclass(frozen=True)
class Chart:
    rows: list[ChartRow]
    label_width: int = 84
    unit: int = 40  # narrow enough that a 360 px phone draws the labels near their real size
    row_height: int = 30
    top: int = 24

    @property
    def width(self) -> int:
        return self.label_width + 5 * self.unit + 16

    @property
    def height(self) -> int:
        return self.top + len(self.rows) * self.row_height + 8

    @property
    def ticks(self) -> list[tuple[int, int]]:
        return [(level, self.label_width + level * self.unit) for level in range(0, 6)]


@dataclass
class CareerProfile:
    person: User
    staff: StaffPosition | None
    position: Position | None
    target: Position | None
    levels: dict[int, int]
    current: list[Requirement]
    to_target: list[Requirement]
    others: list[tuple[Competency, int]]
    records: list[CompetencyRecord]  # active ones
    revoked: list[CompetencyRecord]  # revoked ones, with why
    course_titles: dict[int, tuple[str, str]]
    # (source, source id) -> (number, revoked) of the certificate that evidences a record
    certificates: dict[tuple[str, int], tuple[str, bool]]
    recommendations: list[Recommendation]
    jp: jp.JpYear
    appraisals: list[Appraisal]
    requests: list[TrainingRequest]
    chart: Chart
    # The supervisor's answers: has the training been applied at work (evidence beside appraisals).
    applied_at_work: list[FollowUp] = field(default_factory=list)
    target_choices: list[Position] = field(default_factory=list)
    next_position_ids: set[int] = field(default_factory=set)

    def certificate_of(self, record: CompetencyRecord) -> tuple[str, bool] | None:
        return self.certificates.get((str(record.source), record.source_id))

    @property
    def latest_appraisal(self) -> Appraisal | None:
        return self.appraisals[0] if self.appraisals else None

    @property
    def training_first(self) -> bool:
        """The last appraisal is Butuh Perbaikan or lower: gap-closing training comes first."""
        latest = self.latest_appraisal
        return latest is not None and latest.predikat.needs_improvement

    @property
    def gap_count(self) -> int:
        return sum(1 for r in self.current if r.gap)

    @property
    def target_gap_count(self) -> int:
        return sum(1 for r in self.to_target if r.gap)


def _positions(ids: list[int]) -> dict[int, Position]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Position)
        .where(Position.id.in_(ids))
        .options(
            selectinload(Position.requirements).selectinload(PositionRequirement.competency),
            selectinload(Position.next_paths),
        )
    )
    return {p.id: p for p in rows}


def _requirements(position: Position | None, levels: dict[int, int]) -> list[Requirement]:
    if position is None:
        return []
    rows = [Requirement(r.competency, r.level, levels.get(r.competency_id, 0)) for r in position.requirements]
    return sorted(rows, key=lambda r: (-r.gap, r.competency.type, r.competency.code))


def needed_levels(*requirement_lists: list[Requirement]) -> dict[int, tuple[Competency, int, int]]:
    """Competency id -> (competency, own level, level needed) for every gap."""
    needed: dict[int, tuple[Competency, int, int]] = {}
    for rows in requirement_lists:
        for r in rows:
            if r.gap:
                previous = needed.get(r.competency.id)
                if previous is None or previous[2] < r.required:
                    needed[r.competency.id] = (r.competency, r.own, r.required)
    return needed


def _raises_a_level(link, needed: dict[int, tuple[Competency, int, int]]):
    return sa.or_(
        *[
            sa.and_(link.competency_id == competency_id, link.level > own)
            for competency_id, (_c, own, _need) in needed.items()
        ]
    )


def _add_closing(item: Recommendation, needed, competency_id: int, level: int) -> None:
    """Per competency: from the person's level up to the lower of what is needed and what the item awards."""
    competency, own, need = needed[competency_id]
    reached = min(level, need)
    item.closes.append(Closing(competency, own, reached))
    item.levels_closed += reached - own
    item.biggest_gap = max(item.biggest_gap, need - own)


def _course_recommendations(user_id: int, needed) -> list[Recommendation]:
    rows = db.session.execute(
        sa.select(
            Course.id,
            Course.title,
            Course.slug,
            Course.jp,
            CourseCompetency.competency_id,
            CourseCompetency.level,
            Enrolment.completed_at.is_not(None),
            Enrolment.id.is_not(None),
        )
        .join(CourseCompetency, CourseCompetency.course_id == Course.id)
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .where(Course.status == CourseStatus.PUBLISHED, _raises_a_level(CourseCompetency, needed))
        .order_by(Course.id, CourseCompetency.competency_id)
    ).all()
    found: dict[int, Recommendation] = {}
    for course_id, title, slug, jp_value, competency_id, level, completed, enrolled in rows:
        if completed:
            continue
        item = found.setdefault(
            course_id,
            Recommendation("course", course_id, title, slug, jp_value, [], 0, 0, in_progress=bool(enrolled)),
        )
        _add_closing(item, needed, competency_id, level)
    return list(found.values())


def _webinar_recommendations(user_id: int, needed, now: datetime) -> list[Recommendation]:
    """Webinars that have not started (nor been ended early); those in the past are left out.
    Webinars have no seat limit, so none is ever full."""
    rows = db.session.execute(
        sa.select(
            Webinar.id,
            Webinar.title,
            Webinar.jp,
            Webinar.starts_at,
            WebinarCompetency.competency_id,
            WebinarCompetency.level,
            Registration.id.is_not(None),
        )
        .join(WebinarCompetency, WebinarCompetency.webinar_id == Webinar.id)
        .outerjoin(
            Registration, sa.and_(Registration.webinar_id == Webinar.id, Registration.user_id == user_id)
        )
        .where(
            Webinar.starts_at > now,
            Webinar.ended_at.is_(None),
            Webinar.finalized_at.is_(None),
            _raises_a_level(WebinarCompetency, needed),
        )
        .order_by(Webinar.starts_at, Webinar.id, WebinarCompetency.competency_id)
    ).all()
    found: dict[int, Recommendation] = {}
    for webinar_id, title, jp_value, starts_at, competency_id, level, registered in rows:
        item = found.setdefault(
            webinar_id,
            Recommendation(
                "webinar",
                webinar_id,
                title,
                None,
                jp_value,
                [],
                0,
                0,
                in_progress=bool(registered),
                starts_at=starts_at,
            ),
        )
        _add_closing(item, needed, competency_id, level)
    return list(found.values())


def recommend(
    user_id: int,
    needed: dict[int, tuple[Competency, int, int]],
    limit: int = RECOMMENDATIONS,
    *,
    now: datetime | None = None,
) -> list[Recommendation]:
    """Published courses and upcoming webinars that close the gaps, ranked by how many levels of
    the gap they close, then how soon they can be taken (two queries, whatever their number)."""
    if not needed:
        return []
    found = _course_recommendations(user_id, needed) + _webinar_recommendations(
        user_id, needed, now or utcnow()
    )
    return sorted(found, key=Recommendation.rank)[:limit]


def chart_for(current: list[Requirement], to_target: list[Requirement], levels: dict[int, int]) -> Chart:
    """Own level against the levels required now and by the target, per competency."""
    competencies: dict[int, Competency] = {}
    required: dict[int, int] = {}
    target: dict[int, int] = {}
    for r in current:
        competencies[r.competency.id] = r.competency
        required[r.competency.id] = r.required
    for r in to_target:
        competencies[r.competency.id] = r.competency
        target[r.competency.id] = r.required
    ordered = sorted(competencies.values(), key=lambda c: (c.type, c.code))
    base = Chart([])
    rows = [
        ChartRow(
            c.code,
            c.name,
            levels.get(c.id, 0),
            required.get(c.id),
            target.get(c.id),
            base.top + i * base.row_height,
        )
        for i, c in enumerate(ordered)
    ]
    return Chart(rows)


def career_profile(person: User, *, year: int | None = None) -> CareerProfile:
    """Everything the career profile page shows about a person."""
    staff = db.session.get(StaffPosition, person.id)
    ids = [i for i in (staff and staff.position_id, staff and staff.target_position_id) if i]
    positions = _positions(ids)
    position = positions.get(staff.position_id) if staff else None
    target = positions.get(staff.target_position_id) if staff else None
    levels = records.levels_of(person.id)
    current = _requirements(position, levels)
    to_target = _requirements(target, levels)
    required_ids = {r.competency.id for r in current} | {r.competency.id for r in to_target}
    all_records = records.records_of(person.id, include_revoked=True)
    record_list = [r for r in all_records if r.revoked_at is None]
    by_id = {r.competency_id: r.competency for r in record_list}
    others = sorted(
        ((by_id[c], level) for c, level in levels.items() if c not in required_ids and c in by_id),
        key=lambda item: (item[0].type, item[0].code),
    )
    needed = needed_levels(current, to_target)
    return CareerProfile(
        person=person,
        staff=staff,
        position=position,
        target=target,
        levels=levels,
        current=current,
        to_target=to_target,
        others=others,
        records=record_list,
        revoked=[r for r in all_records if r.revoked_at is not None],
        course_titles=records.course_titles(all_records),
        certificates=records.evidence_certificates(all_records),
        recommendations=recommend(person.id, needed),
        jp=jp.jp_year(person, year or jp.current_year(person)),
        appraisals=appraisals.appraisals_of(person.id),
        requests=training_requests.requests_of(person.id),
        chart=chart_for(current, to_target, levels),
        applied_at_work=supervisor_evidence(person.id),
        next_position_ids={p.to_position_id for p in position.next_paths} if position else set(),
    )


def target_choices(person: User, profile: CareerProfile) -> list[Position]:
    """Positions the person may aim for: the next steps of their career path first."""
    if person.agency_id is None:
        return []
    rows = db.session.scalars(
        sa.select(Position).where(Position.agency_id == person.agency_id).order_by(Position.name)
    ).all()
    current_id = profile.position.id if profile.position else None
    rows = [p for p in rows if p.id != current_id]
    return sorted(rows, key=lambda p: (p.id not in profile.next_position_ids, p.name))


def next_positions(position_id: int) -> list[Position]:
    return list(
        db.session.scalars(
            sa.select(Position)
            .join(PositionPath, PositionPath.to_position_id == Position.id)
            .where(PositionPath.from_position_id == position_id)
            .order_by(Position.name)
        )
    )


def team_members(supervisor: User, year: int, *, page: int = 1, per_page: int = 50) -> tuple[list, bool]:
    """The active people below a supervisor (direct reports first), each as (user, depth, JP of the
    year, predikat): one page, and whether there is a next one."""
    down = access.subordinates_cte(supervisor.id)
    query = (
        sa.select(
            User, sa.func.min(down.c.depth), sa.func.max(JpTotal.jp), sa.func.max(CareerSummary.predikat)
        )
        .join(down, down.c.id == User.id)
        .outerjoin(JpTotal, sa.and_(JpTotal.user_id == User.id, JpTotal.year == year))
        .outerjoin(CareerSummary, CareerSummary.user_id == User.id)
        .where(User.agency_id == supervisor.agency_id, User.active.is_(True), User.id != supervisor.id)
        .group_by(User.id)
        .order_by(sa.func.min(down.c.depth), User.name, User.id)
        .options(selectinload(User.unit))
        .limit(per_page + 1)
        .offset((max(page, 1) - 1) * per_page)
    )
    rows = db.session.execute(query).all()
    return rows[:per_page], len(rows) > per_page
