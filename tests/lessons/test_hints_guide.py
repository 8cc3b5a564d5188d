"""The text of an exercise guides without dictating: no piece of the solution's code appears in what the learner reads.

Issue 24: two newcomers wrote every answer from the exercise cell alone, before reading the lesson, and scored
full marks, because the hints gave the line of code (`b1 @ W2`, `np.exp(-np.abs(x))` with `np.where`, the mask's
`np.where(mask, scores, -np.inf)`, Adam's formula). A hint should point at the idea and the lesson's worked
example; the exercise then needs the lesson.

**What the learner reads** of an exercise: the markdown cell(s) right before its solution cell, the solution
cell outside ``### BEGIN SOLUTION``/``### END SOLUTION`` (the def line, the docstring, the hint comments: the
release's stub), and the visible part of its instant-check cell(s) (above ``### BEGIN HIDDEN TESTS``).

**What dictates.** Every expression of the solution's statements is a candidate. A candidate *dictates* when it
combines ideas: its weight, the number of operations it performs (calls, operators, subscripts, comparisons,
conditional expressions, comprehensions, lambdas) plus the number of distinct variables it relates, minus one,
is at least 2. So one operation on one quantity is vocabulary that a text may name (``np.asarray(x)``,
``x.shape[0]``, ``np.argmax(probs, axis=-1)``, ``np.zeros_like(W)``, ``params[:-1]``): the lesson has to be
free to say which function or which axis. Two quantities put together (``b1 @ W2``) or two operations composed
(``np.exp(-np.abs(x))``, ``zip(sizes[:-1], sizes[1:])``) is a piece of the answer's reasoning, which the text must
leave to the learner. A module's attributes (``np.inf``, ``np.float64``) are constants, not variables; a literal
``-1`` is one constant, not an operation.

**Where it is looked for.** (1) Code in the text: inline code spans and fenced blocks of markdown, docstrings and
comments, and the instant check's own code, parsed with ``ast`` when they parse (whole, or line by line); a
candidate is found when some expression there has the same structure (names kept, ``...`` in the text standing
for any expression: ``np.where(..., -np.inf)`` is ``np.where(mask, scores, -np.inf)`` told with one gap). (2)
Formulas written in prose or comments without backticks: the candidate's ``ast.unparse`` with whitespace
removed is searched in the text with whitespace removed, bounded by non-identifier characters.

The self-test below runs the same checker over hints quoted from the history before the rewrite (commit
0e0b065, "hints point at the idea ... instead of the line of code") and asserts they are flagged.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

import nbformat
import pytest

from tests.support.notebooks import is_solution_cell, is_test_cell, nbgrader_meta, solution_path, written_lessons

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN = "### BEGIN HIDDEN TESTS"
MIN_WEIGHT = 2
OPERATIONS = (
    ast.Call,
    ast.BinOp,
    ast.UnaryOp,
    ast.Subscript,
    ast.Compare,
    ast.BoolOp,
    ast.IfExp,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Lambda,
)
IGNORED_FIELDS = {"ctx", "lineno", "col_offset", "end_lineno", "end_col_offset", "type_comment", "kind"}


# ----------------------------------------------------------------------------------------------------------------
# the exercise: its solution and the text the learner reads
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Exercise:
    lesson: str
    name: str
    solution: str  # the code between the markers
    texts: list[tuple[str, str]]  # (where, text): markdown cells, docstring and comments of the stub, check cells
    modules: frozenset[str]  # names bound by imports in the notebook (np, math, ...): their attributes are constants


def split_solution(source: str) -> tuple[str, str]:
    """(the solution between the markers, the cell with the solution region replaced by ``pass``)."""
    inside, outside, region = [], [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            region = True
            outside.append(line[: len(line) - len(line.lstrip())] + "pass")
        elif line.strip() == END:
            region = False
        elif region:
            inside.append(line)
        else:
            outside.append(line)
    return "\n".join(inside), "\n".join(outside)


def imported_names(nb) -> frozenset[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


def exercises(nb, lesson: str) -> list[Exercise]:
    """Every graded exercise of ``nb`` with the text shown around it."""
    modules = imported_names(nb)
    found, markdown = [], []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            markdown.append((f"markdown cell {i}", cell.source))
            continue
        if is_solution_cell(cell):
            name = nbgrader_meta(cell)["grade_id"]
            solution, stub = split_solution(cell.source)
            texts = list(markdown) + [(f"the stub of cell {i}", stub)]
            for j, other in enumerate(nb.cells):
                gid = nbgrader_meta(other).get("grade_id", "")
                if is_test_cell(other) and (gid == f"test_{name}" or gid.startswith(f"test_{name}_")):
                    texts.append((f"the instant check, cell {j}", other.source.split(HIDDEN)[0]))
            found.append(Exercise(lesson, name, solution, texts, modules))
        markdown = []
    return found


# ----------------------------------------------------------------------------------------------------------------
# candidates: the solution's expressions that carry an idea
# ----------------------------------------------------------------------------------------------------------------
def _is_module_chain(node: ast.AST, modules: frozenset[str]) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in modules


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant)
    )


def weight(node: ast.expr, modules: frozenset[str]) -> int:
    """Operations performed plus distinct variables related, minus one (see the module's docstring)."""
    ops, variables = 0, set()

    def visit(n: ast.AST) -> None:
        nonlocal ops
        if _literal(n) or (isinstance(n, ast.Attribute) and _is_module_chain(n, modules)):
            return
        if isinstance(n, OPERATIONS):
            ops += 1
        if isinstance(n, ast.Name):
            variables.add(n.id)
            return
        if isinstance(n, ast.Attribute):  # x.shape, x.T: a property of the variable x, read
            root = n
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                variables.add(root.id)
                return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return ops + len(variables) - 1


def candidates(solution: str, modules: frozenset[str]) -> list[ast.expr]:
    """The solution's expressions of weight >= MIN_WEIGHT, largest first, each once."""
    tree = ast.parse(textwrap.dedent(solution))
    seen, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, (ast.Constant, ast.Name, ast.Tuple)):
            if weight(node, modules) >= MIN_WEIGHT:
                key = canonical(node)
                if key not in seen:
                    seen.add(key)
                    found.append(node)
    return found


