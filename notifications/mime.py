"""Digest mail as bytes: a multipart/alternative message built directly, every header value cleaned where it is built.

Built by hand rather than with email.message.EmailMessage: the standard library's header machinery took about
9 ms a message here (and flattening 5 ms more), longer than sending it over loopback; this takes under 1 ms.
The result is plain RFC 5322/2045/2047: the tests read it back with `email.message_from_bytes(policy=default)`.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from notifications.channels import Attachment, Refused
from notifications.render import Rendered

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # the Cc, Zl and Zp characters
SPECIALS = re.compile(r'[][\\()<>@,:;".]')
ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\.][^\s@<>()\[\],;:\"\\]*$")


@dataclass(frozen=True)
class Outgoing:
    """One digest ready for SMTP: the envelope and the message's bytes."""

    sender: str
    recipient: str
    data: bytes
    message_id: str
    utf8: bool = False  # the address needs SMTPUTF8 (a non-ASCII mailbox)


def header_text(value: object, limit: int = 200) -> str:
    """Text made one header-safe line: CR, LF and every other control or line separator become a space."""
    text = str(value or "")
    if UNSAFE.search(text):
        text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())[:limit]


def clean_address(value: str) -> str:
    """An address as SMTP and the To header may carry it; Refused (for good) when it is not one."""
    address = str(value or "").strip()
    if not ADDRESS.match(address) or header_text(address) != address:
        raise Refused(f"收件地址格式不正确：{header_text(address, 80)!r}")
    return address


def encoded(text: str) -> str:
    """RFC 2047 encoded words (UTF-8, base64) for non-ASCII text, one per folded line; ASCII text as it is.

    Each word holds at most 45 bytes (60 base64 characters, 72 with its frame), cut between characters: at the
    last byte within the 45 that starts a character (UTF-8's continuation bytes are 10xxxxxx).
    """
    if text.isascii():
        return text
    data, words, start = text.encode("utf-8"), [], 0
    while len(data) - start > 45:
        cut = start + 45
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        words.append(data[start:cut])
        start = cut
    words.append(data[start:])
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def phrase(name: str) -> str:
    if not name.isascii():
        return encoded(name)
    if SPECIALS.search(name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


@lru_cache(maxsize=4096)  # the sender on every digest, each recipient on every batch
def mailbox(name: str, address: str) -> str:
    shown = header_text(name, 64)
    return f"{phrase(shown)} <{address}>" if shown else address


def _part(subtype: str, body: str, boundary: str) -> bytes:
    head = (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")
    return head.encode("ascii") + _base64(body.encode("utf-8"))


LINES = re.compile(rb".{1,76}", re.DOTALL)  # base64 lines, cut by the regex engine: a third faster than slicing


def _base64(data: bytes) -> bytes:
    return b"\r\n".join(LINES.findall(binascii.b2a_base64(data, newline=False))) + b"\r\n"


def _attachment(file: Attachment, boundary: str) -> bytes:
    """A file part: the name as RFC 2231 (filename*) and, for older clients, as an RFC 2047 word (name=)."""
    name = header_text(file.filename, 120).replace('"', "")
    media = header_text(file.media_type, 120)
    head = (f"--{boundary}\r\nContent-Type: {media}; name=\"{encoded(name).replace(chr(13) + chr(10) + ' ', '')}\"\r\n"
            f"Content-Disposition: attachment; filename*=UTF-8''{quote(name, safe='')}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")
    return head.encode("ascii") + _base64(file.content)


@lru_cache(maxsize=256)  # a batch's digests were mostly fired at the same instant
def _date(at: datetime) -> str:
    return format_datetime(at.astimezone(SHANGHAI))


def build(sender: str, sender_name: str, to: str, to_name: str, rendered: Rendered, message_id: str,
          at: datetime, attachments: Sequence[Attachment] = ()) -> Outgoing:
    """The digest as bytes; `at` (the Date) is when its items were fired, so every attempt reads the same.
    With attachments, a multipart/mixed whose first part is the text/HTML alternative."""
    address = clean_address(to)
    boundary = f"=_reform_{uuid.uuid4().hex}"
    outer = f"=_reform_m_{uuid.uuid4().hex}" if attachments else None
    headers = [
        f"Subject: {encoded(header_text(rendered.subject, 300))}",
        f"From: {mailbox(sender_name, sender)}",
        f"To: {mailbox(to_name, address)}",
        f"Date: {_date(at)}",
        f"Message-ID: {header_text(message_id)}",
        "MIME-Version: 1.0",
        "Auto-Submitted: auto-generated",  # RFC 3834: auto-responders must not answer a digest
        f'Content-Type: multipart/{"mixed" if outer else "alternative"}; boundary="{outer or boundary}"',
    ]
    head = ("\r\n".join(headers) + "\r\n\r\n").encode("utf-8")
    body = _part("plain", rendered.text, boundary) + _part("html", rendered.html, boundary)
    body += f"--{boundary}--\r\n".encode("ascii")
    if outer:
        body = (f'--{outer}\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii")
                + body + b"".join(_attachment(f, outer) for f in attachments) + f"--{outer}--\r\n".encode("ascii"))
    return Outgoing(sender, address, head + body, message_id, not address.isascii())
