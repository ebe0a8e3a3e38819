"""Signals careers sends (notifications listen to them).

`external_learning_answered` is sent with the app as sender, `item=` the `ExternalLearning` that
HR approved, returned or whose approval it revoked, and `by=` the HR user, in the transaction that
answered it.

`training_request_answered` is sent with the app as sender, `request=` the answered
`TrainingRequest` and `by=` the HR officer, by training_requests.answer in the transaction of the
answer (also when an answer is changed). Notifications tell the person who asked.
"""

from blinker import Namespace

_signals = Namespace()

external_learning_answered = _signals.signal("external_learning_answered")
training_request_answered = _signals.signal("training-request-answered")
