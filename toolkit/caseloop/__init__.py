"""caseloop: train e-commerce customer-service agents with Jupyter notebooks.

One module per pipeline stage: `release` (nbgrader generate + release), `grade` (collect +
autograde), `compile` (gradebook -> tidy grade table), `report` (competency reports), `revise`
(item analysis -> revision backlog), with `checks` for graded cells and `cases` for the case library.
"""

__version__ = "0.1.0"
