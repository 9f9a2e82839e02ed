"""The staff web page: plain HTML and JavaScript over the desk API, behind the same sign-in."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from privacybot.api.deps import require_staff

STATIC = Path(__file__).resolve().parent.parent / "static"
STATIC_TYPES = {
    "desk.js": "text/javascript",
    "desk.css": "text/css",
    "insights.js": "text/javascript",
    "record.js": "text/javascript",
    "record.css": "text/css",
}

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/desk")
def desk_page(staff: str = Depends(require_staff)) -> FileResponse:
    return FileResponse(STATIC / "desk.html", media_type="text/html")


@router.get("/desk/insights")
def insights_page(staff: str = Depends(require_staff)) -> FileResponse:
    return FileResponse(STATIC / "insights.html", media_type="text/html")


@router.get("/desk/static/{name}")
def desk_static(name: str, staff: str = Depends(require_staff)) -> FileResponse:
    if name not in STATIC_TYPES:
        raise HTTPException(status_code=404)
    return FileResponse(STATIC / name, media_type=STATIC_TYPES[name])
