"""The district inspection CA: a real certificate and key, written safely, kept unless forced."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.enforcement.squid.ca import CERT_FILE, KEY_FILE, fingerprint, generate_ca, write_ca
from boardline.model.errors import InputError

NOW = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def made() -> tuple[x509.Certificate, bytes]:
    cert_pem, key_pem = generate_ca("Test district CA", days=30, now=NOW)
    return x509.load_pem_x509_certificate(cert_pem), key_pem


def test_the_certificate_is_a_self_signed_ca_for_signing_certificates_only(
    made: tuple[x509.Certificate, bytes],
) -> None:
    cert, key_pem = made
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string().startswith("OU=Boardline content inspection,CN=Test")
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    assert not usage.value.digital_signature
    assert not usage.value.key_encipherment
    cert.verify_directly_issued_by(cert)  # the signature checks out with its own key
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 3072
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]


def test_validity_runs_from_an_hour_before_now_for_the_given_days(
    made: tuple[x509.Certificate, bytes],
) -> None:
    cert, _ = made
    assert cert.not_valid_before_utc == NOW - dt.timedelta(hours=1)
    assert cert.not_valid_after_utc == NOW + dt.timedelta(days=30)


@pytest.mark.parametrize(("name", "days", "field"), [("x", 0, "days"), ("  ", 30, "name")])
def test_bad_parameters_are_named(name: str, days: int, field: str) -> None:
    with pytest.raises(InputError) as caught:
        generate_ca(name, days=days)
    assert caught.value.problems[0].place.field == field


def test_the_key_is_private_and_the_fingerprint_matches(tmp_path: Path) -> None:
    files = write_ca(tmp_path / "ca", "Test district CA", days=10)
    assert files.key == tmp_path / "ca" / KEY_FILE
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.cert.stat().st_mode) == 0o644
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert files.fingerprint == cert.fingerprint(hashes.SHA256()).hex(":").upper()
    assert fingerprint(files.cert.read_bytes()) == files.fingerprint


def test_an_existing_ca_is_kept_unless_forced(tmp_path: Path) -> None:
    first = write_ca(tmp_path, "Test district CA", days=10)
    key_before = first.key.read_bytes()
    with pytest.raises(InputError) as caught:
        write_ca(tmp_path, "Test district CA", days=10)
    assert "--force" in str(caught.value)
    assert first.key.read_bytes() == key_before
    # Even a lone key (certificate lost) is not replaced silently.
    first.cert.unlink()
    with pytest.raises(InputError):
        write_ca(tmp_path, "Test district CA", days=10)
    second = write_ca(tmp_path, "Test district CA", days=10, force=True)
    assert second.key.read_bytes() != key_before
    assert stat.S_IMODE(second.key.stat().st_mode) == 0o600


def test_the_command_prints_the_fingerprint_and_how_to_distribute(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["squid", "ca", "--out", str(tmp_path), "--days", "5"])
    assert result.exit_code == 0, result.output
    cert_pem = (tmp_path / CERT_FILE).read_bytes()
    assert f"SHA-256 fingerprint: {fingerprint(cert_pem)}" in result.output
    assert "Group Policy" in result.output
    assert "never the key" in result.output
    name = x509.load_pem_x509_certificate(cert_pem).subject.rfc4514_string()
    assert "CN=Cut Bank School District inspection CA" in name

    again = runner.invoke(app, ["squid", "ca", "--out", str(tmp_path)])
    assert again.exit_code != 0
    assert "--force" in again.output
    assert (tmp_path / CERT_FILE).read_bytes() == cert_pem
