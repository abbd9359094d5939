"""Build a static HTML site of the executed notebooks, readable offline in any browser.

    python scripts/build_site.py [--out site] [NOTEBOOK ...]

Writes site/index.html (the notebooks in curriculum order, each with its title, what it
shows and its time) and one page per notebook, with links to the previous and next one.
`python3 tasks.py site` runs this inside the project's environment.

Offline: the pages load nothing from the network. nbconvert's usual page fetches require.js,
MathJax and the widget renderer from CDNs; here those scripts are left out, formulas are
turned into MathML (which browsers draw natively) when the site is built, and each widget
is drawn from the state saved in the notebook: its controls (inactive) and what it showed.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"    # holds offline_site/, an nbconvert template
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# ---------------------------------------------------------------- widgets as static HTML

def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _labelled(state: dict, control: str) -> str:
    label = state.get("description") or ""
    label_html = f'<span class="sw-label">{_esc(label)}</span>' if label else ""
    return f'<div class="sw-row">{label_html}{control}</div>'


def _output_html(output: dict) -> str:
    """One saved output (of an Output widget) as HTML."""
    if output.get("output_type") == "stream":
        return f"<pre>{_esc(output.get('text', ''))}</pre>"
    data = output.get("data", {})
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return f'<img src="data:{mime};base64,{"".join(data[mime]).strip()}" alt="figure">'
    if "image/svg+xml" in data:
        return "".join(data["image/svg+xml"])
    if "text/html" in data:
        return "".join(data["text/html"])
    if "text/plain" in data:
        return f"<pre>{_esc(''.join(data['text/plain']))}</pre>"
    if output.get("output_type") == "error":
        return f"<pre>{_esc(output.get('ename', ''))}: {_esc(output.get('evalue', ''))}</pre>"
    return ""


def _image_html(model: dict) -> str:
    for buffer in model.get("buffers", []):
        if buffer.get("path") == ["value"]:
            fmt = model["state"].get("format", "png")
            return f'<img src="data:image/{_esc(fmt)};base64,{buffer["data"]}" alt="figure">'
    return ""


def widget_html(model_id: str, models: dict, depth: int = 0) -> str:
    """A widget and its children, drawn from saved widget state as inactive HTML.

    models maps model ids to the notebook's saved widget models ({"model_name", "state", ...}).
    Controls are drawn disabled, showing their saved values; pictures and text are as saved.
    """
    model = models.get(model_id.removeprefix("IPY_MODEL_"))
    if model is None or depth > 20:
        return ""
    name, state = model["model_name"], model["state"]
    layout = models.get(str(state.get("layout", "")).removeprefix("IPY_MODEL_"), {}).get("state", {})
    if layout.get("display") == "none" or layout.get("visibility") == "hidden":
        return ""
    children = "".join(widget_html(c, models, depth + 1) for c in state.get("children", []))
    if name in ("VBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel", "StackModel"):
        return f'<div class="sw-vbox">{children}</div>'
    if name == "HBoxModel":
        return f'<div class="sw-hbox">{children}</div>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return _labelled(state, f'<div class="sw-html">{state.get("value", "")}</div>')
    if name == "LabelModel":
        return f'<div class="sw-row">{_esc(state.get("value", ""))}</div>'
    if name == "OutputModel":
        return '<div class="sw-output">' + "".join(map(_output_html, state.get("outputs", []))) + "</div>"
    if name == "ImageModel":
        return _image_html(model)
    if name in ("IntSliderModel", "FloatSliderModel", "FloatLogSliderModel"):
        value = state.get("value")
        readout = state.get("readout_format", ".2f") if name != "IntSliderModel" else "d"
        try:
            shown = format(value, readout)
        except (TypeError, ValueError):
            shown = str(value)
        bounds = " ".join(f'{key}="{_esc(state.get(key, 1))}"' for key in ("min", "max", "step"))
        control = (f'<input type="range" disabled {bounds} value="{_esc(value)}">'
                   f'<span class="sw-readout">{_esc(shown)}</span>')
        return _labelled(state, control)
    if name == "SelectionSliderModel":
        labels = state.get("_options_labels", [])
        index = state.get("index") or 0
        shown = labels[index] if 0 <= index < len(labels) else ""
        control = (f'<input type="range" disabled min="0" max="{max(len(labels) - 1, 0)}" value="{index}">'
                   f'<span class="sw-readout">{_esc(shown)}</span>')
        return _labelled(state, control)
    if name in ("TextModel", "IntTextModel", "FloatTextModel", "BoundedIntTextModel",
                "BoundedFloatTextModel"):
        return _labelled(state, f'<input type="text" disabled value="{_esc(state.get("value", ""))}">')
    if name == "TextareaModel":
        return _labelled(state, f'<textarea disabled rows="{_esc(state.get("rows") or 3)}">'
                                f'{_esc(state.get("value", ""))}</textarea>')
    if name in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
        labels = state.get("_options_labels", [])
        index = state.get("index")
        options = "".join(f'<option{" selected" if i == index else ""}>{_esc(label)}</option>'
                          for i, label in enumerate(labels))
        return _labelled(state, f"<select disabled>{options}</select>")
    if name in ("CheckboxModel", "ToggleButtonModel"):
        checked = " checked" if state.get("value") else ""
        return f'<div class="sw-row"><label><input type="checkbox" disabled{checked}> ' \
               f'{_esc(state.get("description", ""))}</label></div>'
    if name == "ButtonModel":
        return f'<button disabled>{_esc(state.get("description", ""))}</button>'
    if name in ("FloatProgressModel", "IntProgressModel"):
        return _labelled(state, f'<progress max="{_esc(state.get("max", 100))}" '
                                f'value="{_esc(state.get("value", 0))}"></progress>')
    if name == "PlayModel":
        return _labelled(state, f'<button disabled>▶</button><span class="sw-readout">'
                                f'{_esc(state.get("value", ""))}</span>')
    return ""                               # links, styles and layouts draw nothing


def static_widget_output(view: dict, models: dict) -> dict:
    """A display output that replaces a widget view: a note, then the widget drawn from saved state."""
    body = widget_html(view.get("model_id", ""), models)
    note = ('<p class="sw-note">Interactive widget: run this notebook in JupyterLab to use it. '
            'Below is how it looked when the notebook was saved.</p>')
    return nbformat.v4.new_output("display_data", data={"text/html": f'<div class="sw">{note}{body}</div>'})


def without_live_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of nb whose widget views are static HTML and whose saved widget state is gone."""
    nb = nbformat.from_dict(nb)
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [static_widget_output(o["data"][WIDGET_VIEW], models)
                        if WIDGET_VIEW in o.get("data", {}) else o for o in cell.outputs]
    nb.metadata.pop("widgets", None)
    return nb


