"""The console's HTTP client for notify API v1.

Design choices, each forced by the contract or by something that went wrong elsewhere:

* One ``requests.Session`` with a pool as large as the fan-out (``requests`` keeps only 10 connections per host
  by default, which serializes a 20-unit fan-out) and ``max_retries=0``: retrying is the caller's job, driven by
  :class:`~dispatch_console.gateway.retry.RetryPolicy` with the same ``Idempotency-Key``, because urllib3's own
  retries neither honor the contract's rules nor show the operator what is happening.
* :meth:`NotifyClient.send` makes exactly one attempt and *classifies* the result instead of raising, because the
  caller must decide per class: retry later, show as failed, or ask an admin for a new token.
* TLS verification cannot be switched off. A custom CA bundle can be configured for a department's private CA.
* The environment is ignored (``Session.trust_env = False``): an ``http_proxy``/``HTTPS_PROXY`` variable would
  otherwise route requests, bearer token included, through whatever proxy it names (in clear for plain http), and
  ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` would silently replace the configured trust; ``.netrc`` is ignored too.
  A center that needs a proxy sets it in Settings (``proxy_url``); it is used for https backends only.
* The token is read from ``token_provider`` for each request (it lives in the OS keyring) and never appears in a
  message or exception: ``requests`` puts header values into some of its own error texts (an invalid header
  value is quoted verbatim), so such texts are never passed on, and the token is checked before it is sent.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from dispatch_console.gateway.contract import (
    ApiError,
    ContractError,
    FeedPage,
    NotificationRequest,
    NotificationState,
    NotificationStatus,
    UnitInfo,
    parse_rfc3339,
    unit_list_from_json,
)

log = logging.getLogger(__name__)

AUTH_FAILED_REASON = (
    "the backend refused the console's credentials; an admin must set a new token in Settings → Backend "
    "or with `python main.py set-token`"
)
AUTH_LIMITED = "too_many_auth_failures"
"""The reference backend's ``429`` for an address that keeps sending a wrong token: still a refused token."""
MAX_RETRY_AFTER = 3600.0
"""A ``Retry-After`` above an hour is treated as an hour: a broken backend must not silence a notification all day."""

# Visible ASCII, what RFC 6750's b64token and HTTP headers allow. Used with fullmatch: `^…$` would let a trailing
# newline through, and http.client would then quote the whole header, token included, in its ValueError.
_TOKEN_RE = re.compile(r"[\x21-\x7e]+")
_EMPTY: Mapping[str, str] = MappingProxyType({})


class OutcomeKind(StrEnum):
    """The four things the caller can do with a send result."""

    ACCEPTED = "accepted"
    """The backend has the notification; follow it on the feed."""
    RETRYABLE = "retryable"
    """Try again later with the same key (connection error, timeout, 409 in_progress, 429, 5xx)."""
    PERMANENT = "permanent"
    """Retrying cannot help (400, 404, 422, other 4xx): show the reason; a person must fix something."""
    AUTH_FAILED = "auth_failed"
    """The token is wrong or unreadable: every request will fail until an admin sets a new one."""


@dataclass(frozen=True)
class SendOutcome:
    """The classified result of one ``POST /v1/notifications`` attempt.

    Attributes:
        kind: What to do next.
        notification_id: The request's id (and idempotency key).
        reason: Plain words for the operator's screen and the log; never contains the token.
        http_status: The status code, or ``None`` when no response arrived.
        status: For accepted: the backend's status (``accepted``).
        accepted_at: For accepted: when the backend accepted it.
        retry_after: For retryable: the backend's ``Retry-After`` in seconds, when it sent one.
        error_code: The contract's machine error code (``unknown_unit``, ``in_progress``…), or a client-side code
            (``connection_error``, ``timeout``, ``bad_response``, ``token_unreadable``).
        fields: For ``invalid_request``: field → problem.
        replayed: The backend answered from its idempotency store (a retry of an earlier success).
    """

    kind: OutcomeKind
    notification_id: str
    reason: str
    http_status: int | None = None
    status: NotificationState | None = None
    accepted_at: datetime | None = None
    retry_after: float | None = None
    error_code: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    replayed: bool = False

    @property
    def accepted(self) -> bool:
        """True when the backend has the notification."""
        return self.kind is OutcomeKind.ACCEPTED

    @property
    def retryable(self) -> bool:
        """True when another attempt with the same key may succeed."""
        return self.kind is OutcomeKind.RETRYABLE


