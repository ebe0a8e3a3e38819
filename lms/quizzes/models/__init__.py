"""Models of quizzes, one module per aggregate: question banks, quizzes, attempts."""

from .attempts import Attempt, AttemptItem, AttemptState, FinishReason
from .banks import Question, QuestionBank, QuestionCategory, QuestionType, TextFormat
from .quizzes import GradingMethod, Layout, Quiz, QuizAudit, QuizOverride, QuizSource, Visibility

__all__ = [
    "Attempt",
    "AttemptItem",
    "AttemptState",
    "FinishReason",
    "GradingMethod",
    "Layout",
    "Question",
    "QuestionBank",
    "QuestionCategory",
    "QuestionType",
    "Quiz",
    "QuizAudit",
    "QuizOverride",
    "QuizSource",
    "TextFormat",
    "Visibility",
]
