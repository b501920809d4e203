"""Sign-in, refresh and sign-out against the real server (tokens in the real Secret Service),
and TLS verification with a pinned CA bundle against a real TLS listener on loopback."""

import datetime
import ipaddress
import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.errors import Kind, SyncError
from tests.fixtures.sync import PHYSICIAN, PHYSICIAN_PASSWORD, sync_pid


@pytest.fixture
def tokens(sync_server):
    store = TokenStore(sync_server.base, PHYSICIAN, service=f"ClinicDesk sync test {uuid.uuid4()}")
    yield store
    store.delete()


def client(base: str, tokens: TokenStore) -> FhirClient:
    return FhirClient(ClientConfig(base, PHYSICIAN), token_store=tokens)


def test_a_rejected_access_token_is_refreshed_once(sync_server, tokens):
    c = client(sync_server.base, tokens)
    c.sign_in(PHYSICIAN_PASSWORD)
    first = tokens.load()
    c.auth._access.token = "not-a-token"  # what an expired or server-revoked one looks like
    assert c.get(f"Patient/{sync_pid(0)}", expect="Patient")["id"] == sync_pid(0)
    assert c.auth.refreshes == 1 and tokens.load() not in (None, first)  # rotated, kept
    c.close()


def test_a_new_session_resumes_from_the_keyring_without_the_password(sync_server, tokens):
    c = client(sync_server.base, tokens)
    c.sign_in(PHYSICIAN_PASSWORD)
    c.close()
    again = client(sync_server.base, tokens)
    assert again.me()["username"] == PHYSICIAN
    again.close()


def test_sign_out_revokes_on_the_server_and_forgets_locally(sync_server, tokens):
    c = client(sync_server.base, tokens)
    c.sign_in(PHYSICIAN_PASSWORD)
    refresh = tokens.load()
    c.sign_out()
    assert tokens.load() is None
    answer = httpx.post(f"{sync_server.base}/oauth/token",
                        data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert answer.status_code in (400, 401)
    with pytest.raises(SyncError) as caught:
        c.get(f"Patient/{sync_pid(0)}")
    assert caught.value.kind is Kind.AUTH
    c.close()


def test_a_wrong_password_is_an_auth_error(sync_server, tokens):
    with pytest.raises(SyncError) as caught:
        client(sync_server.base, tokens).sign_in("not the password")
    assert caught.value.kind is Kind.AUTH and tokens.load() is None


# -- TLS ---------------------------------------------------------------------------------------
def _cert(subject: str, key, issuer_name, issuer_key, ca: bool):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("tls")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ClinicDesk test CA")])
    ca = _cert("ClinicDesk test CA", ca_key, ca_name, ca_key, ca=True)
    leaf = _cert("127.0.0.1", key, ca_name, ca_key, ca=False)
    (work / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (work / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (work / "leaf.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = json.dumps({"resourceType": "CapabilityStatement", "rest": []}).encode()
            if self.path.endswith("/.well-known/smart-configuration"):
                body = json.dumps({"token_endpoint": f"https://{self.headers['Host']}/t"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"access_token": "a", "expires_in": 900}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(work / "leaf.pem", work / "leaf.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(work / "ca.pem")
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_pinned_ca_bundle_is_trusted_and_the_system_store_is_not(tls_server):
    url, ca = tls_server
    store = TokenStore(url, "t", service=f"ClinicDesk sync test {uuid.uuid4()}")
    store.save("r")
    try:
        pinned = FhirClient(ClientConfig(url, "t", ca_bundle=ca), token_store=store)
        assert pinned.capabilities().fhir_version == ""
        pinned.close()
        default = FhirClient(ClientConfig(url, "t"), token_store=store)
        with pytest.raises(SyncError) as caught:
            default.get("metadata")
        assert caught.value.kind is Kind.TLS and not caught.value.transient
        default.close()
    finally:
        store.delete()
