"""``tpm_fit.render``: one registry of renderers keyed by (kind, format), and the models'
methods as thin calls into it, with unchanged output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import tpm_fit
from tpm_fit._render.cells import csv_table

RESULT = tpm_fit.recommend(company_size=40, product_complexity="high")
BRIEF = RESULT.brief()
PANEL = BRIEF.summarize_panel(
    [
        {"interviewer": "a", "competency": "communication", "level": 4, "evidence": "clear"},
        {"interviewer": "b", "competency": "communication", "level": 2, "evidence": "=HYPERLINK(1)"},
    ]
)
ROBUST = RESULT.robustness(samples=200)


@pytest.fixture(scope="module")
def log_objects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    path: Path = tmp_path_factory.mktemp("log") / "d.db"
    with tpm_fit.DecisionLog(path) as log:
        record = log.record(RESULT)
        review = log.review(record.decision_id, reviewer="lead-1", action="accept")
        return {
            "ChainReport": log.check(),
            "Replay": log.replay(record.decision_id),
            "LoggedDecision": log.get(record.decision_id),
            "Review": review,
            "LogHead": log.head(),
        }


def _objects(log_objects: dict[str, object]) -> dict[str, object]:
    book = tpm_fit.Rulebook.default()
    return {
        "Recommendation": RESULT,
        "RoleBrief": BRIEF,
        "PanelSummary": PANEL,
        "Robustness": ROBUST,
        "SensitivityReport": book.sensitivity(),
        "VerificationReport": book.verify(),
        "Rulebook": book,
        "Counterfactual": RESULT.counterfactuals()[1],
        **log_objects,
    }


#: Every kind the issue names has every format (CSV where a table makes sense).
EXPECTED = {
    "Recommendation": ("text", "markdown", "html", "csv", "json"),
    "RoleBrief": ("text", "markdown", "html", "csv", "json", "jsonld"),
    "PanelSummary": ("text", "markdown", "html", "csv", "json"),
    "Robustness": ("text", "markdown", "html", "csv", "json"),
    "SensitivityReport": ("text", "markdown", "html", "csv", "json"),
    "VerificationReport": ("text", "markdown", "html", "csv", "json"),
    "Rulebook": ("text", "markdown", "html", "csv", "json", "toml"),
    "ChainReport": ("text", "markdown", "html", "csv", "json"),
    "Replay": ("text", "markdown", "html", "csv", "json"),
    "LoggedDecision": ("text", "markdown", "html", "json"),
    "Review": ("text", "json"),
    "LogHead": ("text", "json"),
    "Counterfactual": ("text", "json"),
}


def test_every_kind_has_its_formats_and_each_renders(log_objects: dict[str, object]) -> None:
    for kind, obj in _objects(log_objects).items():
        assert tpm_fit.render_formats(obj) == EXPECTED[kind], kind
        for fmt in EXPECTED[kind]:
            text = tpm_fit.render(obj, fmt)
            assert text.strip(), (kind, fmt)
            if fmt == "json":  # the model's own field names: it reads back
                assert type(obj).model_validate_json(text) == obj, kind  # type: ignore[attr-defined]
            if fmt == "csv":
                rows = list(csv.reader(io.StringIO(text)))
                assert len({len(row) for row in rows}) == 1, (kind, rows[:2])


def test_the_methods_are_thin_calls_with_unchanged_output(log_objects: dict[str, object]) -> None:
    assert RESULT.explain(top=2) == tpm_fit.render(RESULT, "text", top=2)
    assert RESULT.to_markdown() == tpm_fit.render(RESULT, "markdown")
    assert RESULT._repr_html_() == tpm_fit.render(RESULT, "html")
    assert str(RESULT) == tpm_fit.render(RESULT)
    assert BRIEF.to_markdown() == tpm_fit.render(BRIEF, "markdown")
    assert BRIEF.to_html() == tpm_fit.render(BRIEF, "html")
    assert json.loads(tpm_fit.render(BRIEF, "jsonld")) == BRIEF.to_job_posting()
    assert PANEL.to_markdown() == tpm_fit.render(PANEL, "markdown")
    assert ROBUST.to_text() == str(ROBUST) == tpm_fit.render(ROBUST)
    for kind in ("ChainReport", "Replay"):
        obj = log_objects[kind]
        assert obj.to_text() == tpm_fit.render(obj)  # type: ignore[attr-defined]
    book = tpm_fit.Rulebook.default()
    assert book._repr_html_() == tpm_fit.render(book, "html")
    assert book.to_toml() == tpm_fit.render(book, "toml")


def test_a_format_a_kind_lacks_is_refused_naming_kind_format_and_the_valid_ones() -> None:
    with pytest.raises(tpm_fit.InvalidArgumentError) as caught:
        tpm_fit.render(RESULT.counterfactuals()[0], "csv")
    assert str(caught.value) == "format='csv': not available for a Counterfactual; valid: text, json"
    with pytest.raises(ValueError, match=r"format='yaml': not available for a Recommendation; valid: text, "):
        tpm_fit.render(RESULT, "yaml")


def test_an_option_a_rendering_does_not_take_is_refused() -> None:
    assert tpm_fit.render(RESULT, "markdown", top=1) == RESULT.to_markdown(top=1)
    with pytest.raises(tpm_fit.InvalidArgumentError) as caught:
        tpm_fit.render(RESULT, "html", top=1)
    assert str(caught.value) == "top=1: not an option of a Recommendation in html; valid: no options"


def test_an_object_tpm_fit_does_not_render_is_refused_with_the_kinds() -> None:
    with pytest.raises(TypeError, match=r"obj=\{\}: a dict, which tpm_fit does not render; valid: one of "):
        tpm_fit.render({}, "text")
    assert tpm_fit.render_formats(object()) == ()


def test_csv_trace_has_one_row_per_factor_with_unrounded_numbers() -> None:
    rows = list(csv.DictReader(io.StringIO(tpm_fit.render(RESULT, "csv"))))
    assert [row["factor"] for row in rows] == [step.factor for step in RESULT.trace]
    assert [float(row["contribution"]) for row in rows] == [step.contribution for step in RESULT.trace]


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    text = csv_table(("a", "b", "c"), [("=1+1", "-0.5", "@SUM(A1)")])
    assert text.splitlines()[1] == "'=1+1,-0.5,'@SUM(A1)"
    # A rating's evidence starts with who gave it, so it never starts a formula.
    assert "b (2): =HYPERLINK(1)" in tpm_fit.render(PANEL, "csv")


def test_html_escapes_every_text_from_the_panel() -> None:
    panel = BRIEF.summarize_panel(
        [{"interviewer": "a", "competency": "communication", "level": 3, "evidence": "<script>x</script>"}]
    )
    assert "<script>" not in tpm_fit.render(panel, "html")
    assert "&lt;script&gt;" in tpm_fit.render(panel, "html")
