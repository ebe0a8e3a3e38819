"""Signals of accounts that later features react to.

`sessions_ended` is sent with the user id as sender and `session_ids=` (the ids of the
`UserSession` rows just ended) whenever login sessions end: logout, "end this session", a
password change or reset, an identity confirmed or removed by HR. The webinar rooms close the
Socket.IO connections opened under those sessions.
"""

from blinker import Namespace

_signals = Namespace()

sessions_ended = _signals.signal("sessions_ended")
