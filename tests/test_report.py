"""The Snakemake HTML report reviewers open: the claims first, then every table and figure,
each with its caption."""

from __future__ import annotations

import json
import re

import pytest

from workflow_run import run_ok


@pytest.mark.slow
def test_report_shows_claims_first_and_every_table_and_figure_with_a_caption_naming_the_paper(
    smoke_run, tmp_path
):
    report = tmp_path / "report.html"
    run_ok(smoke_run, "--configfile", "config/smoke.yaml", "--report", str(report))
    html = report.read_text()
    # the report page embeds its results as `var results = {path: {caption, data_uri, ...}}`
    found = re.search(r"var results = (\{.*?\});?\s*</script>", html, re.S)
    assert found, "no results block in the report"
    results = json.loads(found.group(1))
    produced = sorted(
        str(p.relative_to(smoke_run))
        for pattern in ("results/*/*.csv", "results/*/*/*.csv", "paper_figures/**/*.png")
        for p in smoke_run.glob(pattern)
    )
    table_i = "results/smoke/task_driven/table_I.csv"
    fig6 = "paper_figures/smoke/task_driven/fig6_qualitative_scene_recognition.png"
    assert table_i in produced and fig6 in produced
    missing = sorted(set(produced) - set(results))
    assert not missing, f"flag these outputs with report(...) and a caption: {missing}"
    for path in produced:
        entry = results[path]
        named = re.search(r"\b(Table|Fig\.|Sec\.) ", entry["caption"])
        assert named, f"{path}: the caption names no paper table, figure or section"
        assert entry["data_uri"].startswith("data:"), f"{path} is not embedded"
    assert "Table I</strong>" in results[table_i]["caption"]
    assert "Fig. 6" in results[fig6]["caption"]
    # the report lists its categories alphabetically (menu and overview): Claims come first
    found = re.search(r"var categories = (\{.*?\});?\s*</script>", html, re.S)
    assert found, "no categories block in the report"
    categories = sorted(json.loads(found.group(1)))
    assert categories[0] == "Claims", categories
    claims = json.loads(found.group(1))["Claims"]
    assert "results/smoke/claims.csv" in [p for paths in claims.values() for p in paths]
