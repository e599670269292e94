"""SMTP login and STARTTLS come from configuration, against a real aiosmtpd server; failures defer, never lose."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import Session, select

from engine.outbox import OutboxMessage
from tests.mail_support import free_port, mail_runtime
from tests.world import bj
from tests.world import esc_measure as measure
from tests.world import esc_people as people


class Recorder:
    """Keeps (authenticated login, tls, raw message) of every delivery."""

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, bool, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.decode() if session.authenticated else None
        self.seen.append((login, session.ssl is not None, envelope.original_content))
        return "250 OK"


def only_reform(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"reform", b"s3cret")
    # handled=False: a refusal is answered (no 60 s hang); auth_data is what the session keeps as its login
    return AuthResult(success=good, handled=False, auth_data=auth_data.login if good else None)


def one_overdue_measure(rt) -> None:
    people(rt, ("clerk", "unit_staff", "区市场监管局"))
    measure(rt, date(2022, 6, 10))
    rt.clock.set(bj("2022-06-20 09:00"))
    assert sum(rt.sweep(rt.clock.now()).fired.values()) == 1


def statuses(rt) -> list[tuple[str, int, str]]:
    with Session(rt.engine) as session:
        return [(r.status, r.attempts, r.last_error) for r in session.exec(select(OutboxMessage))]


@pytest.fixture
def served():
    started = []

    def serve(**kwargs) -> tuple[Recorder, int]:
        recorder, port = Recorder(), free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return recorder, port

    yield serve
    for controller in started:
        controller.stop()


def test_login_from_settings_and_a_wrong_password_defers(rt, served):
    recorder, port = served(authenticator=only_reform, auth_require_tls=False)
    wrong = mail_runtime(rt, smtp_port=port, smtp_username="reform", smtp_password="wrong")
    one_overdue_measure(wrong)
    rows = len(statuses(wrong))
    result = wrong.flush()
    assert rows >= 1 and (result.sent, result.deferred) == (0, rows) and recorder.seen == []
    assert all(status == "queued" and attempts == 1 and "535" in error for status, attempts, error in statuses(wrong))
    right = mail_runtime(rt, smtp_port=port, smtp_username="reform", smtp_password="s3cret")
    right.clock.advance(timedelta(hours=1))
    sent = right.flush()
    assert sent.sent == rows and len(recorder.seen) == sent.emails
    assert {(login, tls) for login, tls, _ in recorder.seen} == {("reform", False)}
    assert right.flush().sent == 0 and len(recorder.seen) == sent.emails


def self_signed(tmp_path) -> tuple[ssl.SSLContext, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_starttls_is_required_verified_and_used(rt, served, tmp_path, monkeypatch):
    context, cert_file = self_signed(tmp_path)
    recorder, port = served(tls_context=context, require_starttls=True, authenticator=only_reform)
    plain = mail_runtime(rt, smtp_port=port, smtp_starttls=False)
    one_overdue_measure(plain)
    rows = len(statuses(plain))
    assert plain.flush().deferred == rows and recorder.seen == []  # the server insists on STARTTLS
    tls = mail_runtime(rt, smtp_port=port, smtp_starttls=True, smtp_username="reform", smtp_password="s3cret")
    tls.clock.advance(timedelta(hours=1))
    assert tls.flush().deferred == rows and "certificate" in statuses(tls)[0][2].lower()  # untrusted: refused
    monkeypatch.setenv("SSL_CERT_FILE", cert_file)  # now the client trusts this server's certificate
    tls.clock.advance(timedelta(hours=1))
    assert tls.flush().sent == rows
    assert {(login, secure) for login, secure, _ in recorder.seen} == {("reform", True)}
