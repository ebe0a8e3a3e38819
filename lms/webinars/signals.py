"""The named signals webinars sends; certificates and careers connect to them in their `init_app`.

`webinar_attended` is sent with the app as sender and `attendance=` an `Attendance` whose
`present` is true, once when finalization (or a trainer's correction) makes a person present.

`attendance_corrected` is sent with `attendance=` (after), `before=` (a dict: present, minutes,
share_bp, jp_credited) and `by=` (the moderator) after every correction, whichever way it goes,
so careers can take back what a record no longer earns.

`webinar_competencies_changed` is sent with `webinar=`, `before=` (competency id -> level it
awarded before) and `by=` (the moderator) when a webinar's competencies were changed, by
competencies.set_competencies (possibly after it was over) or services.update_webinar, so careers
can bring the records of the people present in line.
"""

from blinker import Namespace

_signals = Namespace()

webinar_attended = _signals.signal("webinar_attended")
attendance_corrected = _signals.signal("attendance_corrected")
webinar_competencies_changed = _signals.signal("webinar_competencies_changed")
