"""Rendering documents with a real office suite in tests: LibreOffice to PDF, poppler to text and images."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SOFFICE_TIMEOUT = 180  # seconds; a cold start on a busy 2-core machine takes several
POPPLER_TIMEOUT = 60


def need_tool(name: str) -> str:
    """The tool's path; skip with a message when it is missing, fail under CI=true where it must be there."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Debian: libreoffice-writer-nogui, poppler-utils)"
        if IN_CI:
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    return found


def to_pdf(path: Path) -> Path:
    """Convert one document to PDF next to it."""
    return to_pdfs([path])[0]


def to_pdfs(paths: list[Path]) -> list[Path]:
    """Convert documents of one folder to PDF in one soffice run (one start-up, the slow part)."""
    soffice = need_tool("soffice")
    outdir = paths[0].parent
    # A throwaway profile: two soffice processes sharing one profile wait on each other or fail.
    profile = Path(tempfile.mkdtemp(prefix="reform-lo-"))
    try:
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)]
        code, output = _run_in_own_group(cmd, SOFFICE_TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [outdir / (p.stem + ".pdf") for p in paths]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, f"soffice made no {missing} (exit {code}): {output}"
    return pdfs


def _run_in_own_group(cmd: list[str], timeout: int) -> tuple[int, str]:
    """Run cmd in a new process group, so that a hung conversion is ended with the soffice.bin it started."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"soffice did not finish within {timeout} s: {' '.join(cmd)}")
    return proc.returncode, output


def _poppler(tool: str, *args: str) -> str:
    done = subprocess.run([need_tool(tool), *args], capture_output=True, text=True, timeout=POPPLER_TIMEOUT,
                          check=True)
    return done.stdout


def pdf_text(pdf: Path) -> str:
    return _poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")


def page_count(pdf: Path) -> int:
    found = re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", str(pdf)), re.MULTILINE)
    assert found, f"pdfinfo gave no page count for {pdf}"
    return int(found[1])


def page_texts(pdf: Path, *, layout: bool = False) -> list[str]:
    """The text of each page; with layout=True a table row stays on one line, as printed."""
    style = ["-layout"] if layout else []
    return [_poppler("pdftotext", "-enc", "UTF-8", *style, "-f", str(n), "-l", str(n), str(pdf), "-")
            for n in range(1, page_count(pdf) + 1)]


@dataclass(frozen=True)
class Word:
    page: int
    x_min: float
    x_max: float
    text: str


def words(pdf: Path) -> list[Word]:
    """Every word with its horizontal extent in points, from pdftotext -bbox."""
    html = _poppler("pdftotext", "-enc", "UTF-8", "-bbox", str(pdf), "-")
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)
        if found:
            out.append(Word(page, float(found[1]), float(found[2]), found[3]))
    return out


def png_pages(pdf: Path, outdir: Path, *, dpi: int = 80) -> list[Path]:
    """Draw each page as a PNG (pdftoppm), e.g. to look at or to keep as a screenshot."""
    outdir.mkdir(parents=True, exist_ok=True)
    _poppler("pdftoppm", "-png", "-r", str(dpi), str(pdf), str(outdir / pdf.stem))
    return sorted(outdir.glob(f"{pdf.stem}-*.png"))
