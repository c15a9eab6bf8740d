"""The district's inspection CA: the certificate Squid signs its bumped certificates with.

Inspecting an upload to an HTTPS site means Squid must show the browser a
certificate for that site that the browser trusts. Squid makes one per site
on the fly (``generate-host-certificates``) and signs it with this CA, so the
CA's certificate must be installed on the district's devices and its key must
stay on the proxy: whoever holds the key can impersonate any website to those
devices. Hence the key is written readable by its owner only (0600), an
existing CA is never overwritten unless asked (replacing it silently would
break every device that trusts the old one), and the certificate carries
only what a CA needs: ``basicConstraints CA:true`` with no intermediate below
it (``pathlen:0``) and ``keyUsage`` limited to signing certificates and CRLs.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from boardline.model.errors import InputError

DEFAULT_NAME = "Cut Bank School District inspection CA"
DEFAULT_DAYS = 1825
#: RSA because every Squid build and every client platform handles it; 3072 bits
#: because the CA outlives the 2030 cut-off for 2048-bit keys.
KEY_BITS = 3072
CERT_FILE = "district-ca.crt"
KEY_FILE = "district-ca.key"


@dataclass(frozen=True, slots=True)
class CaFiles:
    """Where a CA was written, and its SHA-256 fingerprint (what devices are checked against)."""

    cert: Path
    key: Path
    fingerprint: str


def generate_ca(
    name: str = DEFAULT_NAME, *, days: int = DEFAULT_DAYS, now: dt.datetime | None = None
) -> tuple[bytes, bytes]:
    """A new CA: (certificate PEM, unencrypted PKCS#8 key PEM).

    The key is unencrypted because Squid reads it unattended at start-up; the
    file mode is what protects it (see :func:`write_ca`).
    """
    if days < 1:
        raise InputError.at("squid ca", f"must be at least 1, not {days}", field="days")
    if not name.strip() or len(name) > 64:
        raise InputError.at("squid ca", "must be 1 to 64 characters", field="name")
    start = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Boardline content inspection"),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        # An hour of slack for devices whose clocks run a little behind.
        .not_valid_before(start - dt.timedelta(hours=1))
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def fingerprint(cert_pem: bytes) -> str:
    """The SHA-256 fingerprint as browsers and ``openssl x509 -fingerprint`` print it."""
    digest = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)


def write_ca(
    out_dir: Path,
    name: str = DEFAULT_NAME,
    *,
    days: int = DEFAULT_DAYS,
    force: bool = False,
    now: dt.datetime | None = None,
) -> CaFiles:
    """Generate a CA into ``out_dir`` (certificate 0644, key 0600).

    Refuses when either file exists and ``force`` is false, before any key is
    made, so a second run cannot replace the CA devices already trust.
    """
    cert_path, key_path = out_dir / CERT_FILE, out_dir / KEY_FILE
    existing = [p for p in (cert_path, key_path) if p.exists()]
    if existing and not force:
        raise InputError.at(
            str(existing[0]),
            "a CA is already there; devices trust it, so it is kept (use --force to replace it)",
        )
    cert_pem, key_pem = generate_ca(name, days=days, now=now)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_private(key_path, key_pem)
        cert_path.write_bytes(cert_pem)
        cert_path.chmod(0o644)
    except OSError as exc:
        raise InputError.at(str(out_dir), f"cannot write the CA: {exc.strerror}") from exc
    return CaFiles(cert_path, key_path, fingerprint(cert_pem))


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` so that it is never readable by others, not even for a moment."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)  # O_CREAT's mode is filtered by the umask; 0600 survives any umask
