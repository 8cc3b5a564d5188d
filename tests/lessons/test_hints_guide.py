"""The text of an exercise guides without dictating: no piece of the solution's code appears in what the learner reads.

Issue 24: two newcomers wrote every answer from the exercise cell alone, before reading the lesson, and scored
full marks, because the hints gave the line of code (`b1 @ W2`, `np.exp(-np.abs(x))` with `np.where`, the mask's
`np.where(mask, scores, -np.inf)`, Adam's formula). A hint should point at the idea and the lesson's worked
example; the exercise then needs the lesson.

**What the learner reads** of an exercise: the markdown cell(s) right before its solution cell, the solution
cell outside ``### BEGIN SOLUTION``/``### END SOLUTION`` (the def line, the docstring, the hint comments: the
release's stub), and the visible part of its instant-check cell(s) (above ``### BEGIN HIDDEN TESTS``).

**What dictates.** Every expression of the solution's statements that performs at least one operation is a
candidate. It *dictates* when it combines ideas: its weight, the number of operations it performs (calls,
operators, subscripts, comparisons, conditional expressions, comprehensions, lambdas) plus the number of
distinct variables it relates, minus one, is at least 2. So one operation on one quantity is vocabulary that a
text may name (``np.asarray(x)``, ``x.shape[0]``, ``np.argmax(probs, axis=-1)``, ``np.zeros_like(W)``,
``params[:-1]``, ``len(params)``): the lesson has to be free to say which function or which axis. Two quantities
put together (``b1 @ W2``) or two operations composed (``np.exp(-np.abs(x))``, ``zip(sizes[:-1], sizes[1:])``)
is a piece of the answer's reasoning, which the text must leave to the learner. A called function's own name
(``len``, ``sigmoid``), a builtin (``float``) and a module's attributes (``np.inf``, ``np.float64``) are not
variables; a literal ``-1`` is one constant, not an operation; code that computes nothing (``[(W1, b1), (W2,
b2)]``, a format) is no candidate.

**What the exercise asks is not a hint.** An expression that the exercise's contract states (its clauses'
sentences in ``nnlib/contracts/``, which quote the exercise's own words: gelu_tanh's formula, the order of
train's draws from ``rng``, flip_labels' ``round(rate * n)`` rows) is *what* the exercise computes, and the text
must say it. Everything else of the solution's code in the text tells *how*, and fails.

**Where it is looked for.** (1) Code in the text: inline code spans and fenced blocks of markdown, docstrings and
comments (each comment line also as code: hints often write code without backticks), and the instant check's
own code, parsed with ``ast`` when they parse (whole, or line by line); a candidate is found when some
expression there of weight >= 2 (each ``...`` counting as a variable) has the same structure: names kept,
``-1`` a constant, ``...`` standing for any expression or run of arguments. (2) Formulas in prose, comments or
the check's strings without backticks: the candidate's ``ast.unparse`` is searched token by token, any
whitespace between tokens, not inside a longer name, with ``1.0`` read as ``1``.

The self-tests below run the same checker over hints quoted from the history before the rewrite (commit
0e0b065, "hints point at the idea ... instead of the line of code"; a check's hint= strings of that version were
rewritten on this branch) and assert
they are flagged, and over toy texts that show what the rule leaves alone.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

import nbformat
import pytest

from autograder.catalogue import exercise_of
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
BUILTINS = frozenset(dir(builtins))
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
                if is_test_cell(other) and exercise_of(gid) == name:
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
    return (isinstance(node, ast.Constant) and node.value is not Ellipsis) or (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
    )


def operations(node: ast.expr) -> int:
    return sum(isinstance(n, OPERATIONS) and not _literal(n) for n in ast.walk(node))


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
            if n.id not in BUILTINS:  # float, int, None-like names: constants of the language
                variables.add(n.id)
            return
        if isinstance(n, ast.Constant) and n.value is Ellipsis:  # a gap in a text's code: a quantity left out
            variables.add(f"...{id(n)}")
            return
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):  # len(x), sigmoid(x): the name is the operation
            for child in n.args + [k.value for k in n.keywords]:
                visit(child)
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
            if operations(node) and weight(node, modules) >= MIN_WEIGHT:
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
        fields = ",".join(f"{k}={canonical(v)}" for k, v in ast.iter_fields(node) if k not in IGNORED_FIELDS)
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
    if where.startswith(("markdown", "the contract")):
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


def _integral(text: str) -> str:
    """1.0 written as 1 (a solution writes 1.0 - beta1 where a text writes 1 - beta1)."""
    return re.sub(r"(?<![\w.])(\d+)\.0(?![\d\w])", r"\1", text)


def formula_pattern(code: str) -> re.Pattern:
    """``code`` as written in prose: its tokens in order, any whitespace between them, not inside a longer name."""
    tokens = re.findall(r"\w+|\S", _integral(code))
    return re.compile(r"(?<![\w.])" + r"\s*".join(map(re.escape, tokens)) + r"(?!\w)")


@dataclass
class Hit:
    exercise: str
    expression: str
    where: str
    quoted: str

    def __str__(self) -> str:
        return f"{self.exercise}: the text dictates `{self.expression}` (in {self.where}: {self.quoted!r})"


def found_in(cands: list[ast.expr], texts: list[tuple[str, str]], modules: frozenset[str], label: str) -> list[Hit]:
    """The candidates that ``texts`` contain (as code of the same structure, or as a formula in prose), with where."""
    hits = []
    covered: set[str] = set()
    for where, text in texts:
        prose, fragments = _prose_and_code(where, text)
        text_exprs = []
        for fragment in fragments:
            for tree in _parse(fragment):
                text_exprs += [
                    (n, fragment)
                    for n in ast.walk(tree)
                    if isinstance(n, ast.expr) and weight(n, modules) >= MIN_WEIGHT
                ]
        plain = _integral(prose.replace("`", ""))
        for cand in cands:
            shown = ast.unparse(cand)
            if shown in covered:
                continue
            quoted = next((frag for node, frag in text_exprs if matches(node, cand)), None)
            if quoted is None:
                m = formula_pattern(shown).search(plain)
                if m:
                    quoted = plain[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
            if quoted is not None:
                covered.add(shown)
                hits.append(Hit(label, shown, where, quoted.strip()[:160]))
    return hits


def contract_text(name: str) -> str:
    """The sentences of the exercise's contract (nnlib/contracts): what the exercise asks, declared once."""
    from nnlib.contracts import CONTRACTS

    contract = CONTRACTS.get(name)
    return "\n".join(c.sentence for c in contract.clauses()) if contract else ""


