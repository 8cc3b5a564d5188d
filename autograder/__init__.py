"""The instructor's grading machinery for the course (not part of nnlib, which learners import).

Three roles, one subpackage each, and one shared table:

- ``catalogue``: every graded exercise's name and its reference in nnlib (used by all three).
- ``isolation/``: the engine that keeps a learner's code away from the grade (sandbox, judge, agent, probe,
  wire, withheld: the nnlib inside the sandbox, an allow-list of what the graded lesson's exercises may use). Imports only ``catalogue`` and ``integration.hygiene``'s file helpers.
- ``integration/``: what nbgrader loads or runs around it (preprocessors, hygiene, learner_html, quiet, validate).
  Imports ``isolation`` and ``catalogue``.
- ``commands/``: the instructor's commands (grade, watch, handin, export, roster, lab, learner_build), also
  through ``python -m autograder --help``. May import everything above.
nnlib never imports this package.
"""
