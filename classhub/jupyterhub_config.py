"""JupyterHub configuration of the class server (loaded by `python -m classhub start`, which runs the hub as root).

Read by JupyterHub with ``jupyterhub -f``; everything it needs comes from the state folder's classhub.json
(``$NN_CLASSHUB_STATE``, written by `python -m classhub install`):

- the hub on ``ip:port`` (127.0.0.1:8000 by default) behind configurable-http-proxy from the shared environment;
  the hub's and the proxy's API ports on loopback only; database, cookie secret and pid files in the state folder;
- PAM login with the machine's unix accounts, allowed only to the class's groups (learners, instructors);
- each single-user server is JupyterLab started by LocalProcessSpawner as its own user, in its home; a learner's
  in its own memory and cpu cgroups (classhub/limits.py: mem_limit MiB, cpu_limit cores);
- idle servers are stopped by jupyterhub-idle-culler, a hub service (idle_timeout, cull_every); inside a server
  idle kernels are culled after idle_timeout;
- roles, decided at each spawn by group membership (classhub/roles.py): learners get the Assignment List and
  never the formgrader, course list or create-assignment tools; the instructor gets all of nbgrader;
- every server gets ``NN_COURSE_EXCHANGE`` (the shared exchange, which the course's nbgrader_config.py obeys
  before anything else) and the folder of the global nbgrader configuration on ``JUPYTER_CONFIG_PATH``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from classhub import limits, roles  # noqa: E402
from classhub import settings as _settings

c = get_config()  # noqa: F821 - provided by JupyterHub
s = _settings.load()
state = s.state

# ---- the hub, the proxy, and their files
c.JupyterHub.bind_url = f"http://{s.ip}:{s.port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s.hub_port}"
c.JupyterHub.db_url = "sqlite:///" + str(s.hub_db)  # 0600 in a 0700 folder (server.start)
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(s.pid_file)
c.ConfigurableHTTPProxy.command = [str(s.proxy_command)]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # `classhub stop` stops every single-user server too
c.JupyterHub.cleanup_proxy = True

# ---- who may log in: the class's unix accounts, with their passwords (PAM)
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.Authenticator.allowed_groups = {s.learner_group, s.instructor_group}
c.PAMAuthenticator.open_sessions = False  # no systemd-logind here; sessions would only log errors

# ---- each user's server: JupyterLab from the shared environment, as that user, in their home
c.JupyterHub.spawner_class = limits.limited_spawner(s)  # LocalProcessSpawner, learners in their own cgroups
c.Spawner.cmd = [str(s.bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180  # a loaded two-core machine can take a while to start JupyterLab
c.Spawner.http_timeout = 180
# at most this many servers starting at once: a JupyterLab start costs 6-9 s of CPU, and 40 starting together on
# two cores all missed the 180 s above (benchmarks/hub_load.py); past the limit a login is told to try again in
# a few seconds (429) and its server starts when a slot is free
c.JupyterHub.concurrent_spawn_limit = s.spawn_limit or 4 * (os.cpu_count() or 1)
c.Spawner.environment = roles.common_environment(s)
c.Spawner.pre_spawn_hook = roles.pre_spawn_hook(s)

# ---- bounds: idle servers culled (a hub service), idle kernels culled inside each server (classhub/limits.py)
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={s.idle_timeout}",
            f"--cull-every={s.cull_every}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={s.idle_timeout}",
    f"--MappingKernelManager.cull_interval={max(10, min(s.cull_every, s.idle_timeout))}",
]
