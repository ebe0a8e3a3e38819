"""The offline sync: a batch of things a learner did without a connection, each recorded once.

Every item carries a client-generated UUID. An item is recorded under a receipt unique per user
and id (`SyncReceipt`), inside its own savepoint, so:

- a batch sent twice (a retry after a lost response, two tabs, Background Sync racing a page)
  records each item once; the second time the item is answered "duplicate" with the first result;
- every item gets its own result and nothing that fails for one item touches another;
- malformed items, unknown or foreign ids, ids repeated in the batch and items past the batch
  limit are answered with an error and leave no receipt (the client may correct and resend);
- a domain refusal ("pelajaran sudah dihapus pengajar") keeps its receipt: resending it gives the
  same answer.

Items are processed by what they touch (lessons by id, attempts by id, each attempt's items in
the order sent, so a later answer wins), not in the order sent: two concurrent batches holding
the same items take their locks in the same order and never deadlock (PostgreSQL waits, then
reports the second batch's items as duplicates). Results keep the order sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..core.clock import utcnow
from ..courses import learning
from ..courses.errors import CourseError
from ..courses.models import Lesson
from ..extensions import db
from ..quizzes import attempts as quiz_attempts
from ..quizzes.errors import AttemptClosed
from ..quizzes.models import Attempt, FinishReason
from ..quizzes.types import strategy
from ..quizzes.types.base import BadAnswer
from .models import SyncReceipt

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS = 100
RECORDED, DUPLICATE, REFUSED, ERROR = "recorded", "duplicate", "refused", "error"


# ---------------------------------------------------------------- item shapes


class ItemBase(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID(required=True, metadata={"description": "Client-generated id (UUID) of this item"})
    kind = fields.String(required=True, validate=validate.OneOf(["lesson_completed", "quiz_attempt"]))
    at = fields.DateTime(
        load_default=None,
        metadata={"description": "When it happened on the device (informative: the server's clock decides)"},
    )


class LessonCompletedItem(ItemBase):
    lesson_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class AnswerItem(Schema):
    class Meta:
        unknown = RAISE

    slot = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000))
    values = fields.Dict(
        keys=fields.String(validate=validate.Length(max=100)),
        values=fields.List(
            fields.String(validate=validate.Length(max=20_000)), validate=validate.Length(max=50)
        ),
        required=True,
        metadata={"description": "The question's form fields (without the q<slot>- prefix) and their values"},
    )


class QuizAttemptItem(ItemBase):
    attempt_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    answers = fields.List(fields.Nested(AnswerItem), required=True, validate=validate.Length(max=500))
    submit = fields.Boolean(
        load_default=False, metadata={"description": "Finish and grade the attempt after saving the answers"}
    )


SCHEMAS: dict[str, type[ItemBase]] = {
    "lesson_completed": LessonCompletedItem,
    "quiz_attempt": QuizAttemptItem,
}


# ---------------------------------------------------------------- results


@dataclass
class ItemResult:
    id: str | None
    kind: str | None
    status: str
    code: str = ""
    message: str = ""
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "status": self.status}
        if self.code:
            data["code"] = self.code
        if self.message:
            data["message"] = self.message
        if self.detail:
            data["detail"] = self.detail
        return data


class ItemError(Exception):
    """An item that cannot be processed: answered with an error, no receipt kept."""

    def __init__(self, code: str, message: Any):
        super().__init__(code)
        self.code, self.message = code, str(message)


class Refused(Exception):
    """The item is understood but the domain says no; the refusal is kept as its receipt."""

    def __init__(self, code: str, message: Any, **detail):
        super().__init__(code)
        self.code, self.message, self.detail = code, str(message), detail


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return raw["id"][:64]
    return None


def _raw_kind(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("kind"), str):
        return raw["kind"][:30]
    return None


def _validated(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise ItemError("malformed", _l("Data tidak dikenali."))
    schema = SCHEMAS.get(raw.get("kind"), ItemBase)
    try:
        return schema().load(raw)
    except ValidationError as exc:
        fields_ = ", ".join(sorted(str(name) for name in exc.messages))
        raise ItemError("malformed", _l("Data tidak lengkap atau tidak valid: %(f)s.", f=fields_)) from None


# ---------------------------------------------------------------- the kinds


def complete_lesson(user: User, item: dict, now: datetime) -> dict:
    """A lesson marked done on the device."""
    lesson = db.session.get(Lesson, item["lesson_id"])
    if lesson is None:
        raise ItemError("not_found", _l("Pelajaran tidak ditemukan."))
    course = lesson.course
    enrolment = learning.enrolment_for(user, course)
    if enrolment is None:
        if not course.is_published:
            raise ItemError("not_found", _l("Pelajaran tidak ditemukan."))
        raise Refused("not_enrolled", _l("Anda belum terdaftar di kursus ini."))
    if lesson.archived_at is not None:
        raise Refused("lesson_removed", _l("Pelajaran sudah dihapus pengajar."))
    try:
        course_completed = learning.mark_lesson_done(enrolment, lesson)
    except CourseError as exc:
        raise Refused("course_closed", exc) from None
    return {
        "lesson_id": lesson.id,
        "course_completed": enrolment.is_complete,
        "completed_now": course_completed,
    }


def submit_answers(user: User, item: dict, now: datetime) -> dict:
    """Answers given on the device (and the submission), judged by the server's deadline."""
    attempt = db.session.get(Attempt, item["attempt_id"])
    if attempt is None or attempt.user_id != user.id:
        raise ItemError("not_found", _l("Percobaan kuis tidak ditemukan."))
    by_slot: dict[int, MultiDict] = {}
    for answer in item["answers"]:
        if answer["slot"] in by_slot:
            raise ItemError("malformed", _l("Jawaban tidak sesuai dengan soal pada percobaan ini."))
        by_slot[answer["slot"]] = MultiDict([(k, v) for k, vs in answer["values"].items() for v in vs])
    slots = {i.slot: i for i in attempt.items}
    try:
        # Check every answer first, so a forged one changes nothing at all.
        for slot, values in by_slot.items():
            if slot not in slots:
                raise BadAnswer("question not in this attempt")
            strategy(slots[slot].qtype).parse(slots[slot].snapshot, values)
    except BadAnswer:
        raise ItemError("malformed", _l("Jawaban tidak sesuai dengan soal pada percobaan ini.")) from None
    quiz_attempts.close_if_overdue(attempt, now=now)
    if not attempt.is_open:
        detail = _attempt_detail(attempt, [], sorted(by_slot))
        if attempt.finish_reason == FinishReason.TIMEOUT:
            raise Refused(
                "too_late",
                _l(
                    "Jawaban tiba setelah batas waktu dan tidak dihitung. "
                    "Jawaban yang tersimpan sebelum batas waktu sudah dinilai."
                ),
                **detail,
            )
        raise Refused(
            "attempt_closed", _l("Percobaan ini sudah selesai; jawaban tidak dapat diubah lagi."), **detail
        )
    saved: list[int] = []
    try:
        for slot in sorted(by_slot):
            quiz_attempts.save_answer(attempt, slot, by_slot[slot], now=now)
            saved.append(slot)
    except AttemptClosed as exc:  # finished by a concurrent request meanwhile
        late = [slot for slot in sorted(by_slot) if slot not in saved]
        raise Refused("attempt_closed", exc, **_attempt_detail(attempt, saved, late)) from None
    if item["submit"]:
        quiz_attempts.finish_attempt(attempt, now=now, reason=FinishReason.SUBMITTED)
    return _attempt_detail(attempt, saved, [])


