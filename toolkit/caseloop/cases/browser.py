"""The notebook browser: search box, filters, ranked results, the selected case in full."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from caseloop.cases.labels import MARKETS, OUTCOMES, PROBLEM_TYPES, Labels
from caseloop.cases.library import Library

if TYPE_CHECKING:
    import ipywidgets

def case_html(case: dict) -> str:
    """One case as HTML for the browser: what happened, what was done, the reply, the sources."""
    esc = html.escape

    def items(values: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul>"

    zh_type, en_type = PROBLEM_TYPES[case["problem_type"]]
    return (f"<h3>{esc(case['id'])} · {esc(case['title'])}</h3>"
            f"<p>{zh_type} {en_type} · {esc(case['market'])} · {esc(case['product_line'])} · {case['fulfilment']} · "
            f"{OUTCOMES[case['outcome']][0]} {case['outcome']} · {esc(str(case['date']))}</p>"
            f"<p>{esc(case['summary_zh'])}</p>"
            f"<p><b>买家消息 Buyer's message ({esc(case['buyer_name'])})</b></p>"
            f"<pre style='white-space:pre-wrap'>{esc(case['buyer_message'])}</pre>"
            f"<p><b>核心诉求 Core demand</b> {esc(case['core_demand'])}</p>"
            f"<p><b>根本原因 Root cause</b> {esc(case['root_cause'])}</p>"
            f"<p><b>处理步骤 Resolution</b></p>{items(case['resolution_steps'])}"
            f"<p><b>回复模板 Reply template</b></p>"
            f"<pre style='white-space:pre-wrap'>{esc(case['reply_template'])}</pre>"
            f"<p><b>要点 Key points</b></p>{items(case['key_points'])}"
            f"<p><b>经验 Lessons</b> {esc(case['lessons'])}</p>"
            f"<p><b>标签 Tags</b> {esc(', '.join(case['tags']))}</p>"
            f"<p><b>依据 Sources</b></p>{items(case['policy_sources'])}")


def browser(library: Library, limit: int = 20) -> ipywidgets.VBox:
    """An ipywidgets case browser for a notebook: type a query or a buyer's message, filter, read a case.

    The returned box exposes its controls as attributes (`query`, `problem_type`, `market`, `tag`,
    `results`, `detail`) so a notebook can preset them.
    """
    import ipywidgets as widgets

    def options(labels: Labels) -> list[tuple[str, str | None]]:
        return [("全部 / all", None)] + [(f"{zh} / {en}", key) for key, (zh, en) in labels.items()]

    tags = sorted({tag for case in library.cases for tag in case["tags"]})
    query = widgets.Text(placeholder="关键词或买家消息 / keywords or a buyer's message", description="搜索 Search")
    problem_type = widgets.Dropdown(options=options(PROBLEM_TYPES), description="类型 Type")
    market = widgets.Dropdown(options=options(MARKETS), description="站点 Market")
    tag = widgets.Dropdown(options=[("全部 / all", None)] + [(t, t) for t in tags], description="标签 Tag")
    results = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
    detail = widgets.HTML()

    def refresh(_: object = None) -> None:
        hits = library.search(query.value, tags=[tag.value] if tag.value else (), problem_type=problem_type.value,
                              market=market.value, limit=limit)
        results.options = [(f"{h.id} · {h.title}" + (f"  ({h.score:.1f})" if h.score else ""), h.id)
                           for h in hits.itertuples()]
        results.value = results.options[0][1] if results.options else None
        show()

    def show(_: object = None) -> None:
        empty = "<p>没有匹配的案例 / no matching case</p>"
        detail.value = case_html(library.case(results.value)) if results.value else empty

    for control in (query, problem_type, market, tag):
        control.observe(refresh, names="value")
    results.observe(show, names="value")
    box = widgets.VBox([widgets.HBox([query, problem_type]), widgets.HBox([market, tag]), results, detail])
    box.query, box.problem_type, box.market, box.tag, box.results, box.detail = (
        query, problem_type, market, tag, results, detail)
    refresh()
    return box