def dictated(exercise: Exercise, contract: str | None = None) -> list[Hit]:
    """The solution's expressions that the exercise's text gives away: found in the text and not in its contract.

    The contract's sentences say *what* the exercise computes (a formula the exercise is about, the order of
    the draws from ``rng`` that makes a result reproducible, ``round(rate * n)`` rows): the text must state
    them. Everything else of the solution's code in the text is a hint that dictates *how*.
    """
    label = f"{exercise.lesson} {exercise.name}"
    cands = candidates(exercise.solution, exercise.modules)
    contract = contract_text(exercise.name) if contract is None else contract
    spec = {h.expression for h in found_in(cands, [("the contract", contract)], exercise.modules, label)}
    hits = [h for h in found_in(cands, exercise.texts, exercise.modules, label) if h.expression not in spec]
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
    if hits:
        pytest.fail(
            "hints should point at the idea and the lesson's worked example, not give the code:\n"
            + "\n".join(map(str, hits))
        )


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_candidates_to_check(lesson):
    """The rule is not vacuous: every exercise whose solution is more than one step has expressions to look for."""
    for ex in _exercises(lesson):
        assert ex.texts, f"{ex.name}: no text found"
    assert any(candidates(ex.solution, ex.modules) for ex in _exercises(lesson)), lesson


