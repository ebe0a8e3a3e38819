"""Shapes of the API's requests and responses; the OpenAPI document is generated from these."""

from marshmallow import Schema, fields, validate


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class CatalogueArgs(PageArgs):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Words that must all appear in the title or summary"},
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
