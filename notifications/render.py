"""Digest emails rendered from Jinja2 templates: Chinese, HTML and plain text, StrictUndefined."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications.channels import run_steps
from notifications.digest import DigestItem, sections, subject_for

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache
def environment() -> Environment:
    # auto_reload=False: the templates ship with the code; checking their mtime cost a stat per digest and part
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, auto_reload=False,
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def render_digest(recipient_name: str, items: list[DigestItem], base_url: str, generated_at: str) -> Rendered:
    """generated_at: when the items were fired, as people read it (2022年6月20日 09:00)."""
    return run_steps(digest_steps(recipient_name, items, base_url, generated_at))


def digest_steps(recipient_name: str, items: list[DigestItem], base_url: str, generated_at: str
                 ) -> Generator[None, None, Rendered]:
    """render_digest in two steps, the text part and then the HTML part."""
    grouped = sections(items)
    subject = subject_for(items, grouped)
    context = {"recipient_name": recipient_name or "您好", "sections": grouped, "count": len(items),
               "subject": subject, "base_url": base_url.rstrip("/"), "generated_at": generated_at}
    env = environment()
    text = env.get_template("digest.txt").render(context)
    yield
    return Rendered(subject, text, env.get_template("digest.html").render(context))
