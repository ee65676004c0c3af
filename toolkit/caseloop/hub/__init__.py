"""Many trainees on one server: the course on JupyterHub, each trainee and mentor with their own account.

`accounts` creates and lists the operating-system accounts of a course; `deploy` hands the course to
the grader account, links it to nbgrader's shared exchange and writes the hub's configuration.
"""
