"""Exported tables: every report table as CSV, and cohort.xlsx, whose first sheet is the trainee x
competency grid a lead opens (percentages, frozen header, filters, headers in the report's language)
and whose other sheets are the long tables.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from caseloop.course import replacing
from caseloop.curriculum import Curriculum
from caseloop.report.tables import CohortTables
from caseloop.shares import percent

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

PERCENT = "0%"  # Excel's number format for a share shown as a whole percentage


def atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write FRAME as CSV at PATH, atomically."""
    with replacing(path) as partial:
        frame.to_csv(partial, index=False)
    return path


def competency_grid(tables: CohortTables, curriculum: Curriculum, lang: str) -> pd.DataFrame:
    """Trainee x competency mastery (0..1), with level and progress, headed in the report's language."""
    pick = 0 if lang == "zh" else 1
    grid = tables.mastery.pivot_table(index="trainee", columns="competency", values="mastery", observed=True)
    codes = list(curriculum.competencies)
    grid = grid.reindex(index=list(tables.levels["trainee"]), columns=codes)
    names = {level.id: (level.zh, level.en)[pick] for level in curriculum.certification}
    levels = pd.Series([names.get(level, "") for level in tables.levels["level"]], index=tables.levels["trainee"])
    done = tables.progress.set_index("trainee")
    header = {code: f"{code} {(c.zh, c.en)[pick]}" for code, c in curriculum.competencies.items()}
    table = grid.rename(columns=header)
    table.insert(0, ("学员", "Trainee")[pick], table.index)
    table[("等级", "Level")[pick]] = levels.reindex(table.index).fillna("").to_numpy()
    table[("已完成模块", "Modules done")[pick]] = done["done"].reindex(table.index).fillna(0).astype(int).to_numpy()
    table[("应完成模块", "Modules due")[pick]] = done["due"].reindex(table.index).fillna(0).astype(int).to_numpy()
    return table.reset_index(drop=True)


def export_tables(tables: CohortTables, out_dir: Path, curriculum: Curriculum | None = None,
                  lang: str = "zh") -> dict[str, Path]:
    """Every table as reports/<name>.csv, and all of them as sheets of reports/cohort.xlsx (atomically).

    With the curriculum, the workbook opens on the trainee x competency grid in `lang`.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for field in fields(tables):
        written[field.name] = atomic_csv(getattr(tables, field.name), out_dir / f"{field.name.replace('_', '-')}.csv")
    xlsx = out_dir / "cohort.xlsx"
    book = Workbook(write_only=True)  # streams rows: many times faster than pandas' cell-by-cell writer
    if curriculum is not None:
        grid = competency_grid(tables, curriculum, lang)
        sheet = book.create_sheet(("学员×能力", "Trainee x competency")[0 if lang == "zh" else 1])
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = f"A1:{_column(len(grid.columns))}{len(grid) + 1}"
        sheet.column_dimensions["A"].width = 16
        for index in range(2, len(grid.columns) + 1):
            sheet.column_dimensions[_column(index)].width = 14
        sheet.append(list(grid.columns))
        shares = set(range(1, 1 + len(curriculum.competencies)))
        for row in grid.astype(object).where(grid.notna(), None).itertuples(index=False):
            cells = []
            for position, value in enumerate(row):
                cell = WriteOnlyCell(sheet, value=value)
                if position in shares:
                    cell.number_format = PERCENT
                cells.append(cell)
            sheet.append(cells)
    for field in fields(tables):
        frame = getattr(tables, field.name)
        for column in frame.select_dtypes(include=["datetimetz"]).columns:
            frame = frame.assign(**{column: frame[column].dt.tz_localize(None)})
        sheet = book.create_sheet(field.name[:31])
        sheet.freeze_panes = "A2"
        sheet.append(list(frame.columns))
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            sheet.append(row)
    with replacing(xlsx) as partial:
        book.save(partial)
    written["xlsx"] = xlsx
    return written


def _column(index: int) -> str:
    """The spreadsheet letter(s) of the 1-based column INDEX (1 -> A, 27 -> AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def readable(frame: pd.DataFrame, percents: tuple[str, ...] = (), dates: tuple[str, ...] = ()) -> Styler:
    """FRAME for a person to read in a notebook: shares as whole percentages (half up), dates as
    YYYY-MM-DD, missing values as "—", no index."""
    def day(stamp: object) -> str:
        return "—" if stamp is None or pd.isna(stamp) else pd.Timestamp(stamp).strftime("%Y-%m-%d")

    formats = {**{c: percent for c in percents if c in frame}, **{c: day for c in dates if c in frame}}
    return frame.style.format(formats, na_rep="—").hide(axis="index")
