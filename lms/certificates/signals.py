"""Signals other features (careers, notifications) subscribe to.

`certificate_revoked` is sent with the app as sender, `certificate=` the revoked `Certificate` and
`by=` the user who revoked it (None for an operator), in the transaction that revoked it.

`certificate_issued` is sent with the app as sender, `certificate=` the new `Certificate`, once,
by services.issue in the transaction that issued it (on completion, attendance, or the bulk
"issue missing" job). Notifications tell the holder, with the verification link.
"""

from blinker import Namespace

_signals = Namespace()

certificate_revoked = _signals.signal("certificate_revoked")
certificate_issued = _signals.signal("certificate_issued")
