"""POST /v1/screen: screen one post or a batch of up to ``max_batch`` posts.

The body is read and validated by hand rather than by FastAPI's body parameter so that limits
give the right status: a body, text or batch over its limit is 413 (with the limit in the
message), malformed JSON or a field of the wrong type is 422 (with pydantic's error list).
The OpenAPI document still describes both request shapes and the response.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema

from threadline.errors import ThreadlineError
from threadline.screening import Screener
from threadline.web.auth import need

router = APIRouter(prefix="/v1", tags=["screen"])

#: Largest request body read (bytes): a full batch of long posts fits; more is refused early.
MAX_BODY_BYTES = 16 * 2**20
#: Batches larger than this are screened in a worker thread, so the event loop stays free.
THREADPOOL_FROM = 16


class PostIn(BaseModel):
    """One post: ``text`` is required; ``meta`` may carry ``profile``, ``region``, ``title``."""

    model_config = ConfigDict(extra="forbid")

    text: str
    title: str | None = None
    id: str | None = Field(default=None, max_length=256)
    profile: Literal["sex_ad", "job"] | None = None
    meta: dict[str, Any] | None = None


class BatchIn(BaseModel):
    """Several posts, screened in order."""

    model_config = ConfigDict(extra="forbid")

    posts: list[PostIn] = Field(min_length=1)


class FlagOut(BaseModel):
    code: str
    label: str
    category: str
    strength: Literal["weak", "moderate", "strong"]
    span: tuple[int, int] = Field(description="[start, end) into the field's original text")
    matched: str = Field(description="exactly text[start:end]")
    source: str
    weight: float
    field: Literal["text", "title"]


class ScreenOut(BaseModel):
    id: str | None = None
    score: float = Field(ge=0, le=1)
    flagged: bool
    band: Literal["low", "review", "high"]
    profile: str
    categories: dict[str, float]
    flags: list[FlagOut]


class BatchOut(BaseModel):
    results: list[ScreenOut]


class Problem(BaseModel):
    detail: Any


_REQUEST_SCHEMA = {
    "oneOf": [
        {"$ref": "#/components/schemas/PostIn"},
        {"$ref": "#/components/schemas/BatchIn"},
    ]
}


def schema_components() -> dict[str, Any]:
    """JSON schemas of the request and response models, for the OpenAPI components (the
    endpoint reads its body by hand, so FastAPI does not collect them itself)."""
    _, top = models_json_schema(
        [
            (PostIn, "validation"),
            (BatchIn, "validation"),
            (ScreenOut, "serialization"),
            (BatchOut, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


def _problem(status: int, detail: Any) -> Response:
    return Response(orjson.dumps({"detail": detail}), status, media_type="application/json")


async def _body(request: Request, limit: int) -> bytes | Response:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return _problem(413, f"request body of {int(declared):,} bytes; the limit is {limit:,}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return _problem(413, f"request body over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _result(post: PostIn, screener: Screener, outcome: Any) -> dict[str, Any]:
    payload: dict[str, Any] = outcome.to_dict()
    payload["id"] = post.id
    return payload


def _meta(post: PostIn) -> dict[str, Any]:
    meta = dict(post.meta or {})
    if post.title is not None:
        meta["title"] = post.title
    if post.profile is not None:
        meta["profile"] = post.profile
    return meta


@router.post(
    "/screen",
    summary="Screen one post or a batch",
    description=(
        'Body: one post `{"text": ..., "title"?: ..., "meta"?: {...}}` or '
        '`{"posts": [...]}` (at most the configured batch size, 1,000 by default). '
        'Returns one result, or `{"results": [...]}` in the same order.'
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _REQUEST_SCHEMA}},
        }
    },
    responses={
        200: {
            "description": "Screening result(s)",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/ScreenOut"},
                            {"$ref": "#/components/schemas/BatchOut"},
                        ]
                    }
                }
            },
        },
        413: {"model": Problem, "description": "Body, text or batch over its limit"},
        422: {"model": Problem, "description": "Malformed JSON or invalid fields"},
    },
)
async def screen_posts(request: Request) -> Response:
    need(request, "screen")
    screener: Screener = request.app.state.screener
    limits = screener.settings
    body = await _body(request, MAX_BODY_BYTES)
    if isinstance(body, Response):
        return body
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return _problem(422, f"body is not valid JSON: {exc}")
    if not isinstance(raw, dict):
        return _problem(422, 'body must be a JSON object: a post or {"posts": [...]}')
    batch = "posts" in raw
    if batch and isinstance(raw["posts"], list) and len(raw["posts"]) > limits.max_batch:
        return _problem(
            413, f"batch of {len(raw['posts']):,} posts; the limit is {limits.max_batch:,}"
        )
    try:
        posts = BatchIn.model_validate(raw).posts if batch else [PostIn.model_validate(raw)]
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return _problem(422, errors)
    for index, post in enumerate(posts):
        for name, value in (("text", post.text), ("title", post.title)):
            if value is not None and len(value) > limits.max_text_chars:
                where = f"post {index}" if batch else "the post"
                return _problem(
                    413,
                    f"{name} of {where} has {len(value):,} characters; "
                    f"the limit is {limits.max_text_chars:,}",
                )
    items = [(post.text, _meta(post)) for post in posts]
    try:
        if len(items) >= THREADPOOL_FROM:
            outcomes = await run_in_threadpool(screener.screen_many, items)
        else:
            outcomes = screener.screen_many(items)
    except ThreadlineError as exc:
        return _problem(422, str(exc))
    results = [
        _result(post, screener, outcome) for post, outcome in zip(posts, outcomes, strict=True)
    ]
    payload: dict[str, Any] = {"results": results} if batch else results[0]
    return Response(orjson.dumps(payload), media_type="application/json")
