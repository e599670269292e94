"""Settings refuse what cannot work, in one line, before anything is served."""

from __future__ import annotations

import pytest

from config.settings import ConfigError, Settings, parse_instant


def test_a_secret_key_is_required_outside_demo_mode():
    with pytest.raises(ConfigError, match="REFORM_SECRET_KEY"):
        Settings(secret_key=None, demo=False).session_secret()
    with pytest.raises(ConfigError, match="太短"):
        Settings(secret_key="short", demo=False).session_secret()


def test_the_signing_key_is_derived_not_padded():
    one = Settings(secret_key="a" * 20).session_secret()
    other = Settings(secret_key="a" * 20 + "b").session_secret()
    assert len(one) == 32 and one != other and b"0000" not in one
    demo = Settings(secret_key=None, demo=True)
    assert demo.session_secret() != demo.session_secret()  # generated afresh in demo mode


def test_reform_now_without_offset_is_beijing_time_and_nonsense_is_refused():
    assert parse_instant("2022-06-20T09:00:00").utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(ValueError):
        Settings(now="next tuesday")


def test_serve_without_a_key_is_a_one_line_error(cli, capsys, monkeypatch):
    monkeypatch.delenv("REFORM_DEMO", raising=False)
    monkeypatch.delenv("REFORM_SECRET_KEY", raising=False)
    import uvicorn

    def must_not_serve(*args, **kwargs):
        raise AssertionError("served without a secret key")

    monkeypatch.setattr(uvicorn, "run", must_not_serve)
    assert cli(["serve", "--no-scheduler"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "REFORM_SECRET_KEY" in err
