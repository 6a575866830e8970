"""`bao_cao_<P>.html`: the report as one self-contained page (charts embedded as base64 PNG).

Nothing is fetched when the page opens: no external style sheet, font, script or image.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from flows.report.content import RIGHT, Document, FigureBlock, TableBlock

STYLE = """
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;
       font-size: 13pt; line-height: 1.4; max-width: 17cm; margin: 1.5cm auto; color: #111; }
.draft { text-align: right; font-weight: bold; font-size: 11pt; }
h1 { font-size: 15pt; text-align: center; margin-bottom: 0.2em; }
.subtitle { text-align: center; font-style: italic; margin-top: 0; }
.meta p { margin: 0.15em 0; }
h2 { font-size: 14pt; margin-top: 1.4em; }
p.text { text-align: justify; text-indent: 1cm; }
figure { margin: 1em 0; text-align: center; }
figure img { width: 16cm; max-width: 100%; height: auto; }
figcaption, caption { font-weight: bold; font-size: 12pt; margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.5em auto 1.2em; font-size: 9.5pt; }
th, td { border: 1px solid #444; padding: 2px 5px; vertical-align: top; }
th { background: #f2f2f2; text-align: center; }
td.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; }
.notes p { font-style: italic; font-size: 11pt; text-align: justify; }
"""


def _figure(block: FigureBlock) -> str:
    data = base64.b64encode(block.png.read_bytes()).decode("ascii")
    title = escape(block.title)
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{title}">'
        f"<figcaption>{title}</figcaption></figure>"
    )


def _table(block: TableBlock) -> str:
    widths = "".join(f'<col style="width:{w}cm">' for w in block.widths_cm)
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
    body = []
    for index, row in enumerate(block.rows):
        cells = "".join(
            f'<td class="num">{escape(v)}</td>' if align == RIGHT else f"<td>{escape(v)}</td>"
            for v, align in zip(row, block.align, strict=True)
        )
        css = ' class="total"' if index in block.bold_rows else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return (
        f"<table><caption>{escape(block.title)}</caption><colgroup>{widths}</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def write_html(content: Document, target: Path) -> Path:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(content.title)}</title><style>{STYLE}</style></head><body>",
        '<p class="draft">DỰ THẢO</p>',
        f"<h1>{escape(content.title)}</h1>",
        f'<p class="subtitle">{escape(content.subtitle)}</p>',
        '<div class="meta">' + "".join(f"<p>{escape(x)}</p>" for x in content.lines) + "</div>",
    ]
    for section in content.sections:
        parts.append(f"<section><h2>{escape(section.heading)}</h2>")
        for item in section.items:
            if isinstance(item, FigureBlock):
                parts.append(_figure(item))
            elif isinstance(item, TableBlock):
                parts.append(_table(item))
            else:
                parts.append(f'<p class="text">{escape(item)}</p>')
        parts.append("</section>")
    parts.append('<section class="notes"><h2>Ghi chú về số liệu</h2>')
    parts += [f"<p>{escape(note)}</p>" for note in content.notes]
    parts.append("</section></body></html>")
    target.write_text("\n".join(parts), encoding="utf-8")
    return target
