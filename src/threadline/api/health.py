"""GET /v1/health: liveness plus what the screener has loaded (no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from threadline import __version__
from threadline.screening import Screener

router = APIRouter(prefix="/v1", tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    indicators: int
    languages: list[str]


@router.get("/health", response_model=Health, summary="Liveness and loaded library")
async def health(request: Request) -> dict[str, Any]:
    screener: Screener = request.app.state.screener
    return {
        "status": "ok",
        "version": __version__,
        "indicators": len(screener.library.indicators),
        "languages": list(screener.library.languages),
    }
