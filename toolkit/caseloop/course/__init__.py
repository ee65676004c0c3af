"""The course and its stores: the directory's layout, the gradebook, the grading journal, safe writes.

Every stage finds its files through `Course` (built from the course's nbgrader CourseDirectory
configuration), opens the gradebook through `caseloop.course.gradebook`, and writes through
`replacing` / `write_atomically`, or `staged` for a folder of outputs.
"""

from caseloop.course.layout import CONFIG_FILE, CURRICULUM_FILE, Course
from caseloop.files import CourseError, replacing, staged, write_atomically

__all__ = ["CONFIG_FILE", "CURRICULUM_FILE", "Course", "CourseError", "replacing", "staged", "write_atomically"]
