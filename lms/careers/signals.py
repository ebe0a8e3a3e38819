"""Signals careers sends (notifications listen to them).

`external_learning_answered` is sent with the app as sender, `item=` the `ExternalLearning` that
HR approved, returned or whose approval it revoked, and `by=` the HR user, in the transaction that
answered it.
"""

from blinker import Namespace

_signals = Namespace()

external_learning_answered = _signals.signal("external_learning_answered")
