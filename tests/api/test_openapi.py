def test_openapi_document_is_generated_from_the_code(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/courses", "get"),
        ("/api/v1/courses/{slug}", "get"),
        ("/api/v1/courses/{slug}/enrolment", "post"),
        ("/api/v1/me/progress", "get"),
        ("/api/v1/lessons/{lesson_id}/completion", "put"),
    ]:
        assert method in paths[path], (path, method)
    catalogue = paths["/api/v1/courses"]["get"]
    names = {p["name"] for p in catalogue["parameters"]}
    assert {"q", "category", "competency", "jp_min", "jp_max", "page", "per_page"} <= names
    assert "CourseDetail" in doc["components"]["schemas"]
