"""The named signals careers sends; features above connect to them in their `init_app`.

- `training_request_answered`, sent with the app as sender, `request=` the answered
  `TrainingRequest` and `by=` the HR officer, by training_requests.answer in the transaction of
  the answer (also when an answer is changed). Notifications tell the person who asked.
"""

from blinker import Namespace

_signals = Namespace()

training_request_answered = _signals.signal("training-request-answered")
