"""The static site (scripts/build_site.py): offline pages, widgets drawn from saved state, math as MathML."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from build_site import build, describe, main, widget_html, without_live_widgets  # noqa: E402

PNG = "iVBORw0KGgo="                                # only its prefix matters here


def model(name: str, **state) -> dict:
    return {"model_name": name, "state": state}


def test_a_widget_is_drawn_from_its_saved_state():
    models = {
        "root": model("VBoxModel", children=["IPY_MODEL_row", "IPY_MODEL_out", "IPY_MODEL_gone"]),
        "row": model("HBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_text"]),
        "slider": model("FloatSliderModel", description="Temperature:", value=0.7, min=0.0, max=3.0,
                        step=0.05, readout_format=".2f"),
        "text": model("TextModel", description="Prompt:", value='say "hi" <b>'),
        "out": model("OutputModel", outputs=[{"output_type": "display_data",
                                              "data": {"image/png": PNG, "text/plain": "<Figure>"}}]),
        "gone": model("ButtonModel", description="hidden", layout="IPY_MODEL_hidden"),
        "hidden": model("LayoutModel", display="none"),
    }
    page = widget_html("IPY_MODEL_root", models)
    assert 'Temperature:' in page and 'value="0.7"' in page and ">0.70<" in page
    assert "disabled" in page                       # controls are shown, not usable
    assert 'value="say &quot;hi&quot; &lt;b&gt;"' in page   # text is escaped
    assert f'src="data:image/png;base64,{PNG}"' in page      # the figure the widget showed
    assert "hidden" not in page                     # a control laid out as display: none
    assert page.index("Temperature") < page.index("data:image/png")
    assert widget_html("IPY_MODEL_missing", models) == ""


def test_an_image_widget_uses_its_saved_buffer():
    models = {"img": {"model_name": "ImageModel", "state": {"format": "png"},
                      "buffers": [{"path": ["value"], "data": PNG, "encoding": "base64"}]}}
    assert widget_html("img", models) == f'<img src="data:image/png;base64,{PNG}" alt="figure">'


def test_live_widgets_become_static_html_and_their_state_is_dropped():
    nb = nbformat.read(ROOT / "notebooks" / "03_attention.ipynb", as_version=4)
    views = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert views >= 1 and "widgets" in nb.metadata
    static = without_live_widgets(nb)
    outputs = [o for c in static.cells if c.cell_type == "code" for o in c.outputs]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    html = [o.get("data", {}).get("text/html", "") for o in outputs]
    drawn = [h for h in html if 'class="sw"' in h]
    assert len(drawn) == views and all("<img" in d and "Layer:" in d for d in drawn)
    assert "widgets" not in static.metadata and "widgets" in nb.metadata      # the original is untouched


def test_describe_reads_title_intro_and_time():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 04 · Next tokens\n\nWhat comes out.\n\n**You will see that**\n1. a\n\n"
        "**Time:** about 50 minutes.")])
    assert describe(nb) == {"title": "04 · Next tokens", "intro": "What comes out.", "minutes": 50}


def test_site_pages_load_nothing_from_the_network(tmp_path):
    names = ["02_embeddings.ipynb", "03_attention.ipynb"]
    assert main(["--out", str(tmp_path), *(str(ROOT / "notebooks" / n) for n in names)]) == 0
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.index("02_embeddings.html") < index.index("03_attention.html")
    for page in tmp_path.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        fetched = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', text) + re.findall(r"url\(([^)]*)\)", text)
        remote = [u for u in fetched if re.match(r"\s*['\"]?(https?:)?//", u)]
        assert remote == [], f"{page.name} would fetch {remote[:3]}"
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S)
        assert "<script src" not in text and not [s for s in scripts if "http" in s or "import(" in s]
    embeddings = (tmp_path / "02_embeddings.html").read_text(encoding="utf-8")
    assert "<math" in embeddings and "$$" not in embeddings            # the cosine formula, as MathML
    attention = (tmp_path / "03_attention.html").read_text(encoding="utf-8")
    assert 'class="sw"' in attention and 'href="02_embeddings.html"' in attention   # widget, link back


def test_a_missing_notebook_is_a_clear_error(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "notebooks/99_nothing.ipynb"]) == 2
    assert "no such notebook" in capsys.readouterr().err


def test_build_returns_the_index_first(tmp_path):
    written = build(tmp_path, [ROOT / "notebooks" / "04_next_token_probabilities.ipynb"])
    assert [p.name for p in written] == ["index.html", "04_next_token_probabilities.html"]
