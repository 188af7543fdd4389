"""POST /v1/screen and GET /v1/health through the real FastAPI app (TestClient)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette 1.x suggests httpx2 for its test client; httpx 0.28 still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from threadline.api import create_app
from threadline.indicators import ScreenSettings


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(ScreenSettings(max_text_chars=5_000, max_batch=50)))


def test_health(client: TestClient) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["indicators"] > 20
    assert {"en", "es"} <= set(body["languages"])


def test_single_post_follows_the_contract(client: TestClient) -> None:
    text = "Sweet Lexi 16yo, my girls are waiting. Text my manager."
    response = client.post("/v1/screen", json={"id": "p1", "text": text, "title": "New in town"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "p1" and body["band"] == "high" and body["flagged"] is True
    assert body["profile"] == "sex_ad"
    for flag in body["flags"]:
        source = "New in town" if flag["field"] == "title" else text
        start, end = flag["span"]
        assert source[start:end] == flag["matched"]
        assert flag["source"]
    assert {"YO.CLAIMED_MINOR", "TP.MANAGER_CONTACT", "MV.MOVEMENT"} <= {
        flag["code"] for flag in body["flags"]
    }


def test_meta_and_profile_are_honoured(client: TestClient) -> None:
    text = "Deposit required before we meet"
    as_job = client.post("/v1/screen", json={"text": text, "profile": "job"}).json()
    as_ad = client.post("/v1/screen", json={"text": text, "meta": {"profile": "sex_ad"}}).json()
    assert as_job["profile"] == "job" and as_ad["profile"] == "sex_ad"
    assert {flag["code"] for flag in as_job["flags"]} == {"JB.RECRUITMENT_FEE"}
    assert {flag["code"] for flag in as_ad["flags"]} == {"PM.DEPOSIT"}


def test_batch_keeps_order(client: TestClient) -> None:
    posts: list[dict[str, Any]] = [
        {"id": "a", "text": "Hiring now. Pasaporte retenido por la agencia."},
        {"id": "b", "text": "Warehouse staff, 18.50 per hour, apply online."},
        {"id": "c", "text": ""},
    ]
    response = client.post("/v1/screen", json={"posts": posts})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["id"] for result in results] == ["a", "b", "c"]
    assert results[0]["flagged"] and not results[1]["flagged"] and results[2]["score"] == 0


def test_a_full_batch_is_accepted(client: TestClient) -> None:
    posts = [{"text": f"new in town, post {n}"} for n in range(50)]
    response = client.post("/v1/screen", json={"posts": posts})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"posts": [{"text": "x"}] * 51}, "batch of 51 posts; the limit is 50"),
        ({"text": "x" * 5_001}, "text of the post has 5,001 characters"),
        ({"text": "ok", "title": "t" * 5_001}, "title of the post"),
        ({"posts": [{"text": "ok"}, {"text": "x" * 5_001}]}, "text of post 1"),
    ],
)
def test_oversized_requests_get_413(client: TestClient, body: dict[str, Any], needle: str) -> None:
    response = client.post("/v1/screen", json=body)
    assert response.status_code == 413
    assert needle in response.json()["detail"]


def test_an_oversized_body_is_refused_before_parsing(client: TestClient) -> None:
    from threadline.api.screen import MAX_BODY_BYTES

    response = client.post(
        "/v1/screen",
        content=b'{"text": "' + b"a" * (MAX_BODY_BYTES + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"", "not valid JSON"),
    ],
)
def test_malformed_bodies_get_422(client: TestClient, content: bytes, needle: str) -> None:
    response = client.post(
        "/v1/screen", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert needle in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"txt": "missing text"}, ["text"]),
        ({"text": 42}, ["text"]),
        ({"text": "x", "profile": "dating"}, ["profile"]),
        ({"text": "x", "meta": "not a mapping"}, ["meta"]),
        ({"posts": []}, ["posts"]),
        ({"posts": "nope"}, ["posts"]),
        ({"posts": [{"text": "ok"}, {"title": "no text"}]}, ["posts", 1, "text"]),
    ],
)
def test_invalid_fields_get_422_with_their_location(
    client: TestClient, body: dict[str, Any], location: list[Any]
) -> None:
    response = client.post("/v1/screen", json=body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(error["loc"] == location for error in errors), errors
    assert all("input" not in error for error in errors)  # posts are not echoed back


def test_invalid_meta_values_get_422(client: TestClient) -> None:
    response = client.post("/v1/screen", json={"text": "x", "meta": {"region": "Texas"}})
    assert response.status_code == 422
    assert "region" in response.json()["detail"]


def test_openapi_document_describes_the_endpoint(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/screen"]["post"]
    assert {"200", "413", "422"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert {"PostIn", "BatchIn", "ScreenOut", "BatchOut", "FlagOut"} <= set(schemas)
    assert "text" in schemas["PostIn"]["required"]
    assert "/v1/health" in document["paths"]


def test_wrong_method_is_refused(client: TestClient) -> None:
    assert client.get("/v1/screen").status_code == 405