def _attempt_detail(attempt: Attempt, saved: list[int], late: list[int]) -> dict:
    detail: dict[str, Any] = {
        "attempt_id": attempt.id,
        "saved_slots": saved,
        "late_slots": late,
        "finished": not attempt.is_open,
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
    }
    if not attempt.is_open and attempt.percent is not None:
        detail["graded"] = True
    return detail


HANDLERS: dict[str, Callable[[User, dict, datetime], dict]] = {
    "lesson_completed": complete_lesson,
    "quiz_attempt": submit_answers,
}


# ---------------------------------------------------------------- the batch


def max_items(config: dict | None = None) -> int:
    return int((config or {}).get("SYNC_MAX_ITEMS", DEFAULT_MAX_ITEMS))


def _existing(user: User, client_id: uuid.UUID) -> SyncReceipt | None:
    return db.session.scalar(
        sa.select(SyncReceipt).where(SyncReceipt.user_id == user.id, SyncReceipt.client_id == client_id)
    )


def _duplicate(receipt: SyncReceipt) -> ItemResult:
    return ItemResult(
        str(receipt.client_id),
        receipt.kind,
        DUPLICATE,
        detail={"first": receipt.status, "received_at": receipt.received_at.isoformat(), **receipt.detail},
    )


def _process(user: User, item: dict, now: datetime) -> ItemResult:
    client_id, kind = item["id"], item["kind"]
    found = _existing(user, client_id)
    if found is not None:
        return _duplicate(found)
    try:
        with db.session.begin_nested():
            receipt = SyncReceipt(
                user_id=user.id, client_id=client_id, kind=kind, status=RECORDED, received_at=now
            )
            db.session.add(receipt)
            db.session.flush()  # PostgreSQL: waits here while another transaction holds this receipt
            try:
                detail = HANDLERS[kind](user, item, now)
                result = ItemResult(str(client_id), kind, RECORDED, detail=detail)
            except Refused as exc:
                receipt.status = REFUSED
                result = ItemResult(str(client_id), kind, REFUSED, exc.code, exc.message, exc.detail)
            receipt.detail = {"code": result.code, "message": result.message, **result.detail}
            db.session.flush()
    except IntegrityError:
        # The same item arrived in a concurrent batch, which recorded it first.
        found = _existing(user, client_id)
        if found is None:  # pragma: no cover - the unique constraint names only this receipt
            raise
        return _duplicate(found)
    except ItemError as exc:  # the savepoint is rolled back: no receipt, nothing recorded
        return ItemResult(str(client_id), kind, ERROR, exc.code, exc.message)
    return result


