"""nbgrader configuration of nbgrader's own user-guide course (as its documentation sets it up).

The tests copy the course from ../shared/peer-courses/nbgrader-user-guide into a temporary folder
and add this file, the curriculum and the competency map beside it.
"""

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "example_course"
c.IncludeHeaderFooter.header = "source/header.ipynb"
c.Execute.timeout = 60
