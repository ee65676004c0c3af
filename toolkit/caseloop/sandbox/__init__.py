"""Trainee code in a sandbox: bubblewrap around a small runner, plain values out.

`bwrap` starts and talks to the sandbox from the grader's side (`seccomp` is its system-call
filter), `runner` is what runs inside it, and `values` turns answers into data and back. Nothing
here imports nbgrader, so the runner starts quickly inside the sandbox.
"""
