"""Run one nbgrader command as a named learner: ``python as_learner.py NAME ARGS...``.

nbgrader 0.9.6 takes the learner's id from the process's user id (``pwd.getpwuid(os.getuid())``), not from
the USER variable, so one machine plays several learners by overriding that lookup for this process only.
"""

import sys

import nbgrader.utils

name = sys.argv[1]
nbgrader.utils.get_osusername = lambda: name

from nbgrader.apps.nbgraderapp import main  # noqa: E402

sys.argv = ["nbgrader"] + sys.argv[2:]
main()
