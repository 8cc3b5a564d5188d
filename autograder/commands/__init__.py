"""The instructor's commands, each ``python -m autograder.commands.NAME`` (grade and watch also as
``python -m autograder grade|watch``).

- ``grade``: a class graded in parallel, resumable; ``watch``: grade as submissions arrive.
- ``handin``: a notebook received by e-mail or an LMS; ``roster``: learners and due dates; ``export``: the
  grades table.
- ``lab``: the exchange in use and the learner's side of ``make lab``; ``learner_build``: the learner's nnlib.
"""
