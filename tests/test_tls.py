"""rediss:// against a real TLS server with a certificate made here (Debian's redis-server)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from perfkit.connection import health, parse_redis_url, sync_client
from perfkit.embedded import EmbeddedServer, free_port


def _tls_capable_server() -> str | None:
    binary = shutil.which("redis-server")
    if binary is None or shutil.which("openssl") is None:
        return None
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    return binary if "redis" in version.lower() else None


def _make_ca_and_cert(directory: Path, name: str) -> tuple[Path, Path, Path]:
    ca_key, ca_crt = directory / f"{name}-ca.key", directory / f"{name}-ca.crt"
    key, csr, crt = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.crt"
    ext = directory / f"{name}.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}-ca",
        "-keyout", str(ca_key), "-out", str(ca_crt))  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", str(key), "-out", str(csr))  # fmt: skip
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "1", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return ca_crt, crt, key


def test_rediss_verifies_the_server_certificate(tmp_path: Path) -> None:
    binary = _tls_capable_server()
    if binary is None:
        pytest.skip("Debian's redis-server (built with TLS) and openssl are needed; "
                    "the embedded Valkey has no TLS. .ci/run installs redis-server.")  # fmt: skip
    ca, crt, key = _make_ca_and_cert(tmp_path, "good")
    wrong_ca, _, _ = _make_ca_and_cert(tmp_path, "wrong")
    tls_port = free_port()
    args = ("--tls-port", str(tls_port), "--tls-cert-file", str(crt),
            "--tls-key-file", str(key), "--tls-ca-cert-file", str(ca),
            "--tls-auth-clients", "no")  # fmt: skip
    with EmbeddedServer(binary, extra_args=args):
        good = sync_client(parse_redis_url(f"rediss://127.0.0.1:{tls_port}?ssl_ca_certs={ca}"))
        assert good.set("tls", "yes")
        assert good.get("tls") == b"yes"
        assert health(good).status == "healthy"
        good.close()
        wrong = sync_client(
            parse_redis_url(f"rediss://127.0.0.1:{tls_port}?ssl_ca_certs={wrong_ca}")
        )
        with pytest.raises(redis.ConnectionError, match=r"(?i)certificate"):
            wrong.ping()
        assert health(wrong).status == "unhealthy"
        wrong.close()
