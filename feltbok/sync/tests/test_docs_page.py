"""The API's own documentation is served from our files, not from elsewhere."""


def test_api_docs_use_bundled_files(login):
    response = login("worker").get("/api/docs")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/" in page
    assert "cdn." not in page


def test_openapi_schema_describes_sync(login):
    schema = login("worker").get("/api/openapi.json").json()
    assert "/api/sync" in schema["paths"]
    assert "SyncRequest" in schema["components"]["schemas"]
