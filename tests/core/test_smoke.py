def test_home_anonymous(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Masuk" in response.text
