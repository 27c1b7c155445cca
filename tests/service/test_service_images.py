"""Image models in the service: loaded from the models directory like text models; POST /classify
takes base64 PNG/JPEG or pixel arrays; texts to an image model (and images to a text model) are 422."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.service.test_service_page import browser  # noqa: F401  (the headless browser fixture)


@pytest.fixture(scope="module")
def image_app(tmp_path_factory, trained_image_model, model_file, install):
    from textcnn_service.app import create_app
    from textcnn_service.config import ServiceConfig
    from textcnn_service.registry import ModelRegistry

    models_dir = tmp_path_factory.mktemp("image-models")
    install(models_dir, "digits", 1, trained_image_model["model"])
    install(models_dir, "toy", 1, model_file)
    registry = ModelRegistry(ServiceConfig.load({"models_dir": str(models_dir)}, environ={}))
    loaded = registry.load()
    assert {name: (r["status"], r["version"]) for name, r in loaded.items()} == \
        {"digits": ("loaded", 1), "toy": ("loaded", 1)}
    yield create_app({"models_dir": str(models_dir), "max_texts": 8}, registry=registry)
    registry.close()


@pytest.fixture
def image_client(image_app):
    return image_app.test_client()


def png(pixels: np.ndarray, size=None, mode="L", fmt="PNG") -> str:
    image = Image.fromarray(pixels).convert(mode)
    if size:
        image = image.resize(size)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def test_classify_base64_images_and_arrays(image_client, trained_image_model, mnist_slice):
    pixels = (mnist_slice.test.images[:3, :, :, 0] * 255).round().astype(np.uint8)
    expected = trained_image_model["result"].classifier.predict_proba(pixels)
    body = {"model": "digits", "top_k": 2,
            "images": [png(pixels[0]), "data:image/png;base64," + png(pixels[1]), pixels[2].tolist(),
                       png(pixels[0], size=(56, 56), mode="RGB", fmt="JPEG")]}
    response = image_client.post("/classify", json=body)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert len(results) == 4 and all(len(r["top_k"]) == 2 for r in results)
    for result, row in zip(results[:3], expected):
        assert result["label"] == str(int(row.argmax()))
        assert result["score"] == pytest.approx(float(row.max()), abs=1e-5)
    floats = image_client.post("/models/digits/classify", json={"images": [(pixels[2] / 255.0).tolist()]})
    assert floats.get_json()["results"][0]["score"] == pytest.approx(results[2]["score"], abs=1e-5)


def test_the_image_model_is_described(image_client):
    body = image_client.get("/models/digits").get_json()
    assert body["input_kind"] == "image" and body["input_shape"] == [28, 28, 1]
    assert body["preprocessing"]["color_mode"] == "grayscale" and body["training"]["task"] == "image"


@pytest.mark.parametrize("body, message", [
    ({"model": "digits", "texts": ["a wonderful film"]},
     "Model 'digits' classifies images: send `images` (base64 PNG/JPEG or pixel arrays), not texts"),
    ({"model": "toy", "images": ["aGVsbG8="]}, "Model 'toy' classifies texts: send `texts`, not images"),
    ({"model": "digits", "images": ["not base64!"]}, "`images[0]` is not base64"),
    ({"model": "digits", "images": ["aGVsbG8="]}, "`images[0]` is not a PNG or JPEG image"),
    ({"model": "digits", "images": [[[0, 1], [2, 3]]]},
     "`images[0]`: Images must have shape (N, 28, 28, 1) for this model. Received: shape=(2, 2)"),
    ({"model": "digits", "images": [[[1, 2], [3]]]}, "`images[0]` is a ragged array; rows must have equal lengths"),
    ({"model": "digits", "images": [[[300] * 28] * 28]}, "`images[0]`: Integer pixels must be in 0-255. Received: values from 300 to 300"),
    ({"model": "digits", "images": [[[2.5] * 28] * 28]},
     "`images[0]`: Float pixels must be in [0, 1] (give integers for 0-255). Received: values from 2.5 to 2.5"),
    ({"model": "digits", "images": [[["a"] * 28] * 28]},
     "`images[0]`: Images must be numbers (integers 0-255 or floats in [0, 1]). Received: dtype <U1"),
    ({"model": "digits", "images": []}, "`images` must not be empty"),
    ({"model": "digits", "images": [7]}, "`images[0]` must be a base64 string or an array. Received: integer"),
])
def test_wrong_inputs_are_422(image_client, body, message):
    response = image_client.post("/classify", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["message"] == message


def test_images_and_texts_together_are_400(image_client):
    response = image_client.post("/classify", json={"images": ["x"], "texts": ["y"], "model": "digits"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Give `images` or texts, not both"


@pytest.fixture(scope="module")
def image_base_url(image_app):
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, image_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_page_classifies_dropped_images(browser, image_base_url, trained_image_model, mnist_slice, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    pixels = (mnist_slice.test.images[:2, :, :, 0] * 255).round().astype(np.uint8)
    paths = [tmp_path / "first.png", tmp_path / "second.jpg"]
    Image.fromarray(pixels[0]).save(paths[0])
    Image.fromarray(pixels[1]).resize((84, 84)).save(paths[1], quality=95)
    wait = WebDriverWait(browser, 20)
    browser.get(image_base_url + "/")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "model-info"), "labels:"))
    Select(browser.find_element(By.ID, "model")).select_by_value("digits")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "model-info"), "image"))
    browser.find_element(By.ID, "images").send_keys("\n".join(map(str, paths)))
    browser.find_element(By.ID, "classify").click()
    wait.until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#results .result")) == 2)
    expected = trained_image_model["result"].classifier.predict(paths, k=1)
    for item, path, ranked in zip(browser.find_elements(By.CSS_SELECTOR, "#results .result"), paths, expected):
        assert item.find_element(By.CLASS_NAME, "input").text == path.name
        assert item.find_elements(By.CLASS_NAME, "bar")[0].get_attribute("data-label") == ranked[0][0]
