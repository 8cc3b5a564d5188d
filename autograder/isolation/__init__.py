"""The isolation engine: what keeps a learner's code away from the grade.

- ``sandbox``: the bubblewrap sandbox every learner process runs in; ``withheld``: the copy of nnlib inside it,
  with the graded lesson's references withheld.
- ``wire``: the data-only format between the judge and the sandbox; ``agent`` (run inside the learner's kernel,
  inlined by ``probe``) serves the learner's answers over it.
- ``judge``: the trusted process that runs the instructor's test cells on proxies of the learner's answers.

Imports only ``autograder.catalogue``, itself and ``autograder.integration.hygiene`` (plain file-copying helpers,
no nbgrader): never the preprocessors or the commands.
"""
