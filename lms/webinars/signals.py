"""Signals other features subscribe to (certificates and careers, later).

`webinar_attended` is sent with the app as sender and `attendance=` an `Attendance` whose
`present` is true, once when finalization (or a trainer's correction) makes a person present.
"""

from blinker import Namespace

_signals = Namespace()

webinar_attended = _signals.signal("webinar_attended")
