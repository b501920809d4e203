"""The FHIR R4 client: one `httpx.Client`, bearer auth, every failure a distinct SyncError kind.

Calls are synchronous; the UI runs them on a background operation. `FhirClient.call` makes one
attempt; `get`, `search`, `pages` and `post_bundle` go through the Retrier (back-off, circuit,
offline state). Ids and versionIds are opaque strings; a Bundle's `next` link and `total` are
used when the server gives them, never assumed.

The server address must be https (loopback excepted: app.core.server_address): the client
refuses to be built otherwise, so nothing, the password least of all, is sent in clear. Patient
searches go as `POST [type]/_search` with a form body (`search`): identifiers, names and birth
dates never sit in a URL, where proxies and servers log them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.central import smart
from app.central.auth import BearerAuth, TokenStore
from app.central.capabilities import UNKNOWN, Capabilities, parse_capabilities
from app.central.errors import Kind, SyncError, raise_for_status
from app.central.replies import ReplyLimits, read_capped
from app.central.retry import Progress, Retrier, check_cancel
from app.core.fhir import entries, format_instant, next_link
from app.core.server_address import InsecureServer, check_server_url

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"
PROBE_TIMEOUT = 2.0
HEALTH_REPLY_BYTES = 64 * 1024  # a health answer is a few bytes
KEEP_ALIVE_S = 60.0  # an idle connection kept for the next request (the server keeps its own 75 s)


@dataclass(frozen=True)
class ClientConfig:
    server_url: str  # e.g. https://emr.example.qc.ca (FHIR base is server_url + fhir_path)
    username: str
    fhir_path: str = "/fhir"
    ca_bundle: str | None = None  # pinned CA certificates (PEM); None: the system's
    timeout: float = 30.0
    connect_timeout: float = 5.0
    page_size: int | None = None  # entries asked per page; None: limits.entries_per_page
    bundle_size: int = 100  # entries per pushed transaction
    limits: ReplyLimits = ReplyLimits()  # what a reply may hold (app.central.replies)

    def __post_init__(self) -> None:
        """A page size above the entries a page may hold would have every full page refused."""
        if self.page_size is None:
            object.__setattr__(self, "page_size", self.limits.entries_per_page)
        elif not 0 < self.page_size <= self.limits.entries_per_page:
            raise ValueError(f"page_size {self.page_size} outside "
                             f"1..{self.limits.entries_per_page}")


def probe(server_url: str, *, ca_bundle: str | None = None, timeout: float = PROBE_TIMEOUT,
          transport: httpx.BaseTransport | None = None) -> bool:
    """Whether the server at this address answers its `/health` (before any sign-in: no
    token, no session; the pinned CA bundle honoured). A plain-http address is refused
    without a byte sent."""
    try:
        server_url = check_server_url(server_url)
    except InsecureServer:
        return False
    config = ClientConfig(server_url, "", ca_bundle=ca_bundle)
    try:
        with (httpx.Client(verify=_verify(config), transport=transport,
                           timeout=httpx.Timeout(timeout), follow_redirects=False) as http,
              http.stream("GET", server_url.rstrip("/") + "/health") as streamed):
            read_capped(streamed, HEALTH_REPLY_BYTES, "GET health")
            return streamed.is_success
    except (httpx.HTTPError, SyncError):
        return False


def _verify(settings: ClientConfig) -> ssl.SSLContext | bool:
    if settings.ca_bundle:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    return True


def what(method: str, url: str) -> str:
    """A call's name for logs and errors: type and operation, never ids (`GET Patient/…`)."""
    path = urlsplit(url).path
    path = path.split("/fhir/", 1)[1] if "/fhir/" in path else path.lstrip("/")
    parts = [p for p in path.split("/") if p]
    shown = [p if p.startswith(("$", "_")) or (i % 2 == 0 and p[:1].isupper()) else "…"
             for i, p in enumerate(parts)]
    return f"{method} {'/'.join(shown)}"


