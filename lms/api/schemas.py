"""Shapes of the API's requests and responses; the OpenAPI document is generated from these."""

from marshmallow import Schema, fields, validate


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class CatalogueArgs(PageArgs):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={
            "description": "Words that must all appear (as words or word starts) in the title, "
            "summary or lesson text; the best match comes first"
        },
    )
    category = fields.String(load_default="", validate=validate.Length(max=100))
    competency = fields.String(
        load_default="",
        validate=validate.Length(max=32),
        metadata={"description": "Competency code, e.g. KOM"},
    )
    jp_min = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1000))
    jp_max = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1000))


class CompetencyAward(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.Integer(required=True, metadata={"description": "Level 1-5 awarded on completion"})


class CourseSummary(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.String(required=True)
    jp = fields.Integer(required=True, metadata={"description": "JP credited (1 JP = 45 minutes)"})
    version = fields.Integer(required=True)
    competencies = fields.List(fields.Nested(CompetencyAward), required=True)
    url = fields.String(required=True, metadata={"description": "The course's page"})


class PageMeta(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class CoursePage(Schema):
    items = fields.List(fields.Nested(CourseSummary), required=True)
    pagination = fields.Nested(PageMeta, required=True)


class LessonRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    required = fields.Boolean(required=True)
    duration_minutes = fields.Integer(allow_none=True)
    url = fields.String(required=True, metadata={"description": "The lesson's page"})


class ModuleRef(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    lessons = fields.List(fields.Nested(LessonRef), required=True)


class CourseDetail(CourseSummary):
    modules = fields.List(fields.Nested(ModuleRef), required=True)


class ProgressSchema(Schema):
    done = fields.Integer(required=True, metadata={"description": "Counted lessons done"})
    total = fields.Integer(required=True, metadata={"description": "Lessons the completion rule counts"})
    percent = fields.Integer(required=True)
    complete = fields.Boolean(required=True)


class EnrolmentSchema(Schema):
    course = fields.Nested(CourseSummary, required=True)
    enrolled_at = fields.DateTime(required=True)
    due_date = fields.Date(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_version = fields.Integer(allow_none=True)
    completed_lesson_ids = fields.List(fields.Integer(), required=True)
    progress = fields.Nested(ProgressSchema, required=True)
    continue_url = fields.String(allow_none=True, metadata={"description": "Where to continue"})


class MyProgress(Schema):
    enrolments = fields.List(fields.Nested(EnrolmentSchema), required=True)
    jp_this_year = fields.Integer(required=True)


class CompletionResult(Schema):
    lesson_id = fields.Integer(required=True)
    completed = fields.Boolean(required=True)
    course_completed = fields.Boolean(
        required=True, metadata={"description": "The course is complete (now or before)"}
    )
    progress = fields.Nested(ProgressSchema, required=True)


class ErrorSchema(Schema):
    error = fields.Dict(required=True)


class ErrorDetail(Schema):
    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    title = fields.String(required=True, metadata={"description": "Short title, in the user's language"})
    message = fields.String(required=True, metadata={"description": "What happened, in the user's language"})
    errors = fields.Dict(
        metadata={"description": "Invalid request fields by location (query, json, ...) and name"}
    )


class ErrorBody(Schema):
    """The body of every error answer under /api/ (lms.core.errors.render_error)."""

    error = fields.Nested(ErrorDetail, required=True)


# ---------------------------------------------------------------- offline sync


class SyncHandshake(Schema):
    user = fields.String(required=True, metadata={"description": "Opaque key of the signed-in user"})
    csrf_token = fields.String(required=True, metadata={"description": "Send it back in X-CSRFToken"})
    max_items = fields.Integer(required=True, metadata={"description": "Most items one batch may carry"})


class SyncBatch(Schema):
    items = fields.List(
        # Each item is checked on its own (one bad item never fails the batch), so the request
        # schema takes any item; the shapes are documented as LessonCompletedItem/QuizAttemptItem.
        fields.Raw(
            metadata={
                "oneOf": [
                    {"$ref": "#/components/schemas/LessonCompletedItem"},
                    {"$ref": "#/components/schemas/QuizAttemptItem"},
                ]
            }
        ),
        required=True,
        validate=validate.Length(min=1, max=1000),
    )


class SyncResult(Schema):
    id = fields.String(allow_none=True, metadata={"description": "The item's id as sent"})
    kind = fields.String(allow_none=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["recorded", "duplicate", "refused", "error"])
    )
    code = fields.String(
        metadata={
            "description": "Why: lesson_removed, not_enrolled, course_closed, too_late, attempt_closed "
            "(refused); malformed, not_found, duplicate_in_batch, batch_too_large (error)"
        }
    )
    message = fields.String(metadata={"description": "For the learner, in their language"})
    detail = fields.Dict(
        metadata={"description": "lesson_id, course_completed; attempt_id, saved_slots, late_slots, finished"}
    )


class SyncResults(Schema):
    results = fields.List(fields.Nested(SyncResult), required=True)
    user = fields.String(required=True)


# ---------------------------------------------------------------- course downloads


class OfflineCourse(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True)


class OfflinePage(Schema):
    url = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["course", "lesson", "quiz", "practice"]))
    bytes = fields.Integer(required=True, metadata={"description": "Estimated size"})


class OfflineFile(Schema):
    url = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["image", "document", "video"]))
    content_type = fields.String(required=True)
    bytes = fields.Integer(required=True)
    optional = fields.Boolean(required=True, metadata={"description": "Stored only when asked (videos)"})


class OfflinePack(Schema):
    course = fields.Nested(OfflineCourse, required=True)
    user = fields.String(required=True, metadata={"description": "Opaque key of the signed-in user"})
    cache = fields.String(required=True, metadata={"description": "Name of the Cache API cache to use"})
    assets = fields.List(fields.String(), required=True, metadata={"description": "Versioned static files"})
    pages = fields.List(fields.Nested(OfflinePage), required=True)
    files = fields.List(fields.Nested(OfflineFile), required=True)
    bytes = fields.Integer(required=True, metadata={"description": "Total without the optional videos"})
    video_bytes = fields.Integer(required=True)
