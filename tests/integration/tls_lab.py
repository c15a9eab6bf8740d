"""A stand-in HTTPS internet on loopback for the interception tests.

:class:`TlsOrigin` listens on a free port of a private loopback address with a
certificate for the social site (and a bank) signed by its own test CA, the
"public" CA a real site's certificate would chain to. Squid finds it through
its own ``hosts_file`` (a temp file mapping the names to that address), so no
name is resolved and nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from boardline.enforcement.squid.ca import generate_ca

#: The stand-in internet's address (no other test uses 127.0.44.0/24); the port is free.
ORIGIN_ADDRESS = "127.0.44.1"


@dataclass(frozen=True)
class PublicPki:
    """The origin's CA (what a browser trusts out of the box) and its server certificate."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_public_pki(folder: Path, names: tuple[str, ...]) -> PublicPki:
    """A test CA and a server certificate for ``names``, signed by it, written in ``folder``."""
    ca_pem, ca_key_pem = generate_ca("Boardline test public root", days=2)
    ca = x509.load_pem_x509_certificate(ca_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    pki = PublicPki(folder / "public-ca.crt", folder / "origin.crt", folder / "origin.key")
    pki.ca_cert.write_bytes(ca_pem)
    pki.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


class _Handler(BaseHTTPRequestHandler):
    server: TlsOrigin

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "-").split(":")[0]
        self.server.seen.append((self.command, host, self.path, len(body)))
        reply = f"origin: {host}{self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        return


class TlsOrigin(ThreadingHTTPServer):
    """HTTPS on ``ORIGIN_ADDRESS`` at a free port: 200 ``origin: <host><path>`` for anything."""

    daemon_threads = True

    def __init__(self, pki: PublicPki) -> None:
        super().__init__((ORIGIN_ADDRESS, 0), _Handler)
        self.port: int = self.server_address[1]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.seen: list[tuple[str, str, str, int]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self) -> TlsOrigin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


def write_hosts_file(path: Path, names: tuple[str, ...]) -> Path:
    """Squid's ``hosts_file``: every name at the stand-in internet's address."""
    path.write_text(f"{ORIGIN_ADDRESS} {' '.join(names)}\n", encoding="utf-8")
    path.chmod(0o644)
    return path
