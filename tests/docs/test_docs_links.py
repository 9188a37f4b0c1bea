"""Every relative link of the documents leads somewhere.

README.md, docs/*.md and docs/results/*.md link to each other and into the
repository; a link must name a file or folder that exists, and a #fragment
must name a heading of the Markdown file it points into (GitHub's anchors:
lower case, punctuation dropped, spaces as hyphens, repeats numbered).

Run: /usr/bin/python3 -m pytest -q tests/docs/test_docs_links.py
"""
import glob
import os
import re
import sys

import pytest

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOCS = sorted(
    ["README.md"]
    + [os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "*.md"))]
    + [os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "results", "*.md"))]
)

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def prose(text):
    """The text outside fenced code blocks and inline code, line by line."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"`[^`]*`", "", line)


def anchors(text):
    """GitHub's anchors of the headings of a Markdown text."""
    seen, out = {}, set()
    for _, line in prose_with_code(text):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def prose_with_code(text):
    """Lines outside fenced blocks, inline code kept (headings may hold it)."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def links(doc):
    with open(os.path.join(REPO, doc)) as f:
        text = f.read()
    for number, line in prose(text):
        for target in LINK.findall(line):
            if not EXTERNAL.match(target):
                yield number, target


def broken(doc):
    """Messages for the links of one document that lead nowhere."""
    out = []
    for number, target in links(doc):
        path, _, fragment = target.partition("#")
        dest = (
            os.path.normpath(os.path.join(REPO, os.path.dirname(doc), path))
            if path
            else os.path.join(REPO, doc)
        )
        where = f"{doc}:{number}: ({target})"
        if not os.path.exists(dest):
            out.append(f"{where}: no such file")
        elif fragment and dest.endswith(".md"):
            with open(dest) as f:
                if fragment not in anchors(f.read()):
                    out.append(f"{where}: no heading #{fragment} in {os.path.relpath(dest, REPO)}")
    return out


@pytest.mark.parametrize("doc", DOCS)
def test_every_relative_link_resolves(doc):
    problems = broken(doc)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_check_catches_broken_links(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Its `second` part\n")
    (tmp_path / "README.md").write_text(
        "# R\n\n[ok](docs/a.md) [ok](docs/a.md#its-second-part) [ok](#r) [web](https://x.org/y)\n"
        "[gone](docs/b.md) [no heading](docs/a.md#third) [no anchor](#s)\n"
        "```\n[in code](nowhere.md)\n```\n`[inline](nowhere.md)`\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "REPO", str(tmp_path))
    problems = broken("README.md")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "(docs/b.md): no such file",
        "(docs/a.md#third): no heading #third in docs/a.md",
        "(#s): no heading #s in README.md",
    ]


def test_headings_become_githubs_anchors():
    text = "# Output: files, `spikes.h5`\n## Full scale, 5 seeds x 100 s\n## Tests\n## Tests\n"
    assert anchors(text) == {
        "output-files-spikesh5",
        "full-scale-5-seeds-x-100-s",
        "tests",
        "tests-1",
    }
