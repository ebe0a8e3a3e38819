"""Signals other features (careers) subscribe to.

`certificate_revoked` is sent with the app as sender, `certificate=` the revoked `Certificate` and
`by=` the user who revoked it (None for an operator), in the transaction that revoked it.
"""

from blinker import Namespace

_signals = Namespace()

certificate_revoked = _signals.signal("certificate_revoked")