def _lock_order(pair: tuple[int, dict]) -> tuple:
    index, item = pair
    return (item["kind"], item.get("lesson_id") or item.get("attempt_id") or 0, index)


def process_batch(
    user: User, items: list, *, now: datetime | None = None, limit: int = DEFAULT_MAX_ITEMS
) -> list[dict]:
    """One result per item, in the order sent; each valid new item is recorded exactly once."""
    now = now or utcnow()
    results: list[ItemResult | None] = [None] * len(items)
    valid: list[tuple[int, dict]] = []
    seen: set[uuid.UUID] = set()
    for index, raw in enumerate(items):
        if index >= limit:
            results[index] = ItemResult(
                _raw_id(raw),
                _raw_kind(raw),
                ERROR,
                "batch_too_large",
                str(
                    _l(
                        "Terlalu banyak data dalam satu kiriman (paling banyak %(n)d); kirim sisanya lagi.",
                        n=limit,
                    )
                ),
            )
            continue
        try:
            item = _validated(raw)
        except ItemError as exc:
            results[index] = ItemResult(_raw_id(raw), _raw_kind(raw), ERROR, exc.code, exc.message)
            continue
        if item["id"] in seen:
            results[index] = ItemResult(
                str(item["id"]),
                item["kind"],
                ERROR,
                "duplicate_in_batch",
                str(_l("Id ini muncul dua kali dalam kiriman.")),
            )
            continue
        seen.add(item["id"])
        valid.append((index, item))
    for index, item in sorted(valid, key=_lock_order):
        results[index] = _process(user, item, now)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    logger.info("sync for user %s: %s", user.id, counts)
    return [result.as_dict() for result in results]
