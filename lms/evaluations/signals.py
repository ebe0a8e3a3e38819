"""The named signal evaluations sends; notifications connect to it in their `init_app`.

`evaluation_waiting` is sent with the app as sender whenever a reaction survey or a follow-up
becomes available to someone, in the transaction that created it, with:

- `user=` the `User` who is asked to answer (the learner, or their supervisor for a follow-up);
- `title=` what is evaluated (str): the course or webinar title, followed for a supervisor by
  " — " and the learner's name ("Etika ASN — Budi Santoso");
- `url=` the path of the form (e.g. "/evaluations/surveys/12"), to be joined to PUBLIC_BASE_URL;
- `key=` a unique str per evaluation and person ("evaluation-survey-12",
  "evaluation-follow-up-34"): a listener that must act once per evaluation keys on it.

It is sent once per survey and per follow-up (each is created once).
"""

from blinker import Namespace

_signals = Namespace()

evaluation_waiting = _signals.signal("evaluation_waiting")
