"""nbgrader configuration: the repository root is the caseloop course directory.

caseloop and the plain `nbgrader` command read this same file. Paths are relative to this file,
so the course works wherever it is cloned. For a JupyterHub deployment, see README.md.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = "caseloop"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# Single-machine course: the exchange lives inside the course directory (git-ignored).
c.Exchange.root = os.path.join(here, "exchange")

# Trainees answer between triple quotes; the released answer cell keeps the quotes and an
# empty line where the model answer was, instead of nbgrader's `raise NotImplementedError()`.
c.ClearSolutions.code_stub = {"python": ""}

# Each graded cell gets at most this long to run.
c.Execute.timeout = 60

# Keep the kernel's own start-up warnings out of grading output.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
