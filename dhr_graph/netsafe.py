"""HTTP to remote stores, done safely: checked URLs, credentials, redaction, limits.

* Only `http://` and `https://` URLs with a host; whitespace and control characters (a CR/LF
  could inject a header) are refused with one line.
* Credentials come from, in this order: user-info in the URL (`http://user:pw@host/...`), the
  environment (`DHR_GRAPH_TOKEN` as a bearer token, or `DHR_GRAPH_USER` and
  `DHR_GRAPH_PASSWORD`), or `~/.netrc` (`$NETRC` names another file). They are sent as an
  `Authorization` header to that host only: redirects are never followed. A server that wants
  HTTP Digest instead (Virtuoso's Graph Store endpoint) gets a Digest answer (httpdigest.py).
* Every URL shown in a message or a log line goes through `redact_url`, and every message goes
  through `Target.redact`, which also removes the secret values wherever a server echoed them.
* A request has an overall deadline (a server dripping one byte at a time is cut off, not only
  an idle one) and a cap on the size of the answer, which is refused before it is read past.
* The proxy named by `http_proxy` / `https_proxy` (and `no_proxy`) is used, as urllib does.
* A redirect is an error, never followed: following a 301/302/303 turns a POST or PUT into a
  GET, which would make an upload "succeed" without storing anything.
"""

from __future__ import annotations

import contextlib
import base64
import http.client
import logging
import netrc
import os
import re
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import RemoteError
from .httpdigest import DigestState

log = logging.getLogger(__name__)

TIMEOUT_S = 60.0
MAX_RESPONSE_BYTES = 128 * 2**20
_CHUNK = 1 << 16
_MASK = "***"
# query parameters whose values are hidden: any name containing one of these words
_SECRET_WORDS = ("token", "key", "pass", "pwd", "secret", "auth", "sig", "credential", "session", "cookie")
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


_USERINFO_RE = re.compile(r"[^\s/@]+@")  # anything up to an @ after a slash or the start: user-info


def redact_url(url: str) -> str:
    """`url` fit to print: user-info and the values of secret-looking parameters as `***`."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return _MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = []
        for item in query.split("&"):
            name, sep, value = item.partition("=")
            pairs.append(f"{name}={_MASK}" if sep and value and _secret_name(urllib.parse.unquote_plus(name))
                         else item)
        query = "&".join(pairs)
    shown = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    # a malformed URL ("user:pw@host/x", "http:/user:pw@host") keeps its user-info outside the netloc
    return _USERINFO_RE.sub(f"{_MASK}@", shown)


@dataclass(frozen=True)
class Target:
    """A checked http(s) URL, its credentials, and how to show it."""

    url: str  # without user-info: what is sent on the wire
    display: str  # redacted: what is printed and logged
    authorization: str | None = field(default=None, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    credentials_from: str | None = None  # "the URL", "the environment" or a netrc file, for messages
    login: tuple[str, str] | None = field(default=None, repr=False)  # user and password, for Digest

    def redact(self, text: str) -> str:
        """`text` with every secret value and the raw URL replaced, whatever echoed them."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, _MASK)
        return text

    def with_query(self, **params: str) -> Target:
        """The same endpoint with extra query parameters (credentials kept)."""
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        sep = "&" if urllib.parse.urlsplit(self.url).query else "?"
        url = f"{self.url}{sep}{query}"
        return replace(self, url=url, display=redact_url(url))


