"""The nbgrader integration: what nbgrader loads (from ``nbgrader_config.py``) or runs around it.

- ``preprocessors``: ``SandboxedExecute`` for autograde (runs the isolation engine), ``RepairGradedCells``
  for sanitizing, ``RedactTestTracebacks`` for feedback.
- ``hygiene``: submissions and the exchange treated as hostile (safe collect, valid ids, regular files only).
- ``quiet``: precise filters for nbgrader's known-harmless messages.
- ``learner_html``: learner notebooks made inert before an instructor's browser renders them.
- ``validate`` (``python -m autograder validate``): nbgrader validate with a real exit code.
"""
