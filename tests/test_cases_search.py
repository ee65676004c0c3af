"""Finding cases: ranked search in English and Chinese, filters, similar cases, statistics and the notebook browser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pandas as pd
import pytest

from caseloop.cases import STAT_DIMENSIONS, Library, browser, case_stats
from caseloop.cli import main
from caseloop.course import CourseError
from caseloop.textindex import tokens
from conftest import REPO


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(REPO / "cases")


def test_tokens_mix_words_and_cjk_bigrams():
    assert tokens("Refunded the 2 boxes! 退款未收到") == ["refund", "2", "box", "退款", "款未", "未收", "收到"]


@pytest.mark.parametrize(("query", "expected"), [
    ("tracking says delivered but the parcel is not here", "C-0010"),
    ("size chart shoes run small exchange", "C-0021"),
    ("charger missing from the box", "C-0020"),
    ("buyer wants a gift card for removing feedback", "C-0007"),
    ("Wasserkocher zurücktreten", "C-0006"),
    ("物流停滞 A-to-z 索赔 耳机", "C-0001"),
    ("陶瓷杯 破损 退货运费", "C-0002"),
    ("意大利买家要求删除数据，问发票是否保留", "C-0042"),
    ("信用卡被盗刷 拒付", "C-0036"),
    ("退货已签收 仍未退款", "C-0027"),
])
def test_search_puts_the_expected_case_first(library, query, expected):
    assert library.search(query)["id"].iloc[0] == expected


def test_filters_narrow_the_results(library):
    hits = library.search("refund", market="UK", problem_type="refund_not_received")
    assert list(hits["id"]) == ["C-0027"]
    tagged = library.search("", tags=["FBA responsibility"])
    assert set(tagged["id"]) == {"C-0003", "C-0033", "C-0038", "C-0039", "C-0402"}
    assert (hits["score"] > 0).all() and (tagged["score"] == 0).all()
    with pytest.raises(CourseError, match="use one of"):
        library.search("refund", market="USA")


def test_archived_cases_only_when_asked(library):
    assert "C-0043" not in set(library.search("A-to-z claim answered on day five")["id"])
    assert library.search("A-to-z claim answered on day five", state=None)["id"].iloc[0] == "C-0043"


@pytest.mark.parametrize(("case_id", "expected"), [("C-0027", "refund_not_received"), ("C-0040", "data_request"),
                                                    ("C-0021", "wrong_size")])
def test_similar_cases_share_the_problem(library, case_id, expected):
    hits = library.similar(case_id, limit=3)
    assert case_id not in set(hits["id"])
    assert library.case(hits["id"].iloc[0])["problem_type"] == expected


@pytest.mark.parametrize(("message", "expected"), [
    ("my new bookshelf came with no screws, cant put it together", "C-0019"),
    ("买家说手机壳尺寸不对，摄像头孔位置不一样", "C-0023"),
])
def test_similar_to_a_new_buyer_message(library, message, expected):
    assert library.similar(text=message)["id"].iloc[0] == expected


def test_cli_search_and_similar_print_ranked_tables(capsys):
    assert main(["--course", str(REPO), "cases", "search", "陶瓷杯 破损", "--limit", "2"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:2] == ["id", "score"] and rows[1].startswith("C-0002") and len(rows) == 3
    assert main(["--course", str(REPO), "cases", "similar", "C-0099"]) == 2
    assert "no case C-0099" in capsys.readouterr().err
    assert main(["--course", str(REPO), "cases", "similar"]) == 2
    assert "give either a case id or --text" in capsys.readouterr().err
    assert main(["--course", str(REPO), "cases", "search", "zzzzqqq"]) == 0
    assert "no matching case" in capsys.readouterr().out


def test_stats_count_what_the_library_holds(library):
    approved = library.frame[library.frame["state"] == "approved"]
    stats = case_stats(approved)
    for dimension in STAT_DIMENSIONS:
        rows = stats[stats["dimension"] == dimension].set_index("value")
        assert rows["cases"].to_dict() == approved[dimension].value_counts().to_dict()
        assert (rows[["resolved", "partial", "failed"]].sum(axis=1) == rows["cases"]).all()
        assert list(rows["cases"]) == sorted(rows["cases"], reverse=True)
    assert stats.loc[stats["value"] == "damaged", "label"].item() == "商品破损 / damaged"


def test_stats_command_writes_table_and_chart(tmp_path, capsys, library):
    assert main(["--course", str(REPO), "cases", "stats", "--out", str(tmp_path)]) == 0
    assert "problem_type" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "case-stats.csv")
    assert set(table["dimension"]) == set(STAT_DIMENSIONS)
    page = (tmp_path / "case-stats.html").read_text(encoding="utf-8")
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(charts) == len(STAT_DIMENSIONS)
    bars = ElementTree.fromstring(charts[0]).findall("{http://www.w3.org/2000/svg}rect")
    approved = (library.frame["state"] == "approved").sum()
    counted = sum(int(bar.findtext("{http://www.w3.org/2000/svg}title").split(": ")[1]) for bar in bars
                  if bar.findtext("{http://www.w3.org/2000/svg}title"))
    assert counted == approved


def test_browser_searches_as_you_type_and_shows_the_case(library):
    box = browser(library)
    box.query.value = "陶瓷杯 破损"
    assert box.results.value == "C-0002"
    assert "two of them are smashed" in box.detail.value and "Ret4" in box.detail.value
    box.market.value = "JP"
    box.query.value = ""
    japan = library.frame[(library.frame["market"] == "JP") & (library.frame["state"] == "approved")]
    assert {value for _, value in box.results.options} == set(japan["id"]) >= {"C-0009", "C-0039"}
    box.problem_type.value = "chargeback"
    assert box.results.options == () and "no matching case" in box.detail.value


def test_a_broken_case_file_is_left_out_with_a_warning(tmp_path, capsys):
    folder = tmp_path / "cases"
    folder.mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    for name in ("sources.yaml", "C-0002.yaml", "C-0011.yaml"):
        (folder / name).write_bytes((REPO / "cases" / name).read_bytes())
    (folder / "C-0011.yaml").write_text("id: C-0011\ntitle: [unfinished\n", encoding="utf-8")
    with pytest.raises(CourseError, match="C-0011.yaml: line .*cases validate"):
        Library.load(folder)
    assert main(["--course", str(tmp_path), "cases", "search", "broken mugs"]) == 0
    captured = capsys.readouterr()
    assert "C-0002" in captured.out
    assert "left out 1 file(s)" in captured.err and "C-0011.yaml" in captured.err


@pytest.mark.parametrize(("query", "market", "problem"), [
    ("refund not received germany", "DE", "refund_not_received"),
    ("lost parcel from Germany", "DE", "item_not_received"),
    ("退款未收到 德国", "DE", "refund_not_received"),
    ("parcel arrived damaged, buyer in Japan", "JP", "damaged"),
    ("tracking says delivered but the parcel is not here, Japan", "JP", "item_not_received"),
    ("defective, stopped working, Japan", "JP", "defective"),
])
def test_search_ranks_the_problem_over_the_market(library, query, market, problem):
    """Every case of the problem asked about, in any market, ranks above the named market's other cases."""
    hits = library.search(query, limit=len(library.cases))
    assert hits["problem_type"].iloc[0] == problem
    on_topic = hits.index[hits["problem_type"] == problem]
    same_market_other_problem = hits.index[(hits["market"] == market) & (hits["problem_type"] != problem)]
    assert len(on_topic) >= 3 and len(same_market_other_problem) >= 1
    assert on_topic.max() < same_market_other_problem.min(), hits.head(15).to_string()


def test_a_market_alone_browses_that_market():
    library = Library.load(REPO / "cases")
    assert set(library.search("Germany", limit=100)["market"]) == {"DE"}
    assert set(library.search("日本站", limit=100)["market"]) == {"JP"}
