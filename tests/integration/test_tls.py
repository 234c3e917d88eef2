"""`summitry serve --certfile --keyfile`: HTTPS with HSTS and secure cookies."""

import datetime
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_over_tls_with_hsts_and_secure_cookies(tmp_path):
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    env = {**os.environ, "SUMMITRY_DATA_DIR": str(tmp_path / "data")}
    env.pop("SUMMITRY_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "summitry", "migrate", "-v0"], env=env, check=True)
    proc = subprocess.Popen([sys.executable, "-m", "summitry", "serve", "--no-janus", "--port", str(port),
                             "--certfile", str(cert), "--keyfile", str(key)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.create_default_context(cafile=str(cert))
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"https://localhost:{port}/accounts/login/", context=ctx,
                                            timeout=1) as resp:
                    headers = resp.headers
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("summitry serve did not answer over TLS")
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        cookie = headers["Set-Cookie"]
        assert "csrftoken=" in cookie and "Secure" in cookie
        with pytest.raises(OSError):  # plain HTTP is not served on that port
            urllib.request.urlopen(f"http://localhost:{port}/accounts/login/", timeout=2)
    finally:
        proc.terminate()
        proc.wait(10)
