"""The room: chat, questions and answers, polls, and what moderators do with them.

Text becomes safe at write time through lms.content: chat as plain text (always escaped when
shown), questions as sanitised HTML from Markdown. History stays after the session.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..content import plain_text, render_comment
from ..core.input_guard import remove_control_characters
from ..extensions import db
from .access import is_moderator, require_moderator
from .errors import NotAllowed, NotFound, WebinarError
from .models import (
    ChatMessage,
    Poll,
    PollOption,
    PollStatus,
    PollVote,
    Question,
    QuestionVote,
    Webinar,
    WebinarMute,
)

logger = logging.getLogger(__name__)


def _writable(webinar: Webinar) -> None:
    if webinar.is_over:
        raise WebinarError(_l("Webinar ini sudah selesai. Riwayat tetap dapat dibaca."))


def is_muted(user: User, webinar: Webinar) -> bool:
    return db.session.get(WebinarMute, (webinar.id, user.id)) is not None


def muted_ids(webinar: Webinar) -> list[int]:
    """The people silenced in this webinar (for the moderators' page)."""
    query = sa.select(WebinarMute.user_id).where(WebinarMute.webinar_id == webinar.id)
    return list(db.session.scalars(query.order_by(WebinarMute.user_id)))


def _speaker(user: User, webinar: Webinar, muted: bool | None) -> None:
    """Refuse a muted speaker; `muted` is what the caller already read in this transaction."""
    _writable(webinar)
    if muted if muted is not None else is_muted(user, webinar):
        raise NotAllowed(_l("Pemandu menonaktifkan obrolan Anda di webinar ini."))


def _text(raw, limit_key: str, field: str) -> str:
    if isinstance(raw, str):
        raw = remove_control_characters(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise WebinarError(_l("Pesan tidak boleh kosong."), field)
    limit = current_app.config[limit_key]
    if len(raw) > limit:
        raise WebinarError(_l("Pesan terlalu panjang (maksimal %(n)d karakter).", n=limit), field)
    return raw.strip()


# ---------------------------------------------------------------- chat


def post_message(
    user: User, webinar: Webinar, text: str, *, at: datetime, muted: bool | None = None
) -> ChatMessage:
    """Store a chat message as plain text (one INSERT); refused when muted, too long or after
    the end."""
    _speaker(user, webinar, muted)
    body = plain_text(_text(text, "WEBINAR_CHAT_MAX_CHARS", "text"))
    if not body:
        raise WebinarError(_l("Pesan tidak boleh kosong."), "text")
    message = ChatMessage(webinar_id=webinar.id, user_id=user.id, body=body, created_at=at)
    message.user = user
    db.session.add(message)
    db.session.flush()
    return message


def chat_page(
    webinar: Webinar, *, before_id: int | None = None, limit: int | None = None
) -> tuple[list, bool]:
    """Up to `limit` visible messages older than `before_id`, oldest first, and whether more exist."""
    limit = limit or current_app.config["WEBINAR_CHAT_PAGE_SIZE"]
    query = (
        sa.select(ChatMessage)
        .where(ChatMessage.webinar_id == webinar.id, ChatMessage.deleted_at.is_(None))
        .options(joinedload(ChatMessage.user))
        .order_by(ChatMessage.id.desc())
        .limit(limit + 1)
    )
    if before_id is not None:
        query = query.where(ChatMessage.id < before_id)
    rows = list(db.session.scalars(query))
    return rows[:limit][::-1], len(rows) > limit


def _message(webinar: Webinar, message_id) -> ChatMessage:
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) else None
    if message is None or message.webinar_id != webinar.id or message.deleted_at is not None:
        raise NotFound(_l("Pesan tidak ditemukan."))
    return message


def pinned_message(webinar: Webinar) -> ChatMessage | None:
    query = sa.select(ChatMessage).where(
        ChatMessage.webinar_id == webinar.id,
        ChatMessage.pinned_at.is_not(None),
        ChatMessage.deleted_at.is_(None),
    )
    return db.session.scalar(query.options(joinedload(ChatMessage.user)).limit(1))


def pin_message(by: User, webinar: Webinar, message_id: int | None, *, at: datetime) -> ChatMessage | None:
    """Pin one message (replacing the pinned one), or unpin with None."""
    require_moderator(by, webinar)
    message = _message(webinar, message_id) if message_id is not None else None
    db.session.execute(
        sa.update(ChatMessage)
        .where(ChatMessage.webinar_id == webinar.id, ChatMessage.pinned_at.is_not(None))
        .values(pinned_at=None)
    )
    if message is not None:
        message.pinned_at = at
    db.session.flush()
    return message


def delete_message(by: User, webinar: Webinar, message_id: int, *, at: datetime) -> ChatMessage:
    """Hide a message from everyone (kept, with who deleted it)."""
    require_moderator(by, webinar)
    message = _message(webinar, message_id)
    message.deleted_at, message.deleted_by_id, message.pinned_at = at, by.id, None
    db.session.flush()
    logger.info("webinar %s: message %s deleted by %s", webinar.id, message.id, by.id)
    return message


def set_mute(by: User, webinar: Webinar, user_id: int, muted: bool, *, at: datetime) -> User:
    """Silence (or let speak again) a participant in this webinar's chat and Q&A."""
    require_moderator(by, webinar)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound(_l("Peserta tidak ditemukan."))
    if is_moderator(user, webinar):
        raise WebinarError(_l("Pemandu tidak dapat dibisukan."))
    mute = db.session.get(WebinarMute, (webinar.id, user.id))
    if muted and mute is None:
        db.session.add(WebinarMute(webinar_id=webinar.id, user_id=user.id, by_id=by.id, created_at=at))
    elif not muted and mute is not None:
        db.session.delete(mute)
    db.session.flush()
    logger.info("webinar %s: user %s %s by %s", webinar.id, user.id, "muted" if muted else "unmuted", by.id)
    return user


# ---------------------------------------------------------------- questions


def ask(user: User, webinar: Webinar, text: str, *, at: datetime, muted: bool | None = None) -> Question:
    """Add a question (Markdown rendered and sanitised now)."""
    _speaker(user, webinar, muted)
    body = _text(text, "WEBINAR_QUESTION_MAX_CHARS", "text")
    html = render_comment(body)
    if not plain_text(html):
        raise WebinarError(_l("Pesan tidak boleh kosong."), "text")
    question = Question(webinar_id=webinar.id, user_id=user.id, body_md=body, body_html=html, created_at=at)
    question.user = user
    db.session.add(question)
    db.session.flush()
    return question


def _question(webinar: Webinar, question_id) -> Question:
    question = db.session.get(Question, question_id) if isinstance(question_id, int) else None
    if question is None or question.webinar_id != webinar.id or question.deleted_at is not None:
        raise NotFound(_l("Pertanyaan tidak ditemukan."))
    return question


def questions(webinar: Webinar) -> list[Question]:
    """Open questions by votes, then answered ones."""
    query = (
        sa.select(Question)
        .where(Question.webinar_id == webinar.id, Question.deleted_at.is_(None))
        .options(joinedload(Question.user))
        .order_by(Question.answered_at.is_not(None), Question.votes.desc(), Question.id)
    )
    return list(db.session.scalars(query))


def upvote(user: User, webinar: Webinar, question_id: int) -> Question:
    """Support a question once per person (two tabs at once still count once)."""
    _writable(webinar)
    question = _question(webinar, question_id)
    if question.user_id == user.id:
        raise WebinarError(_l("Anda tidak dapat mendukung pertanyaan sendiri."))
    try:
        with db.session.begin_nested():
            db.session.add(QuestionVote(question_id=question.id, user_id=user.id))
    except IntegrityError:
        raise WebinarError(_l("Anda sudah mendukung pertanyaan ini.")) from None
    count = sa.select(sa.func.count()).where(QuestionVote.question_id == question.id).scalar_subquery()
    db.session.execute(sa.update(Question).where(Question.id == question.id).values(votes=count))
    db.session.refresh(question, ["votes"])
    return question


def mark_answered(by: User, webinar: Webinar, question_id: int, *, at: datetime) -> Question:
    require_moderator(by, webinar)
    question = _question(webinar, question_id)
    question.answered_at = question.answered_at or at
    db.session.flush()
    return question


def delete_question(by: User, webinar: Webinar, question_id: int, *, at: datetime) -> Question:
    require_moderator(by, webinar)
    question = _question(webinar, question_id)
    question.deleted_at = at
    db.session.flush()
    logger.info("webinar %s: question %s deleted by %s", webinar.id, question.id, by.id)
    return question


# ---------------------------------------------------------------- polls


def create_poll(by: User, webinar: Webinar, question: str, options: list[str], *, at: datetime) -> Poll:
    """A draft poll with 2 to 6 options, opened later by a moderator."""
    require_moderator(by, webinar)
    _writable(webinar)
    question = " ".join((question or "").split())
    if not 3 <= len(question) <= 300:
        raise WebinarError(_l("Pertanyaan jajak pendapat wajib diisi (3 sampai 300 karakter)."), "question")
    cleaned = [" ".join(o.split()) for o in options if isinstance(o, str) and o.strip()]
    if not 2 <= len(cleaned) <= 6 or any(len(o) > 200 for o in cleaned):
        raise WebinarError(
            _l("Isi 2 sampai 6 pilihan jawaban (masing-masing maks. 200 karakter)."), "options"
        )
    poll = Poll(webinar_id=webinar.id, question=question, created_by_id=by.id, created_at=at)
    poll.options = [PollOption(position=i, text=text) for i, text in enumerate(cleaned)]
    db.session.add(poll)
    db.session.flush()
    return poll


def _poll(webinar: Webinar, poll_id) -> Poll:
    poll = db.session.get(Poll, poll_id) if isinstance(poll_id, int) else None
    if poll is None or poll.webinar_id != webinar.id:
        raise NotFound(_l("Jajak pendapat tidak ditemukan."))
    return poll


def polls(webinar: Webinar) -> list[Poll]:
    return list(db.session.scalars(sa.select(Poll).where(Poll.webinar_id == webinar.id).order_by(Poll.id)))


def open_poll(by: User, webinar: Webinar, poll_id: int, *, at: datetime) -> Poll:
    """Open a draft poll for voting; one poll is open at a time."""
    require_moderator(by, webinar)
    _writable(webinar)
    poll = _poll(webinar, poll_id)
    if poll.status is not PollStatus.DRAFT:
        raise WebinarError(_l("Jajak pendapat ini sudah pernah dibuka."))
    already = sa.select(Poll.id).where(Poll.webinar_id == webinar.id, Poll.status == PollStatus.OPEN)
    if db.session.scalar(already) is not None:
        raise WebinarError(_l("Tutup dulu jajak pendapat yang sedang berjalan."))
    poll.status, poll.opened_at = PollStatus.OPEN, at
    db.session.flush()
    return poll


def close_poll(by: User, webinar: Webinar, poll_id: int, *, at: datetime) -> Poll:
    require_moderator(by, webinar)
    poll = _poll(webinar, poll_id)
    if poll.status is not PollStatus.OPEN:
        raise WebinarError(_l("Jajak pendapat ini tidak sedang dibuka."))
    poll.status, poll.closed_at = PollStatus.CLOSED, at
    db.session.flush()
    return poll


def vote(user: User, webinar: Webinar, poll_id: int, option_id: int) -> Poll:
    """One vote per person per open poll."""
    _writable(webinar)
    poll = _poll(webinar, poll_id)
    if poll.status is not PollStatus.OPEN:
        raise WebinarError(_l("Jajak pendapat ini tidak sedang dibuka."))
    if option_id not in {option.id for option in poll.options}:
        raise NotFound(_l("Pilihan jawaban tidak ditemukan."))
    try:
        with db.session.begin_nested():
            db.session.add(PollVote(poll_id=poll.id, user_id=user.id, option_id=option_id))
    except IntegrityError:
        raise WebinarError(_l("Anda sudah memberikan suara.")) from None
    return poll


def poll_results(poll: Poll) -> dict[int, int]:
    """Votes per option id (every option present, zero when nobody chose it)."""
    counts = dict(
        db.session.execute(
            sa.select(PollVote.option_id, sa.func.count())
            .where(PollVote.poll_id == poll.id)
            .group_by(PollVote.option_id)
        ).all()
    )
    return {option.id: counts.get(option.id, 0) for option in poll.options}


def live_state(pinned_id: int | None, poll_id: int | None) -> tuple[ChatMessage | None, Poll | None]:
    """What a participant joining the room sees first: the pinned message and the open poll,
    known by their ids (`access.JoinState`); mostly neither exists and nothing is read."""
    pinned = poll = None
    if pinned_id is not None:
        query = sa.select(ChatMessage).where(ChatMessage.id == pinned_id)
        # The author's name only: not the roles that load with a user otherwise.
        author = joinedload(ChatMessage.user).lazyload(User.role_rows)
        pinned = db.session.scalar(query.options(author))
    if poll_id is not None:
        query = sa.select(Poll).where(Poll.id == poll_id).options(joinedload(Poll.options))
        poll = db.session.scalars(query).unique().first()
    return pinned, poll
