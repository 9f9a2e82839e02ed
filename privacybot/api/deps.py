"""Shared dependencies of the routes: the desk, and who is calling."""

from __future__ import annotations

import hmac
import math
import secrets

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from privacybot.api.passwords import verify_password
from privacybot.desk.service import RequestDesk
from privacybot.settings import Settings

staff_basic = HTTPBasic(realm="Staff desk", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_desk(request: Request) -> RequestDesk:
    return request.app.state.desk


def require_staff(
    request: Request,
    credentials: HTTPBasicCredentials | None = Depends(staff_basic),
    settings: Settings = Depends(get_settings_dep),
) -> str:
    """The staff user name; 401 without valid credentials, 429 while too many sign-ins have
    failed for that user name or from that address (privacybot.api.sign_in_throttle)."""
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="staff sign-in required",
        headers={"WWW-Authenticate": 'Basic realm="Staff desk"'},
    )
    if credentials is None:
        raise unauthorized
    throttle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    if wait := throttle.wait(credentials.username, address):
        minutes = max(1, math.ceil(wait / 60))
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many failed sign-ins for this user name or from this address. "
            f"Please try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    stored = settings.staff.users.get(credentials.username)
    # Hash something either way, so an unknown user takes as long as a wrong password.
    if not verify_password(credentials.password, stored or _DUMMY_HASH) or stored is None:
        throttle.failed(credentials.username, address)
        raise unauthorized
    throttle.succeeded(credentials.username, address)
    return credentials.username


def require_internal_token(
    x_internal_token: str | None = Header(default=None),
    settings: Settings = Depends(get_settings_dep),
) -> None:
    expected = settings.api.internal_token
    if (
        not expected
        or not x_internal_token
        or not hmac.compare_digest(x_internal_token.encode(), expected.encode())
    ):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail="internal token required"
        )


_DUMMY_HASH = f"scrypt${secrets.token_hex(16)}${secrets.token_hex(64)}"