class FhirClient:
    def __init__(self, settings: ClientConfig, *, transport: httpx.BaseTransport | None = None,
                 retrier: Retrier | None = None, token_store: TokenStore | None = None):
        check_server_url(settings.server_url)  # InsecureServer before any connection
        self.settings = settings
        root = settings.server_url.rstrip("/")
        self.base = root + settings.fhir_path
        store = token_store or TokenStore(root, settings.username)
        self.auth = BearerAuth(None, store)  # the token endpoint: discovered (endpoints)
        self._endpoints: smart.Endpoints | None = None
        self._discovery_lock = threading.Lock()
        self.retrier = retrier or Retrier()
        self.http = httpx.Client(
            auth=self.auth, transport=transport, verify=_verify(settings),
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            headers={"Accept": FHIR_JSON}, follow_redirects=False,
            limits=httpx.Limits(keepalive_expiry=KEEP_ALIVE_S))
        self._capabilities: Capabilities | None = None
        self._lock = threading.Lock()
        self.requests = 0  # FHIR calls made (figures, tests)
        self._clock = threading.local()  # per thread: charts opened in parallel keep theirs

    # -- session ---------------------------------------------------------------------------
    def endpoints(self) -> smart.Endpoints:
        """The server's sign-in endpoints, discovered once (app.central.smart)."""
        with self._discovery_lock:
            if self._endpoints is None:
                root = self.settings.server_url.rstrip("/")
                self._endpoints = smart.discover(self._discovery, self.base, root)
                self.auth.token_url = self._endpoints.token
            return self._endpoints

    def _discovery(self, url: str) -> Any | None:
        response = self._send(self.http.build_request(
            "GET", url, headers={"Accept": "application/json"}), auth=False)
        if response.status_code >= 500:
            raise_for_status(response, "GET .well-known")
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def sign_in(self, password: str, scope: str | None = None) -> None:
        """Password grant, only where the server advertises it (else SyncError CLIENT, the
        password not sent); the refresh token goes to the keyring, the password nowhere."""
        endpoints = self.endpoints()
        if not endpoints.password:
            raise SyncError(Kind.CLIENT, "the server does not offer the password grant")
        form = {"grant_type": "password", "username": self.settings.username,
                "password": password, **({"scope": scope} if scope else {})}
        self.auth.take_response(self._send(
            self.http.build_request("POST", endpoints.token, data=form), auth=False))

    def sign_in_browser(self, open_browser: Callable[[str], bool], scope: str, *,
                        timeout: float = 300.0, cancel: threading.Event | None = None) -> None:
        """SMART standalone launch: code + PKCE S256 in the system browser (`open_browser`,
        e.g. webbrowser.open; False: it could not be opened), back on a loopback redirect.
        SyncError CLIENT when the server offers no such sign-in, AUTH when it did not end
        well (refused, wrong state, not in `timeout`); Cancelled on `cancel`."""
        from app.central.loopback import LoopbackRedirect

        endpoints = self.endpoints()
        if not endpoints.browser:
            raise SyncError(Kind.CLIENT, "the server offers no code + PKCE sign-in")
        with LoopbackRedirect() as redirect:
            attempt = smart.AuthorizationRequest(redirect.redirect_uri, scope)
            if not open_browser(attempt.url(endpoints, self.base)):
                raise SyncError(Kind.CLIENT, "the system browser could not be opened")
            code = redirect.wait(attempt.state, timeout, cancel)
        self.auth.take_response(self._send(self.http.build_request(
            "POST", endpoints.token, data=attempt.token_form(code)), auth=False))

    def sign_out(self) -> None:
        """Revoke the refresh token on the server (best effort) and forget it locally."""
        refresh = self.auth.store.load()
        if refresh:
            with contextlib.suppress(SyncError):
                revocation = self.endpoints().revocation
                if revocation:
                    self._send(self.http.build_request("POST", revocation,
                                                       data={"token": refresh}), auth=False)
        self.auth.forget()

    def me(self) -> dict[str, Any]:
        return self.json("GET", self.settings.server_url.rstrip("/") + "/api/me")

    def close(self) -> None:
        self.http.close()

    # -- one attempt -----------------------------------------------------------------------
    def call(self, method: str, url: str, *, params: dict[str, Any] | None = None,
             body: dict[str, Any] | None = None,
             headers: dict[str, Any] | None = None) -> httpx.Response:
        """One request; 4xx/5xx, transport failures and timeouts raise SyncError."""
        content = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        hdrs = {"Content-Type": FHIR_JSON, **(headers or {})} if content else headers
        request = self.http.build_request(method, self.url(url), params=params,
                                          content=content, headers=hdrs)
        response = self._send(request)
        raise_for_status(response, what(method, url))
        return response

    def request(self, method: str, path: str, *, json_body: object = None,
                headers: dict[str, str] | None = None,
                auth: bool = True) -> httpx.Response:
        """One attempt at one of the server's other routes (`/api/…`, `/qhr/…`, `/health`), JSON
        in and out, through the same client, auth and reply cap; the status is the caller's to
        read. Transport failures and timeouts raise SyncError."""
        content = json.dumps(json_body).encode() if json_body is not None else None
        request = self.http.build_request(
            method, self.url(path), content=content,
            headers={"Accept": "application/json", **(headers or {}),
                     **({"Content-Type": "application/json"} if content is not None else {})})
        return self._send(request, auth=auth)

    def json(self, method: str, url: str, *, expect: str | None = None,
             **kw: Any) -> dict[str, Any]:
        response = self.call(method, url, **kw)
        self._clock.last = None
        stamp = response.headers.get("date")
        if stamp:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                self._clock.last = format_instant(parsedate_to_datetime(stamp))
        return decode(response, what(method, url), expect)

    @property
    def last_server_time(self) -> str | None:
        """The server's clock (its `Date`) at the last answer this thread read: each of the
        threads that open charts in parallel sees its own answer's, never another's later
        one (a cursor taken from another thread's clock would skip changes)."""
        return getattr(self._clock, "last", None)

    def _send(self, request: httpx.Request, auth: bool = True) -> httpx.Response:
        if auth and self.auth.token_url is None:
            self.endpoints()  # the refresh grant needs the token endpoint
        self.requests += 1
        name = what(request.method, str(request.url))
        started = time.perf_counter()
        try:
            streamed = (self.http.send(request, stream=True) if auth
                        else self.http.send(request, stream=True, auth=None))
            try:
                response = read_capped(streamed, self.settings.limits.reply_bytes, name)
            finally:
                streamed.close()
            log.debug("%s: %d in %.0f ms", name, response.status_code,
                      1000 * (time.perf_counter() - started))  # type and operation, no id
            return response
        except httpx.TimeoutException as err:
            raise SyncError(Kind.TIMEOUT, f"{name}: {type(err).__name__}") from err
        except httpx.DecodingError as err:
            raise SyncError(Kind.INVALID, f"{name}: undecodable body") from err
        except httpx.TransportError as err:
            if _tls_refused(err):
                raise SyncError(Kind.TLS, f"{name}: certificate not trusted") from err
            raise SyncError(Kind.NETWORK, f"{name}: {type(err).__name__}") from err

    def url(self, url: str) -> str:
        """Absolute URL on our server. A link pointing elsewhere is brought back to our base,
        so the bearer token never leaves for another host."""
        if url.startswith(("http://", "https://")):
            ours, theirs = urlsplit(self.base), urlsplit(url)
            if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc):
                return url
            path = theirs.path
            marker = ours.path.rstrip("/") + "/"
            rel = path.split(marker, 1)[1] if marker in path else path.lstrip("/")
            return f"{self.base}/{rel}" + (f"?{theirs.query}" if theirs.query else "")
        if url.startswith("/"):
            return self.settings.server_url.rstrip("/") + url
        return f"{self.base}/{url}"

    # -- with retries ----------------------------------------------------------------------
    def get(self, url: str, *, params: dict[str, Any] | list[tuple[str, str]] | None = None,
            expect: str | None = None,
            cancel: threading.Event | None = None) -> dict[str, Any]:
        return self.retrier.call(lambda: self.json("GET", url, params=params, expect=expect),
                                 cancel)

    def search(self, rtype: str, params: dict[str, str], *,
               cancel: threading.Event | None = None,
               attempts: int | None = None) -> dict[str, Any]:
        """The first page of a type-level search, sent as `POST [type]/_search` with the
        parameters in a form body (FHIR R4 3.1.0.8.1): nothing of the query in the URL.
        `attempts`: fewer than the retrier's for a search someone waits on."""
        def once() -> dict[str, Any]:
            request = self.http.build_request("POST", self.url(f"{rtype}/_search"), data=params,
                                              headers={"Content-Type": FORM})
            response = self._send(request)
            raise_for_status(response, what("POST", f"{rtype}/_search"))
            return decode(response, what("POST", f"{rtype}/_search"), "Bundle")
        return self.retrier.call(once, cancel, attempts)

    def capabilities(self, cancel: threading.Event | None = None) -> Capabilities:
        """The server's CapabilityStatement, read once. A `/metadata` that answers but not with
        a CapabilityStatement (404, 400, a searchset…) is no error and evicts nothing: the
        capabilities are UNKNOWN and sync tries optional features once. Only a server that
        cannot be reached (or refuses the session) fails here."""
        with self._lock:
            if self._capabilities is None:
                try:
                    answer = self.retrier.call(lambda: self.call("GET", "metadata"), cancel)
                    self._capabilities = parse_capabilities(
                        decode(answer, "GET metadata", None))
                except SyncError as err:
                    if err.kind in (Kind.NETWORK, Kind.TIMEOUT, Kind.OFFLINE, Kind.TLS,
                                    Kind.AUTH, Kind.SERVER, Kind.THROTTLED):
                        raise
                    log.info("no usable CapabilityStatement (%s): features tried once", err)
                    self._capabilities = UNKNOWN
            return self._capabilities

    def pages(self, url: str, params: dict[str, Any] | list[tuple[str, str]] | None = None, *,
              cancel: threading.Event | None = None,
              progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        """Each Bundle page of a search or history, following `next` while there is one."""
        done, next_params = 0, params
        next_url: str | None = url
        while next_url:
            check_cancel(cancel)
            page = self.get(next_url, params=next_params, expect="Bundle", cancel=cancel)
            yield page
            done += len(entries(page))
            if progress:
                total = page.get("total")
                progress(done, total if isinstance(total, int) else None)
            next_url, next_params = next_link(page), None

    def post_bundle(self, bundle: dict[str, Any],
                    cancel: threading.Event | None = None) -> dict[str, Any]:
        """POST a batch/transaction Bundle (retried: callers make its entries idempotent)."""
        return self.retrier.call(
            lambda: self.json("POST", "", body=bundle, expect="Bundle"), cancel)


def _tls_refused(err: Exception) -> bool:
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def decode(response: httpx.Response, name: str, expect: str | None) -> dict[str, Any]:
    """The body as a FHIR resource of type `expect`, or SyncError(INVALID)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError) as err:
        raise SyncError(Kind.INVALID, f"{name}: body is not JSON") from err
    if not isinstance(body, dict):
        raise SyncError(Kind.INVALID, f"{name}: body is not a JSON object")
    if expect and body.get("resourceType") != expect:
        raise SyncError(Kind.INVALID, f"{name}: body is not a {expect}")
    if expect == "Bundle" and not isinstance(body.get("entry", []), list):
        raise SyncError(Kind.INVALID, f"{name}: Bundle.entry is not a list")
    return body