# ----------------------------------------------------------------------------------------------------------------
# canonical forms and matching
# ----------------------------------------------------------------------------------------------------------------
def _fold(node: ast.AST) -> ast.AST:
    """-1 as the constant -1 (Python parses it as an operation on 1)."""
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float, complex))
    ):
        return ast.Constant(-node.operand.value)
    return node


def canonical(node: ast.AST) -> str:
    """The structure of ``node`` as a string: names and constants kept, positions and contexts dropped."""
    node = _fold(node)
    if isinstance(node, ast.AST):
        fields = ",".join(
            f"{k}={canonical(v)}" for k, v in ast.iter_fields(node) if k not in IGNORED_FIELDS
        )
        return f"{type(node).__name__}({fields})"
    if isinstance(node, list):
        return "[" + ",".join(canonical(v) for v in node) + "]"
    return repr(node)


def matches(text: ast.AST, sol: ast.AST) -> bool:
    """True if the text's expression is the solution's, ``...`` in the text standing for any expression."""
    text, sol = _fold(text), _fold(sol)
    if isinstance(text, ast.Constant) and text.value is Ellipsis and isinstance(sol, ast.expr):
        return True
    if isinstance(text, list) or isinstance(sol, list):
        if not (isinstance(text, list) and isinstance(sol, list)):
            return False
        return _match_list(text, sol)
    if not isinstance(text, ast.AST) or not isinstance(sol, ast.AST):
        return text == sol
    if type(text) is not type(sol):
        return False
    for field in text._fields:
        if field in IGNORED_FIELDS:
            continue
        if not matches(getattr(text, field, None), getattr(sol, field, None)):
            return False
    return True


def _match_list(text: list, sol: list) -> bool:
    """Lists match element by element; a ``...`` among call arguments may also stand for several of them."""
    if not text:
        return not sol
    head = _fold(text[0])
    if isinstance(head, ast.Constant) and head.value is Ellipsis:
        return any(_match_list(text[1:], sol[k:]) for k in range(1, len(sol) + 1))
    return bool(sol) and matches(text[0], sol[0]) and _match_list(text[1:], sol[1:])


