"""Report stage: what leads act on, from the grade table, as HTML (zh or en), CSV and XLSX.

`tables` computes (pure functions over the grade table), `pages` renders with the words of
`wording`, `export` writes CSV and XLSX, `write` puts a course's reports on disk; charts are inline
SVG (`charts`).
"""

from caseloop.report.export import export_tables
from caseloop.report.pages import LANGUAGES, environment, render_cohort_report, render_trainee_reports
from caseloop.report.tables import CohortTables, cohort_tables, highlights
from caseloop.report.write import course_tables, run_lead_notebook, write_kpi_report, write_reports

__all__ = ["LANGUAGES", "CohortTables", "cohort_tables", "course_tables", "environment", "export_tables",
           "highlights", "render_cohort_report", "render_trainee_reports", "run_lead_notebook", "write_kpi_report",
           "write_reports"]