# ----------------------------------------------------------------------------------------------------------------
# the checker can fail: hints quoted from the history, before commit 0e0b065 rewrote them to point at the idea
# (git show 0e0b065^:solutions/<lesson>/<lesson>.ipynb). Each is checked against today's solution.
# ----------------------------------------------------------------------------------------------------------------
OLD_HINTS = [
    # 0e0b065^ 02-activations, collapse_linear's stub
    (
        "02-activations",
        "collapse_linear",
        "    # Hint: the bias b1 also travels through W2. `@` works for a vector times a matrix: b1 @ W2 is (k,).\n",
        "b1 @ W2",
    ),
    # 0e0b065^ 02-activations, sigmoid's stub
    (
        "02-activations",
        "sigmoid",
        "    # Hint: e = np.exp(-np.abs(x)) never overflows.\n"
        "    # Hint: np.where(cond, a, b) picks a where cond is True and b elsewhere. It evaluates both a and b\n"
        "    #       everywhere, so neither of them may overflow anywhere, not only where it is picked.\n",
        "np.exp(-np.abs(x))",
    ),
    # 0e0b065^ 02-activations, attention's stub
    (
        "02-activations",
        "attention",
        "    # - d_k is the length of a query (the last axis of Q). np.swapaxes(K, -1, -2) transposes the last two\n"
        "    #   axes only, so it works for (n_k, d_k) and for a batch (b, n_k, d_k).\n"
        "    # - A forbidden key must get weight exactly 0: replace its score by -np.inf *before* your softmax\n"
        "    #   (np.where(mask, scores, -np.inf)); exp(-inf) is 0.\n",
        "np.where(mask, scores, -np.inf)",
    ),
    # 0e0b065^ 05-training, adam_step's stub
    (
        "05-training",
        "adam_step",
        "    # Hints: for state None, start from t = 0 and zero moments (np.zeros_like(W), np.zeros_like(b));\n"
        "    #        increase t by 1 first, then for each array: m = beta1 * m + (1 - beta1) * g,\n"
        "    #        v = beta2 * v + (1 - beta2) * g ** 2, p - lr * (m / (1 - beta1 ** t)) / "
        "(np.sqrt(v / (1 - beta2 ** t)) + eps).\n"
        "    #        Build new arrays and a new dict: no +=, no writing into state.\n",
        "m / (1.0 - beta1 ** t)",
    ),
    # 0e0b065^ 02-activations, collapse_linear's instant check (hint= of its visible checks, kept until this branch)
    (
        "02-activations",
        "collapse_linear",
        'expect_close(W, np.array([[4.0], [-4.0]]), call=call + "[0] (the weights W)",\n'
        '             hint="The weights multiply in the order the layers run: W1 @ W2, shape (d, k).")\n'
        'expect_close(b, np.array([4.5]), call=call + "[1] (the bias b)",\n'
        '             hint="b1 goes through the second layer too: b = b1 @ W2 + b2 (not b1 + b2).")\n',
        "b1 @ W2 + b2",
    ),
]


@pytest.mark.parametrize(
    "lesson, name, old_hint, expected", OLD_HINTS, ids=[f"{h[1]}-{i}" for i, h in enumerate(OLD_HINTS)]
)
def test_the_old_hints_are_flagged(lesson, name, old_hint, expected):
    """Today's solution with the text of the older hints: the checker names the dictated expression."""
    (exercise,) = [ex for ex in _exercises(lesson) if ex.name == name]
    where = "the stub of the old cell" if old_hint.lstrip().startswith("#") else "the instant check, old cell"
    old = Exercise(lesson, name, exercise.solution, [(where, old_hint)], exercise.modules)
    hits = dictated(old)
    assert any(h.expression == expected or expected in h.expression for h in hits), (
        f"{name}: the old hint dictates `{expected}`, and the checker found only {[str(h) for h in hits]}"
    )


def test_generic_vocabulary_is_not_flagged():
    """One operation on one quantity is vocabulary a text may name (the rule is not a ban on code)."""
    solution = "x = np.asarray(x, dtype=np.float64)\nn = x.shape[0]\nk = np.argmax(x, axis=-1)\nreturn k + n * x"
    text = "Convert with `np.asarray(x, dtype=np.float64)`; `x.shape[0]` is n; `np.argmax(x, axis=-1)` finds k."
    ex = Exercise("lesson", "toy", solution, [("markdown cell 0", text)], frozenset({"np"}))
    assert dictated(ex, contract="") == []
    told = Exercise("lesson", "toy", solution, [("markdown cell 0", text + " Return `k + n * x`.")], frozenset({"np"}))
    assert [h.expression for h in dictated(told, contract="")] == ["k + n * x"]


def test_the_contract_may_state_what_is_computed():
    """An expression the exercise's contract states (what to compute) is not a hint; the same one in a hint is."""
    solution = "m = int(round(rate * n))\nreturn rng.choice(n, size=m, replace=False)"
    text = "Change exactly `round(rate * n)` rows."
    ex = Exercise("lesson", "toy", solution, [("markdown cell 0", text)], frozenset({"np"}))
    assert [h.expression for h in dictated(ex, contract="")] == ["round(rate * n)"]
    assert dictated(ex, contract="exactly round(rate * n) labels changed") == []
