"""Parametrizes the shared variant tests (tests/support/lesson_grading.py) from each module's WRONG/RIGHT."""


def _cases(table: dict) -> tuple[list, list]:
    cases = [(name, source) for name, sources in table.items() for source in sources]
    ids = []
    for name, sources in table.items():
        ids += [f"{name}-{i}" for i in range(len(sources))]
    return cases, ids


def pytest_generate_tests(metafunc):
    for fixture, table in (("wrong_variant", "WRONG"), ("right_variant", "RIGHT")):
        if fixture in metafunc.fixturenames:
            cases, ids = _cases(getattr(metafunc.module, table))
            metafunc.parametrize(fixture, cases, ids=ids)
