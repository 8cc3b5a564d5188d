"""The instructor's grading machinery for the course (not part of nnlib, which learners import).

- ``catalogue``: every graded exercise's name and its reference in nnlib.
- ``sandbox``: the bubblewrap sandbox every learner process runs in during grading; ``withheld``: the nnlib
  inside it, an allow-list of what the graded lesson's exercises may use.
- ``wire``: the data-only format between the judge and the sandbox; ``agent`` (run inside the learner's
  kernel, inlined by ``probe``) serves the learner's answers over it.
- ``judge``: the trusted process that runs the instructor's test cells on proxies of the learner's answers;
  its verdict is the grade.
- ``preprocessors``: nbgrader preprocessors (``SandboxedExecute`` for autograde, ``RepairGradedCells`` for
  sanitizing, ``RedactTestTracebacks`` for feedback); ``hygiene``: submissions and the exchange treated as hostile.
- ``release``, ``validate``, ``learner_build``: the instructor's tools.
nnlib never imports this package.
"""
