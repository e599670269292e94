"""Credentials kept sealed at rest: AES-256-GCM under a key derived from REFORM_SECRET_KEY.

A group robot's URL carries its access token and its 加签 secret signs every message: whoever reads them can post
to a government work group. A database dump, a backup archive or a reporting account showed both in the clear.
Columns of type `Sealed` hold `sealed:v1:` + base64url(nonce ‖ ciphertext ‖ tag), with the column's name as
associated data (a sealed secret moved into the URL column does not open). Lookups by value go through a keyed
digest (`digest`), never the ciphertext, which differs at every write.

The key belongs to the engine (its dialect carries the `Sealer`, set by the composition root), so two runtimes in
one process keep their own. A value written before sealing (no prefix) reads as written and is sealed when it is
next written (`reform init` seals them all). A value sealed under another key reads as `UNREADABLE`, which
cannot be written back: the row is kept as it is until it is entered again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "sealed:v1:"
UNREADABLE = "\x00sealed-under-another-key"
_NONCE = 12


class NoSealingKey(RuntimeError):
    """The engine was given no key: a credential can be neither sealed nor opened."""


class Sealer:
    """Seals and opens values under one key; `key` is called once, when first needed (a process that never reads
    a robot needs no key)."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key_source, self._keys = key, None

    def _derived(self) -> tuple[object, bytes]:
        if self._keys is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            try:
                root = self._key_source()
            except ValueError as exc:  # the settings' ConfigError: no key, or too short a one
                raise NoSealingKey(str(exc)) from exc
            self._keys = (AESGCM(hmac.new(root, b"reform sealing: aes-256-gcm", hashlib.sha256).digest()),
                          hmac.new(root, b"reform sealing: lookup digest", hashlib.sha256).digest())
        return self._keys

    def seal(self, value: str, label: str) -> str:
        aead, _ = self._derived()
        nonce = os.urandom(_NONCE)
        sealed = nonce + aead.encrypt(nonce, value.encode(), label.encode())
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, value: str, label: str) -> str:
        """The plain value, or UNREADABLE when it was sealed under another key (or altered)."""
        from cryptography.exceptions import InvalidTag

        aead, _ = self._derived()
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX):].encode())
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], label.encode()).decode()
        except (InvalidTag, ValueError):
            return UNREADABLE

    def digest(self, value: str) -> str:
        """A keyed digest of `value`: equal values give equal digests, and the digest tells nothing of the value."""
        _, key = self._derived()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def seal_with(engine, sealer: Sealer) -> None:
    """Give the engine (and every engine sharing its dialect: the readers' autocommit one) its key."""
    engine.dialect.reform_sealer = sealer


def sealer_of(bind) -> Sealer:
    """The sealer of a dialect, or of an engine, connection or session (through its dialect)."""
    if hasattr(bind, "get_bind"):  # a session
        bind = bind.get_bind()
    dialect = getattr(bind, "dialect", bind)
    found = getattr(dialect, "reform_sealer", None)
    if found is None:
        raise NoSealingKey("没有为数据库配置加密密钥：机器人地址与加签密钥须加密保存（由 reform 的运行环境设置）")
    return found


class Sealed(TypeDecorator):
    """A text column stored sealed; `label` (the column's name) is bound into each value."""

    impl = Text
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def process_bind_param(self, value, dialect):
        if not value or value.startswith(PREFIX):
            return value
        if value == UNREADABLE:
            raise ValueError(f"{self.label}: a value sealed under another key cannot be written back")
        return sealer_of(dialect).seal(value, self.label)

    def process_result_value(self, value, dialect):
        if not value or not value.startswith(PREFIX):
            return value  # empty, or written before sealing
        return sealer_of(dialect).open(value, self.label)
