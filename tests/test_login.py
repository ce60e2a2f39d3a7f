"""Logging in: the throttle on wrong passwords and the kernel's signed identity."""

import pytest

from kapot import KapotError
from kapot.server.login import LoginThrottle, sign_identity, verify_identity


def test_throttle_slows_down_repeated_failures():
    t = LoginThrottle(free=3, free_address=3, base=2.0, cap=60.0, window=900.0)
    for i in range(3):
        assert t.wait_seconds("anna", "10.0.0.1", now=100.0 + i) == 0
        t.failed("anna", "10.0.0.1", now=100.0 + i)
    assert t.wait_seconds("anna", "10.0.0.1", now=102.5) == pytest.approx(1.5)
    # the same login from another address, and another login from the same address: both slowed
    assert t.wait_seconds("anna", "10.0.0.9", now=102.5) > 0
    assert t.wait_seconds("boris", "10.0.0.1", now=102.5) > 0
    t.failed("anna", "10.0.0.1", now=104.0)
    assert t.wait_seconds("anna", "10.0.0.9", now=105.0) == pytest.approx(3.0)
    assert t.wait_seconds("anna", "10.0.0.9", now=2000.0) == 0  # the window has passed
    office = LoginThrottle(free=3, free_address=20)
    for i in range(3):
        office.failed(f"user{i}", "10.0.0.1", now=100.0)
    assert office.wait_seconds("someone", "10.0.0.1", now=100.5) == 0  # one NAT, many people


def test_signed_identity_cannot_be_forged_or_replayed_late():
    key = b"k" * 32
    token = sign_identity("anna", key, at=1000.0)
    assert verify_identity(token, key, now=1010.0) == "anna"
    assert verify_identity(token, b"x" * 32, now=1010.0) is None
    forged = token.replace("anna", "boris", 1)
    assert verify_identity(forged, key, now=1010.0) is None
    assert verify_identity(token, key, now=1000.0 + 3600) is None
    assert verify_identity("anna", key) is None and verify_identity("", key) is None


def test_only_a_valid_login_is_signed():
    with pytest.raises(KapotError):
        sign_identity("anna|admin", b"k" * 32)
