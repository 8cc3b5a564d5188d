"""The instructor's grading machinery for the course (not part of nnlib, which learners import).

- ``catalogue``: every graded exercise's name and its reference in nnlib.
- ``capture``: runs inside the learner's kernel after a test cell and ships the answers that cell uses.
- ``verifier``: re-runs the instructor's test source in a fresh, forked process on the shipped answers,
  with the references guarded and numpy/nnlib checked for tampering; its verdict is the grade.
- ``preprocessors``: nbgrader preprocessors (``IsolatedExecute`` for autograde, ``RedactHiddenTests`` for
  feedback); the only module here that imports nbgrader.
- ``release``: regenerates ``notebooks/`` from ``solutions/`` with nbgrader.
The core of nnlib never imports this package.
"""
