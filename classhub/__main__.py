"""python -m classhub: the course for a class on one JupyterHub server (run as root).

    python -m classhub environment [--prefix DIR]  # only the shared environment (/opt/nn-course; CI does this)
    python -m classhub install --instructor NAME   # shared environment, exchange, global config, instructor
    python -m classhub accounts ROSTER.csv         # learners' accounts (again: adds newcomers only)
    python -m classhub start | stop | status       # the hub, its proxy and every single-user server

Options common to all: --state DIR (default $NN_CLASSHUB_STATE or /srv/nn-course). `install` also takes the
paths and ports of classhub/settings.py (--prefix, --exchange, --config-dir, --ip, --port, --hub-port,
--proxy-api-port, --course, --learner-group, --instructor-group); the others read them back from the state folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from . import settings as _settings
from .settings import ClassHubError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classhub", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--state", help=f"the class server's state folder (default: $NN_CLASSHUB_STATE or {_settings.DEFAULT_STATE})"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="set up the shared environment, exchange, global config and instructor")
    inst.add_argument("--instructor", required=True, help="the instructor's unix account (made if missing)")
    inst.add_argument("--no-environment", action="store_true", help="skip building the shared environment")
    defaults = Settings()
    for field in dataclasses.fields(Settings):
        if field.name in ("state", "instructor"):
            continue
        inst.add_argument(
            "--" + field.name.replace("_", "-"),
            type=type(getattr(defaults, field.name)),
            default=None,
            help=f"default: {getattr(defaults, field.name) or 'see the docs'}",
        )
    env = sub.add_parser("environment", help="build or update only the shared environment (no accounts)")
    env.add_argument("--prefix", default=Settings().prefix)
    acc = sub.add_parser("accounts", help="make the accounts of a roster's learners (id[,name,email])")
    acc.add_argument("roster")
    for name in ("start", "stop", "status"):
        sub.add_parser(name, help=f"{name} the hub")
    args = parser.parse_args(argv)
    state = _settings.state_dir(args.state)
    try:
        if args.command == "environment":
            from .environment import install_environment

            changed = install_environment(Settings(prefix=args.prefix))
            print(f"classhub: environment {args.prefix} {'updated' if changed else 'up to date'}")
            return 0
        if args.command == "install":
            try:
                s = _settings.load(state)  # a second install keeps what the first one was told
            except ClassHubError:
                s = Settings(state=state)
            s.instructor = args.instructor
            for field in dataclasses.fields(Settings):
                value = getattr(args, field.name, None)
                if field.name not in ("state", "instructor") and value is not None:
                    setattr(s, field.name, value)
            from .setup import install

            for line in install(s, environment=not args.no_environment):
                print("classhub:", line)
            print(f"classhub: next: python -m classhub accounts ROSTER.csv, then python -m classhub start ({s.url})")
            return 0
        s = _settings.load(state)
        if args.command == "accounts":
            from .accounts import add_learners

            added, kept = add_learners(s, args.roster)
            print(f"classhub: {len(added)} account(s) made: {', '.join(added) or 'none'}; {len(kept)} already there")
            if added:
                print(f"classhub: their first passwords are in {s.passwords_file} (root only); hand them out")
            from .accounts import copy_roster_to_course

            copied = copy_roster_to_course(s, args.roster)
            if copied:
                print(
                    f"classhub: the roster is in {copied}: as {s.instructor}, in {s.course}, run "
                    f"python -m autograder.commands.roster import {copied.name}"
                )
            return 0
        from . import server

        print("classhub:", getattr(server, args.command)(s))
        return 0
    except ClassHubError as err:
        print(f"classhub: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
