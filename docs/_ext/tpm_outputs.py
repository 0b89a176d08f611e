"""Printed outputs in the documentation, generated from the code so that none can drift.

A Markdown page marks an output block with the Python expression that produces it::

    <!-- output: trace_table(recommend(company_size=12, product_complexity="high")) -->
    ...generated text...
    <!-- output:end -->

:func:`regenerate` evaluates each expression (with ``tpm_fit``, ``recommend`` and the helpers
below in scope) and puts its text between the markers. ``tests/test_docs.py`` checks that every
page is already regenerated; ``python docs/_ext/tpm_outputs.py README.md docs/*.md`` rewrites
them after a change to the rules or the wording.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import tpm_fit

_BLOCK = re.compile(r"(<!-- output: (?P<expr>.+?) -->\n)(?P<body>.*?)(<!-- output:end -->)", re.DOTALL)


def trace_table(result: tpm_fit.Recommendation) -> str:
    """The factors that fired, as a Markdown table with the score, then the verdict line."""
    lines = ["| factor | activation | contribution |", "|---|---:|---:|"]
    for step in result.trace:
        if step.contribution != 0.0:
            lines.append(f"| `{step.factor}` | {step.activation:.2f} | {step.contribution + 0.0:+.2f} |")
    lines.append(f"| **score** | | **{result.score + 0.0:+.2f}** |")
    seat = ", ".join(face.value for face in result.seat) or "empty (no hire needed)"
    lines += [
        "",
        f"Seat: {result.role_shape.value}, {seat}. Verdict **{result.verdict.value}**."
        + (
            f" Risks: {', '.join(f'`{risk.id}` (if hired {risk.if_hired})' for risk in result.risks)}."
            if result.risks
            else ""
        ),
    ]
    return "\n".join(lines)


def text_block(text: str) -> str:
    """``text`` as a fenced text block."""
    return f"```text\n{text}\n```"


def _namespace() -> dict[str, Any]:
    return {
        "tpm_fit": tpm_fit,
        "recommend": tpm_fit.recommend,
        "trace_table": trace_table,
        "text_block": text_block,
    }


def regenerate(markdown: str) -> str:
    """``markdown`` with every output block replaced by what its expression gives now."""
    namespace = _namespace()

    def fill(match: re.Match[str]) -> str:
        value = eval(match.group("expr"), namespace)
        return f"{match.group(1)}{value}\n{match.group(4)}"

    return _BLOCK.sub(fill, markdown)


def main(paths: list[str]) -> int:
    """Rewrite each page whose outputs changed; print the ones rewritten."""
    for name in paths:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        new = regenerate(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"regenerated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