# ----------------------------------------------------------------------------------------------------------------
# code in the text
# ----------------------------------------------------------------------------------------------------------------
FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.S)
SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _parse(code: str) -> list[ast.AST]:
    """Trees of ``code``: whole if it parses, else each line that parses (formulas like ``Z = X @ W + b`` too)."""
    code = code.strip()
    for attempt in (code, f"({code})"):
        try:
            return [ast.parse(attempt)]
        except (SyntaxError, ValueError):
            pass
    trees = []
    for line in code.splitlines():
        line = line.strip().rstrip(",;:.").strip()
        for attempt in (line, f"({line})"):
            try:
                trees.append(ast.parse(attempt))
                break
            except (SyntaxError, ValueError):
                continue
    return trees


def _prose_and_code(where: str, text: str) -> tuple[str, list[str]]:
    """(the prose to search for formulas, the code fragments to parse) of one text."""
    if where.startswith("markdown"):
        return text, FENCE.findall(text) + SPAN.findall(text)
    # Python: its comments and strings are prose with code spans; its code is code the learner reads
    prose, code = [], [text]
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                prose.append(tok.string.lstrip("#"))
            elif tok.type == tokenize.STRING:
                try:
                    prose.append(str(ast.literal_eval(tok.string)))
                except (ValueError, SyntaxError):
                    prose.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        prose.append(text)
    joined = "\n".join(prose)
    code += FENCE.findall(joined) + SPAN.findall(joined)
    # a hint comment often writes code without backticks: each comment line, bullet removed, may be code
    code += [re.sub(r"^\s*(Hints?:)?\s*[-*]?\s*", "", line) for line in joined.splitlines()]
    return joined, code


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s.replace("`", ""))


@dataclass
class Hit:
    exercise: str
    expression: str
    where: str
    quoted: str

    def __str__(self) -> str:
        return f"{self.exercise}: the text dictates `{self.expression}` (in {self.where}: {self.quoted!r})"


def dictated(exercise: Exercise) -> list[Hit]:
    """Every candidate of the solution that the exercise's text contains, with where."""
    hits = []
    cands = candidates(exercise.solution, exercise.modules)
    covered: set[str] = set()
    for where, text in exercise.texts:
        prose, fragments = _prose_and_code(where, text)
        text_exprs = []
        for fragment in fragments:
            for tree in _parse(fragment):
                text_exprs += [(n, fragment) for n in ast.walk(tree) if isinstance(n, ast.expr)]
        squeezed = _squeeze(prose)
        for cand in cands:
            shown = ast.unparse(cand)
            if shown in covered:
                continue
            quoted = next((frag for node, frag in text_exprs if matches(node, cand)), None)
            if quoted is None:
                needle = _squeeze(shown)
                for m in re.finditer(re.escape(needle), squeezed):
                    before = squeezed[m.start() - 1 : m.start()]
                    after = squeezed[m.end() : m.end() + 1]
                    if not re.match(r"[\w.]", before or " ") and not re.match(r"\w", after or " "):
                        quoted = squeezed[max(0, m.start() - 20) : m.end() + 20]
                        break
            if quoted is not None:
                covered.add(shown)
                hits.append(Hit(f"{exercise.lesson} {exercise.name}", shown, where, quoted.strip()[:160]))
    # report the largest dictated expression, not each of its parts again
    return [h for h in hits if not any(h.expression != o.expression and h.expression in o.expression for o in hits)]


# ----------------------------------------------------------------------------------------------------------------
# the tests
# ----------------------------------------------------------------------------------------------------------------
LESSONS = written_lessons()


def _exercises(lesson: str) -> list[Exercise]:
    return exercises(nbformat.read(solution_path(lesson), as_version=4), lesson)


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_exercise_text_dictates_its_solution(lesson):
    found = _exercises(lesson)
    assert found, f"{lesson}: no graded exercise found"
    hits = [hit for ex in found for hit in dictated(ex)]
    assert not hits, "hints should point at the idea and the worked example, not give the code:\n" + "\n".join(
        map(str, hits)
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_candidates_to_check(lesson):
    """The rule is not vacuous: every exercise whose solution is more than one step has expressions to look for."""
    for ex in _exercises(lesson):
        assert ex.texts, f"{ex.name}: no text found"
    assert any(candidates(ex.solution, ex.modules) for ex in _exercises(lesson)), lesson
