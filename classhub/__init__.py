"""The course for a class: one JupyterHub server with real unix accounts (see README, "For a class").

settings.py      where the parts are (state folder, /opt environment, exchange, ports, groups)
environment.py   the shared environment (/usr/bin/python3 venv, configurable-http-proxy from npm)
setup.py         `install`: groups, instructor, course folder, exchange, global nbgrader config
accounts.py      `accounts ROSTER.csv`: learners' accounts, private homes, first passwords
roles.py         what a learner's and the instructor's single-user servers get
limits.py        bounds per learner: memory and CPU cgroups, the idle culler
server.py        `start`, `stop`, `status`
jupyterhub_config.py   the hub's configuration
"""
