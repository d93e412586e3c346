"""Every `# type: ignore` names its mypy error code and says why (issue 9 item 6)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A comment token that carries an ignore: what follows it must be `[code, ...]  # reason`.
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)")
WELL_FORMED = re.compile(r"\[[a-z][a-z-]*(,\s*[a-z][a-z-]*)*\]\s+#\s*\S.{2,}")


def offences(source: str, name: str) -> list[str]:
    """Return `name:line text` for each ignore comment without an error code or without a reason."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = IGNORE.search(token.string)
        if match and not WELL_FORMED.match(match["rest"].strip()):
            found.append(f"{name}:{token.start[0]} {token.string}")
    return found


def test_the_rule_catches_bare_codeless_and_unexplained_ignores() -> None:
    source = (
        "a = 1  # type: ignore\n"
        "b = 2  # type: ignore[arg-type]\n"
        "c = 3  #type:ignore  # a reason but no code\n"
        "d = 4  # type: ignore[arg-type]  # the row was read above\n"
        "e = '# type: ignore'  # a string is not a comment\n"
        "f = 5  # type: ignore[union-attr, arg-type]  # two codes, one reason\n"
    )
    assert [o.split()[0] for o in offences(source, "x.py")] == ["x.py:1", "x.py:2", "x.py:3"]


def test_every_type_ignore_has_a_code_and_a_reason() -> None:
    files = [p for folder in ("bridge", "tests", "scripts") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 100
    bad = [o for p in files for o in offences(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert not bad, "write `# type: ignore[code]  # why` (or fix the type):\n" + "\n".join(bad)