class NotifyError(Exception):
    """A request other than ``send`` failed. The message is safe to show and never contains the token.

    Attributes:
        reason: Plain words, same as ``str(error)``.
        http_status: The status code, or ``None`` when no response arrived.
        error_code: The contract's error code or a client-side one.
        retryable: Whether trying again later may help.
    """

    def __init__(self, reason: str, *, http_status: int | None, error_code: str | None, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.error_code = error_code
        self.retryable = retryable


class AuthFailedError(NotifyError):
    """The backend refused the token, or the token could not be read."""


class NotFoundError(NotifyError):
    """The backend does not know the requested notification."""


class _BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization`` from the provider on every request.

    Passing auth explicitly also stops ``requests`` from replacing the header with ``.netrc`` credentials.
    """

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = "Bearer " + self._token
        return r

    def __repr__(self) -> str:
        return "<BearerAuth ***>"


class _TokenUnavailable(Exception):
    """The provider failed or returned something that cannot be sent as a header."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Read ``Retry-After`` (delay-seconds or HTTP-date) as seconds; ``None`` when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NotifyClient:
    """Client for one backend.

    Args:
        base_url: The backend's base URL (``https://cad.example.org/api``); paths like ``/v1/units`` are appended.
            Plain ``http`` is accepted only for loopback (the in-process training backend), because the bearer
            token would otherwise cross the network in clear text.
        token_provider: Returns the current token; called for every request so a token changed in Settings takes
            effect without restarting.
        ca_bundle: Path to a CA bundle (file or directory) for a private CA; ``None`` uses the system's trust.
        pool_size: Connections kept to the backend; at least the largest fan-out.
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for a response.
        proxy: ``http://host:port`` of a proxy for the https backend (a CONNECT tunnel, so the proxy sees neither
            the token nor the page); ``None`` or ``""`` connects directly. Environment variables are never used.

    Raises:
        ValueError: Bad URL, a ``ca_bundle`` that is not a path (``False`` cannot switch verification off), bad
            sizes/timeouts, or a proxy that is not ``http(s)://host:port`` or carries credentials.
    """

    def __init__(
        self,
        base_url: str,
        token_provider: Callable[[], str],
        *,
        ca_bundle: str | None = None,
        pool_size: int = 32,
        connect_timeout: float = 3.05,
        read_timeout: float = 10,
        proxy: str | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("the backend URL must look like https://host/path")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError("plain http is allowed only for a backend on this computer; use https")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("the backend URL must not contain credentials, a query or a fragment")
        if ca_bundle is not None:
            if not isinstance(ca_bundle, str) or not ca_bundle:
                raise ValueError("ca_bundle must be a path to a CA bundle; TLS verification cannot be switched off")
            if not os.path.exists(ca_bundle):
                raise ValueError(f"the CA bundle {ca_bundle!r} does not exist")
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError("pool_size must be a positive integer")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive; a request without a timeout can hang the fan-out forever")
        self._base = base_url.rstrip("/")
        self._token_provider = token_provider
        self._timeout = (float(connect_timeout), float(read_timeout))
        self._verify: str | bool = ca_bundle if ca_bundle is not None else True
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy, CA or .netrc from the environment (see the module docstring)
        self._session.verify = self._verify
        if proxy:
            self._session.proxies = {"https": _checked_proxy(proxy)}
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers["Accept"] = "application/json"
        self._session.headers["User-Agent"] = "dispatch-console/notify-v1"

    def __repr__(self) -> str:
        return f"<NotifyClient {self._base}>"

    @property
    def base_url(self) -> str:
        """The backend's base URL, without a trailing slash."""
        return self._base

    @property
    def session(self) -> requests.Session:
        """The one session (exposed for inspection in tests; do not change ``verify``)."""
        return self._session

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> NotifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------------------------------

    def _token(self) -> str:
        try:
            token = self._token_provider()
        except Exception:
            raise _TokenUnavailable("the console's token could not be read from the keyring") from None
        if not isinstance(token, str) or not token or _TOKEN_RE.fullmatch(token) is None:
            raise _TokenUnavailable("the console's stored token is empty or contains characters a token cannot have")
        return token

    def _request(
        self,
        method: str,
        path: str,
        *,
        authenticated: bool = True,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request; transport failures become :class:`_Transport` with a token-free reason."""
        auth = _BearerAuth(self._token()) if authenticated else None
        data = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        all_headers = dict(headers or {})
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        # Verification is pinned on every call, so even a caller that changed session.verify cannot turn it off.
        verify: str | bool = self._verify
        try:
            return self._session.request(
                method,
                self._base + path,
                data=data,
                headers=all_headers,
                params=params,
                auth=auth,
                timeout=self._timeout,
                verify=verify,
                allow_redirects=False,  # a redirect would turn POST into GET or carry the token elsewhere
            )
        except requests.exceptions.SSLError:
            trusted = "the system's certificates" if self._verify is True else f"the CA bundle {self._verify}"
            raise _Transport(
                "tls_error",
                f"the backend's TLS certificate could not be verified with {trusted} (another CA, another host "
                "name or expired); check the backend URL and the CA bundle in Settings → Backend",
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise _Transport("timeout", "the backend did not accept a connection in time") from None
        except requests.exceptions.ReadTimeout:
            raise _Transport("timeout", "the backend did not answer in time") from None
        except requests.exceptions.ConnectionError:
            raise _Transport("connection_error", "could not reach the backend (connection refused or lost)") from None
        except Exception as exc:
            # Other errors from requests, urllib3 or http.client (invalid header value, bad URL…) may quote request
            # data, including the Authorization header: keep only the class name, and drop the cause.
            raise _Transport("request_error", f"the request could not be sent ({type(exc).__name__})") from None

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    @staticmethod
    def _describe(response: requests.Response, body: Any) -> tuple[str | None, str, Mapping[str, str]]:
        err = ApiError.from_json(body)
        if err is None:
            return None, f"HTTP {response.status_code}", _EMPTY
        message = err.message or err.code
        return err.code, message, MappingProxyType(dict(err.fields))

    # --- send ------------------------------------------------------------------------------------------------------

    def send(self, request: NotificationRequest) -> SendOutcome:
        """Make ONE attempt to deliver ``request`` and classify the result (never raises for HTTP or network).

        The ``Idempotency-Key`` is the ``notification_id``, so a retry of the same request after a lost response
        is answered by a replay and the unit is not paged twice.
        """
        nid = request.notification_id
        try:
            response = self._request(
                "POST",
                "/v1/notifications",
                json_body=request.to_json(),
                headers={"Idempotency-Key": nid},
            )
        except _TokenUnavailable as exc:
            return SendOutcome(
                OutcomeKind.AUTH_FAILED, nid, f"{exc}; {AUTH_FAILED_REASON}", error_code="token_unreadable"
            )
        except _Transport as exc:
            return SendOutcome(OutcomeKind.RETRYABLE, nid, exc.reason, error_code=exc.code)
        return self._classify(nid, response)

    def _classify(self, nid: str, response: requests.Response) -> SendOutcome:
        code = response.status_code
        body = self._json(response)
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
        if 200 <= code < 300:
            try:
                if not isinstance(body, dict) or body.get("notification_id") != nid:
                    raise ValueError("wrong notification_id")
                status = NotificationState(str(body.get("status")))
                accepted_at = parse_rfc3339(str(body.get("accepted_at")))
            except ValueError:
                return SendOutcome(
                    OutcomeKind.PERMANENT,
                    nid,
                    f"the backend answered HTTP {code} with a body that does not follow the contract",
                    http_status=code,
                    error_code="bad_response",
                )
            return SendOutcome(
                OutcomeKind.ACCEPTED,
                nid,
                "the backend accepted the notification" + (" (earlier attempt)" if replayed else ""),
                http_status=code,
                status=status,
                accepted_at=accepted_at,
                replayed=replayed,
            )
        error_code, message, fields = self._describe(response, body)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if code == 401 or (code == 429 and error_code == AUTH_LIMITED):
            return SendOutcome(
                OutcomeKind.AUTH_FAILED, nid, AUTH_FAILED_REASON, http_status=code, error_code=error_code
            )
        if code == 409 and error_code in (None, "in_progress"):
            reason = "the backend is still processing an earlier attempt of this notification"
        elif code == 429:
            reason = "the backend is rate-limiting the console (too many requests)"
        elif code == 503:
            reason = "the backend is temporarily unavailable"
        elif code >= 500:
            reason = f"the backend reported a server error (HTTP {code})"  # not "failed": the page is still owed
        elif code == 408:
            reason = "the backend timed out reading the request"
        else:
            reason = None
        if reason is not None:
            if retry_after is not None:
                reason += f"; it asked to wait {retry_after:g} s"
            return SendOutcome(
                OutcomeKind.RETRYABLE,
                nid,
                reason,
                http_status=code,
                retry_after=retry_after,
                error_code=error_code,
                fields=fields,
            )
        return SendOutcome(
            OutcomeKind.PERMANENT,
            nid,
            _permanent_reason(code, error_code, message, fields),
            http_status=code,
            error_code=error_code,
            fields=fields,
        )

    # --- reads -----------------------------------------------------------------------------------------------------

    def _get_json(self, path: str, *, authenticated: bool = True, params: Mapping[str, str] | None = None) -> Any:
        try:
            response = self._request("GET", path, authenticated=authenticated, params=params)
        except _TokenUnavailable as exc:
            raise AuthFailedError(
                f"{exc}; {AUTH_FAILED_REASON}", http_status=None, error_code="token_unreadable", retryable=False
            ) from None
        except _Transport as exc:
            raise NotifyError(exc.reason, http_status=None, error_code=exc.code, retryable=True) from None
        body = self._json(response)
        code = response.status_code
        if code == 200:
            return body
        error_code, message, fields = self._describe(response, body)
        if code == 401 or (code == 429 and error_code == AUTH_LIMITED):
            raise AuthFailedError(AUTH_FAILED_REASON, http_status=code, error_code=error_code, retryable=False)
        if code == 404:
            raise NotFoundError(
                f"the backend does not know it ({message})", http_status=code, error_code=error_code, retryable=False
            )
        retryable = code in (408, 409, 429) or code >= 500
        raise NotifyError(
            f"the backend answered {message}" if retryable else _permanent_reason(code, error_code, message, fields),
            http_status=code,
            error_code=error_code,
            retryable=retryable,
        )

    def health(self) -> bool:
        """True when ``GET /v1/health`` answers ``{"status": "ok"}`` (no token needed).

        Raises:
            NotifyError: The backend could not be reached or answered an error.
        """
        body = self._get_json("/v1/health", authenticated=False)
        return isinstance(body, dict) and body.get("status") == "ok"

    def list_units(self) -> list[UnitInfo]:
        """The backend's roster.

        Raises:
            AuthFailedError: Token refused or unreadable.
            NotifyError: Any other failure (see ``retryable``).
        """
        body = self._get_json("/v1/units")
        try:
            return unit_list_from_json(body)
        except ContractError as exc:
            raise _bad_response(exc) from None

    def get_notification(self, notification_id: str) -> NotificationStatus:
        """One notification's status.

        Raises:
            NotFoundError: Unknown id.
            AuthFailedError: Token refused or unreadable.
            NotifyError: Any other failure.
        """
        body = self._get_json("/v1/notifications/" + quote(notification_id, safe=""))
        try:
            return NotificationStatus.from_json(body)
        except ContractError as exc:
            raise _bad_response(exc) from None

    def feed(self, since: str | None, limit: int = 200) -> FeedPage:
        """Status changes after ``since`` (``None``: from the beginning), oldest first.

        Raises:
            AuthFailedError: Token refused or unreadable.
            NotifyError: Any other failure.
        """
        params = {"limit": str(limit)}
        if since:
            params["since"] = since
        body = self._get_json("/v1/notifications", params=params)
        try:
            return FeedPage.from_json(body)
        except ContractError as exc:
            raise _bad_response(exc) from None

    def wait_for(
        self,
        notification_id: str,
        states: set[NotificationState],
        timeout: float,
        interval: float = 0.05,
    ) -> NotificationStatus:
        """Poll until the notification reaches one of ``states`` (for training mode and tests).

        Raises:
            TimeoutError: Not reached within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = self.get_notification(notification_id)
            if status.status in states:
                return status
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{notification_id} still {status.status.value} after {timeout} s")
            time.sleep(interval)


def _checked_proxy(proxy: str) -> str:
    """The proxy URL if it is ``http(s)://host[:port]`` without credentials (those would be a secret in Settings)."""
    parts = urlsplit(proxy)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the proxy must look like http://proxy.example.org:3128")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError("the proxy URL must be only a scheme, host and port (no credentials, path or query)")
    return proxy


class _Transport(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _bad_response(exc: ContractError) -> NotifyError:
    return NotifyError(
        f"the backend's answer does not follow the contract: {exc}",
        http_status=200,
        error_code="bad_response",
        retryable=False,
    )


def _permanent_reason(code: int, error_code: str | None, message: str, fields: Mapping[str, str]) -> str:
    """Plain words for an answer that retrying cannot fix."""
    if error_code == "unknown_unit":  # its field detail ("unit_id: unknown unit") would only repeat it in code words
        return "the backend does not know this unit (it may have been removed from the roster)"
    elif error_code == "idempotency_key_reused":
        text = "the backend already has a different notification with this id (a console bug; report it)"
    elif error_code == "idempotency_key_missing":
        text = "the request had no Idempotency-Key (a console bug; report it)"
    elif error_code == "invalid_request":
        text = "the backend rejected the notification as invalid"
    else:
        text = f"the backend refused the notification (HTTP {code}: {message})"
    if fields:
        text += ": " + "; ".join(f"field {name}: {problem}" for name, problem in sorted(fields.items()))
    return text