# ---------------------------------------------------------------- formulas as MathML

def _use_mathml() -> None:
    """Make nbconvert's markdown renderer write $...$ and $$...$$ as MathML instead of MathJax input."""
    import latex2mathml.converter
    from nbconvert.filters import markdown_mistune as md

    def convert(tex: str, display: str) -> str:
        try:
            return latex2mathml.converter.convert(tex, display=display)
        except Exception:                   # a formula it cannot read stays as its source text
            return f"<code>{_esc(tex)}</code>"

    md.IPythonRenderer.inline_math = lambda self, body: convert(body, "inline")
    md.IPythonRenderer.block_math = lambda self, body: convert(body, "block")


# ---------------------------------------------------------------- pages

def describe(nb: nbformat.NotebookNode) -> dict:
    """Title, opening paragraph and time of a notebook, read from its first markdown cell."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    lines = first.splitlines()
    title = next((line.lstrip("# ").strip() for line in lines if line.startswith("# ")), "")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip()]
    intro = next((p for p in paragraphs if not p.startswith("#") and not p.startswith("**")), "")
    time_line = next((line for line in lines if line.startswith("**Time:**")), "")
    minutes = re.search(r"about (\d+) minutes", time_line)
    return {"title": title, "intro": " ".join(intro.split()),
            "minutes": int(minutes.group(1)) if minutes else None}


def nav_html(pages: list[dict], i: int) -> str:
    prev_link = (f'<a href="{pages[i - 1]["file"]}">← {_esc(pages[i - 1]["title"])}</a>'
                 if i > 0 else "<span></span>")
    next_link = (f'<a href="{pages[i + 1]["file"]}">{_esc(pages[i + 1]["title"])} →</a>'
                 if i + 1 < len(pages) else "<span></span>")
    return f'<nav class="site-nav">{prev_link}<a href="index.html">All notebooks</a>{next_link}</nav>'


def index_html(pages: list[dict]) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    items = []
    for page in pages:
        minutes = f'<span class="minutes">about {page["minutes"]} min</span>' if page["minutes"] else ""
        intro = markdown2html_mistune(page["intro"]) if page["intro"] else ""
        items.append(f'<li><a href="{page["file"]}">{_esc(page["title"])}</a> {minutes}{intro}</li>')
    return INDEX_PAGE.format(items="\n".join(items))


INDEX_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>LLMs from the inside</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem;
        line-height: 1.5; color: #1a1a1a; }}
ul.notebooks {{ list-style: none; padding-left: 0; }}
li {{ margin-bottom: 1.2rem; }}
li > a {{ font-size: 1.2rem; font-weight: 600; }}
li p {{ margin: 0.3rem 0 0 0; }}
.minutes {{ color: #555; font-size: 0.9rem; margin-left: 0.5rem; }}
</style>
</head>
<body>
<h1>LLMs from the inside</h1>
<p>How a large language model works, seen on a real chat model (SmolLM2-135M-Instruct) running on a laptop.
These pages show every notebook as it was last run. To change the inputs and move the sliders, run the
notebooks themselves in JupyterLab (see the project's README).</p>
<ul class="notebooks">
{items}
</ul>
</body>
</html>
"""


def build(out: Path, paths: list[Path]) -> list[Path]:
    """Write index.html and one page per notebook into out; return the files written."""
    from nbconvert import HTMLExporter

    _use_mathml()
    exporter = HTMLExporter(template_name="offline_site", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    out.mkdir(parents=True, exist_ok=True)
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    pages = [{"file": path.with_suffix(".html").name, **describe(nb)}
             for path, nb in zip(paths, notebooks, strict=True)]
    written = []
    for i, (nb, page) in enumerate(zip(notebooks, pages, strict=True)):
        nb.metadata["title"] = page["title"]
        resources = {"site_nav": nav_html(pages, i)}
        body, _ = exporter.from_notebook_node(without_live_widgets(nb), resources=resources)
        target = out / page["file"]
        target.write_text(body, encoding="utf-8")
        written.append(target)
    (out / "index.html").write_text(index_html(pages), encoding="utf-8")
    return [out / "index.html", *written]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "site"), help="folder to write (default: site/)")
    parser.add_argument("notebooks", nargs="*", help="notebooks to include (default: all, in order)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    written = build(Path(args.out), paths)
    print(f"wrote {len(written)} pages to {args.out}; open {Path(args.out) / 'index.html'} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
