"""What the repository's own files cite is in the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".txt"}
SKIPPED_DIRS = {"sample_events", "__pycache__", "build", "dist", "node_modules"}
# A document named in text: a relative path ending in .md (URLs are left alone).
CITATION = re.compile(r"(?<![\w./:-])([\w.-]+(?:/[\w.-]+)*\.md)\b")


def repository_files() -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            d
            for d in subdirectories
            if not d.startswith(".") and d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        ]
        found.extend(
            Path(directory, name) for name in files if Path(name).suffix in TEXT_SUFFIXES
        )
    return found


def test_every_document_a_file_cites_is_in_the_repository() -> None:
    documents = [p for p in repository_files() if p.suffix == ".md"]
    missing = []
    for path in repository_files():
        for cited in CITATION.findall(path.read_text(encoding="utf-8")):
            candidates = [ROOT / cited, path.parent / cited]
            if any(c.is_file() for c in candidates):
                continue
            if any(str(d).endswith(os.sep + cited) for d in documents):
                continue
            missing.append(f"{path.relative_to(ROOT)} cites {cited}")
    assert missing == []