def check_url(url: str, what: str = "URL") -> urllib.parse.SplitResult:
    """Refuse anything but an absolute http(s) URL with a host, in one line."""
    if not isinstance(url, str) or not url:
        raise RemoteError(f"{what}: empty; give an http:// or https:// URL")
    if _BAD_CHARS.search(url):
        raise RemoteError(f"{what} {redact_url(url)!r}: spaces and control characters are not allowed "
                          "in a URL (percent-encode them)")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RemoteError(f"{what} {redact_url(url)}: not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = "it has no http:// or https://"  # the "scheme" of user:pw@host is the user name: not shown
        raise RemoteError(f"{what} {redact_url(url)}: only http:// and https:// URLs are accepted ({shown})")
    if not parts.hostname:
        raise RemoteError(f"{what} {redact_url(url)}: the URL has no host")
    if port == 0:
        raise RemoteError(f"{what} {redact_url(url)}: port 0 is not a valid port")
    return parts


def target(url: str, what: str = "URL") -> Target:
    """Check `url` and find its credentials (URL, then environment, then netrc)."""
    parts = check_url(url, what)
    secrets: list[str] = []
    netloc = parts.netloc
    user = password = None
    source = None
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        raw_user, _, raw_password = userinfo.partition(":")
        user, password = urllib.parse.unquote(raw_user), urllib.parse.unquote(raw_password)
        secrets += [userinfo, raw_user, raw_password, user, password]
        source = "the URL"
    clean = urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    for item in parts.query.split("&"):
        name, sep, value = item.partition("=")
        if sep and value and _secret_name(urllib.parse.unquote_plus(name)):
            secrets += [value, urllib.parse.unquote_plus(value)]
    authorization = None
    login = None
    if user is not None:
        authorization = _basic(user, password or "")
        login = (user, password or "")
    else:
        token = os.environ.get("DHR_GRAPH_TOKEN")
        env_user = os.environ.get("DHR_GRAPH_USER")
        if token:
            authorization, source = f"Bearer {token}", "the environment"
            secrets.append(token)
        elif env_user:
            env_password = os.environ.get("DHR_GRAPH_PASSWORD", "")
            authorization, source = _basic(env_user, env_password), "the environment"
            login = (env_user, env_password)
            secrets.append(env_password)
        else:
            found = _from_netrc(parts.hostname or "")
            if found:
                login_name, netrc_password, source = found
                authorization = _basic(login_name, netrc_password)
                login = (login_name, netrc_password)
                secrets.append(netrc_password)
    if authorization:
        secrets.append(authorization.split(" ", 1)[1])
    if authorization and parts.scheme.lower() == "http" and not _loopback(parts.hostname or ""):
        log.warning("%s: credentials sent over plain http (not encrypted)", redact_url(url))
    return Target(clean, redact_url(clean), authorization, tuple(s for s in secrets if len(s) >= 3), source, login)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def _from_netrc(host: str) -> tuple[str, str, str] | None:
    """(login, password, file) for `host` from $NETRC or ~/.netrc, if the file has it."""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except netrc.NetrcParseError as exc:  # its message may quote a password: give the line only
        raise RemoteError(f"{path}:{exc.lineno}: cannot read this netrc file") from None
    except OSError as exc:
        raise RemoteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not entry:
        return None
    login, _, password = entry
    return login or "", password or "", str(path)


@dataclass
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class Client:
    """HTTP/1.1 requests to one endpoint's host over a reused connection, with the rules above."""

    def __init__(self, base: Target, timeout: float = TIMEOUT_S, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.base = base
        self.timeout = timeout
        self.max_bytes = max_bytes
        parts = urllib.parse.urlsplit(base.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._conn: http.client.HTTPConnection | None = None
        self._proxy = _proxy_for(parts.scheme, self._host)
        self._digest = DigestState()  # per connection: the nonce count of a Digest challenge goes up in order

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port, proxy = self._host, self._port, self._proxy
            if proxy is not None:  # the proxy of the environment (http_proxy, https_proxy, no_proxy)
                host, port = proxy.hostname or "", proxy.port
            if self._https and proxy is None:
                self._conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                         context=ssl.create_default_context())
            elif self._https and proxy is not None:  # CONNECT through the proxy, then TLS to the endpoint
                self._conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                         context=ssl.create_default_context())
                self._conn.set_tunnel(self._host, self._port, headers=_proxy_auth(proxy))
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        return self._conn

    def request(self, method: str, where: Target, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        """Send one request and read the whole answer within the deadline and the size cap.

        Any answer is returned, whatever its status, except a redirect, which raises.
        """
        parts = urllib.parse.urlsplit(where.url)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        sent = {"Host": parts.netloc, "User-Agent": "dhr-graph", **(headers or {})}
        if self._proxy is not None and not self._https:  # a plain-http proxy is sent the whole URL
            path = where.url
            sent.update(_proxy_auth(self._proxy))
        if where.authorization:
            sent["Authorization"] = where.authorization
        fresh = where.login is not None and not self._digest.known and not self._digest.asked
        if fresh and body and len(body) > _CHUNK:
            self._ask_for_digest(path, sent, where)
        digest = self._digest_header(method, path, where)
        if digest:
            sent["Authorization"] = digest
        response = self._send(method, path, body, sent, where)
        if response.status == 401 and where.login is not None:
            learnt = self._learn(response, where)
            if not learnt and not self._digest.asked:
                self._ask_for_digest(path, sent, where)
                learnt = self._digest.known
            if learnt:
                sent["Authorization"] = self._digest_header(method, path, where) or sent.get("Authorization", "")
                response = self._send(method, path, body, sent, where)
        return response

    def _ask_for_digest(self, path: str, headers: dict[str, str], where: Target) -> None:
        """Learn once per connection, with a GET, whether the server wants Digest (Virtuoso does):
        before a large upload (sent with credentials the server refuses, it meets the 401 half-way
        and the connection breaks), or after a 401. A server that refuses Basic without offering
        Digest is asked again without credentials, since some (Virtuoso) offer Digest only then."""
        self._digest.asked = True
        with contextlib.suppress(RemoteError):  # the request itself will say what is wrong
            first = self._send("GET", path, None, headers, where)
            if first.status == 401 and not self._learn(first, where) and "Authorization" in headers:
                bare = {k: v for k, v in headers.items() if k != "Authorization"}
                self._learn(self._send("GET", path, None, bare, where), where)

    def _digest_header(self, method: str, path: str, where: Target) -> str | None:
        if where.login is None:
            return None
        return self._digest.authorization(method, path, *where.login)

    def _learn(self, response: Response, where: Target) -> bool:
        """Take the Digest challenge of a 401, if it is one and we have a user and password."""
        if response.status != 401 or where.login is None:
            return False
        return any(self._digest.learn(h) for h in response.headers.get_all("WWW-Authenticate", []))

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str], where: Target) -> Response:
        """One exchange; a stale kept-alive connection is retried once; a redirect raises."""
        for attempt in (1, 2):
            reused = self._conn is not None and self._conn.sock is not None
            try:
                response = self._exchange(method, path, body, headers, where)
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2 or not reused:  # only a stale kept-alive connection is retried
                    raise RemoteError(where.redact(f"{where.display}: the server closed the connection "
                                                   "without answering")) from None
        if 300 <= response.status < 400:
            location = response.headers.get("Location") or "(no Location)"
            raise RemoteError(where.redact(
                f"{where.display}: the server answered HTTP {response.status} (redirect to "
                f"{redact_url(urllib.parse.urljoin(where.url, location))}); redirects are not followed, "
                f"because the {method} would become a GET: use the final URL"))
        return response

    def _exchange(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
                  where: Target) -> Response:
        deadline = time.monotonic() + self.timeout
        conn = self._connection()
        expired = threading.Event()

        def cut_off() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked on a slow server

        watchdog = threading.Timer(self.timeout, cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                self.close()
                raise RemoteError(where.redact(f"{where.display}: the answer is {_mb(int(length))}, over the "
                                               f"limit of {_mb(self.max_bytes)}"))
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    self.close()
                    raise RemoteError(where.redact(f"{where.display}: the answer is over the limit of "
                                                   f"{_mb(self.max_bytes)}; stopped reading"))
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            if expired.is_set():
                raise TimeoutError
            if response.will_close:
                self.close()
            return Response(response.status, response.reason, response.headers, b"".join(chunks))
        except RemoteError:
            raise
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if expired.is_set():
                self.close()
                raise RemoteError(where.redact(f"{where.display}: no complete answer within "
                                               f"{self.timeout:g} s")) from None
            raise
        except TimeoutError:
            self.close()
            raise RemoteError(where.redact(f"{where.display}: no complete answer within "
                                           f"{self.timeout:g} s")) from None
        except (OSError, http.client.HTTPException, UnicodeError) as exc:
            self.close()
            if expired.is_set():
                raise RemoteError(where.redact(f"{where.display}: no complete answer within "
                                               f"{self.timeout:g} s")) from None
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            raise RemoteError(where.redact(f"{where.display}: cannot reach endpoint: {reason}")) from None
        finally:
            watchdog.cancel()


def _proxy_for(scheme: str, host: str) -> urllib.parse.SplitResult | None:
    """The proxy the environment names for this scheme and host, unless no_proxy exempts it
    (loopback is never proxied)."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or _loopback(host) or urllib.request.proxy_bypass(host):
        return None
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    parts = urllib.parse.urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise RemoteError(f"{scheme}_proxy {redact_url(proxy)}: only http:// proxies are supported")
    return parts


def _proxy_auth(proxy: urllib.parse.SplitResult) -> dict[str, str]:
    if proxy.username is None:
        return {}
    user = urllib.parse.unquote(proxy.username)
    password = urllib.parse.unquote(proxy.password or "")
    return {"Proxy-Authorization": _basic(user, password)}


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def one_line(text: str, limit: int = 200) -> str:
    """A server's error text squeezed onto one short line."""
    squeezed = " ".join(text.split())
    return squeezed if len(squeezed) <= limit else squeezed[:limit - 1] + "…"
