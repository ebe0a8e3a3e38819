"""The named signals courses sends; other features connect to them in their `init_app`.

Every signal is sent with the application as sender, in the transaction of the change (a
receiver only flushes, the caller commits):

- `course_completed`, `enrolment=` the `Enrolment` just completed, exactly once per enrolment
  (completion.check_completion). Certificates issue the certificate; careers award the course's
  competencies and count its JP.
- `course_awards_changed`, `course=` the `Course` whose JP or awarded competencies changed and
  `by=` the editor (None for an operator), sent by the service that made the change
  (services.update_course, bundles.import_files). Careers bring the records and JP of everyone
  who completed the course in line.
- `course_assigned`, `enrolments=` a list of the `Enrolment`s of one course that a manager
  assigned (new, or their due date changed) and `by=` the manager: sent by learning.enrol when
  someone enrols another person (a list of one), and by learning.assign_to_unit once per batch
  of at most `learning.ASSIGN_BATCH` people. Notifications tell each learner, with the due date,
  at a fixed cost per batch.
- `reminder_requested`, `enrolment=` the `Enrolment` whose learner should be reminded to finish
  it and `by=` the HR officer who asked (reports.completion.remind, at most once per enrolment
  and day). Notifications deliver the reminder.
"""

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
course_awards_changed = _signals.signal("course-awards-changed")
course_assigned = _signals.signal("course-assigned")
reminder_requested = _signals.signal("reminder-requested")
