"""The page of an official document per GB/T 9704-2012 (党政机关公文格式), drawn with reportlab.

- A4; 版心 156 mm × 225 mm; 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, so 26 mm right and
  35 mm bottom.
- One grid for everything: 22 lines a page (line pitch 225/22 mm) and 28 characters a line
  (character pitch 156/28 mm); 3号 (16 pt) text is set on the character pitch, so a full line of
  body text holds exactly 28 characters and fills the 版心. Lines are justified; a line never
  starts with a closing mark nor ends with an opening one (避头尾).
- 版头: 发文机关标志 red, 小标宋-style, centred; 发文字号 two lines below, centred, 3号仿宋-style,
  the red 分隔线 (as wide as the 版心) 4 mm below it.
- 主体: title 2号 (22 pt) 小标宋-style, centred, two lines under the rule; the salutation (主送)
  one line under the title, flush left; paragraphs indented two characters; headings 3号黑体-style.
- 落款: the 成文日期 in Arabic numerals, four characters in from the right; the organ's name
  centred over the date; the seal (about 42 mm) centred on both and pressing down on them, its
  top within one line of the text — the whole closing block stays on the page of the last lines
  of the text (never a page of its own).
- 页码: 4号 (14 pt) half-width Arabic numerals between two 一字线 ("— 1 —"), 7 mm below the 版心;
  odd pages on the right and even pages on the left, one character in.
- A heading is never the last line of a page: the page breaks before it instead.

Fonts come from :mod:`minsheng.documents.fonts`, subset and embedded. Pure Python: no Django.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

MM = 72 / 25.4
PAGE_WIDTH = 210 * MM
PAGE_HEIGHT = 297 * MM
TOP_MARGIN = 37 * MM  # 天头
LEFT_MARGIN = 28 * MM  # 订口
TEXT_WIDTH = 156 * MM
TEXT_HEIGHT = 225 * MM
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH = TEXT_HEIGHT / LINES_PER_PAGE
CHAR_PITCH = TEXT_WIDTH / CHARS_PER_LINE
BOTTOM_MARGIN = PAGE_HEIGHT - TOP_MARGIN - TEXT_HEIGHT
SIZE_2 = 22.0  # 2号
SIZE_3 = 16.0  # 3号
SIZE_4 = 14.0  # 4号
SEAL_DIAMETER = 42 * MM
RED = (0.8, 0.0, 0.0)

NO_LINE_START = set("，。、；：？！）》」』”’…%,.;:?!)]}·")
NO_LINE_END = set("（《「『“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9.\-/]+|.", re.S)


@dataclass(frozen=True)
class Block:
    style: str  # "heading" | "para"
    text: str


@dataclass
class Line:
    """One line of the grid: what it prints, how, and whether the page may break after it."""

    role: str  # organ | number | title | salutation | heading | para | signature | date | blank | gap
    text: str = ""
    font: str = "body"
    size: float = SIZE_3
    align: str = "left"  # left | center | right | justify
    indent: float = 0.0  # points from the left (or from the right when align == "right")
    spacing: float = 0.0  # extra space after each character, points
    span: int = 1  # grid lines it occupies
    keep_with_next: bool = False
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass
class Drawn:
    """Where a line was drawn: its page and its grid line on that page (0 = the 版心's first)."""

    page: int
    line: int  # 0-based grid line on its page
    role: str
    text: str


@dataclass
class Rendering:
    pdf: bytes
    drawn: list[Drawn] = field(default_factory=list)
    pages: int = 0
    seal: tuple[int, float, float, float] | None = None  # page, centre x, centre y, diameter (pt)


Measure = Any  # (text, font role, size) -> width in points


def break_lines(
    text: str,
    *,
    width: float,
    size: float,
    spacing: float,
    measure: Measure,
    font: str,
    first_indent: float = 0.0,
) -> list[str]:
    """Break ``text`` into lines of at most ``width`` points (the first ``first_indent`` less),
    keeping short Latin words and numbers whole and observing 避头尾."""
    tokens = _TOKEN.findall(text)
    lines: list[str] = []
    current = ""
    used = first_indent
    for token in tokens:
        advance = measure(token, font, size) + spacing * len(token)
        if current and used + advance > width + 0.01:
            if len(token) > 1 and (advance > width - first_indent or width - used > 3 * size):
                # A run longer than a line, or one that would leave a gap of more than three
                # characters (a tracking code): break it by character.
                for char in token:
                    char_advance = measure(char, font, size) + spacing
                    if current and used + char_advance > width + 0.01:
                        lines.append(current)
                        current, used = "", 0.0
                    current += char
                    used += char_advance
                continue
            # 避头尾: a closing mark may not open the next line, an opening mark not end this one.
            carry = ""
            if token[0] in NO_LINE_START and len(current) > 1:
                carry, current = current[-1], current[:-1]
            while len(current) > 1 and current[-1] in NO_LINE_END:
                carry, current = current[-1] + carry, current[:-1]
            lines.append(current)
            current = carry
            used = sum(measure(c, font, size) + spacing for c in carry)
        current += token
        used += advance
    if current or not lines:
        lines.append(current)
    return lines


def _fit_size(text: str, *, largest: float, width: float, measure: Measure, font: str) -> float:
    size = largest
    while size > 10 and measure(text, font, size) > width:
        size -= 1
    return size


def compose(
    *, organ: str, number: str, title: str, blocks: list[Block], date: str, measure: Measure
) -> list[Line]:
    """The document as grid lines, in reading order."""
    body_spacing = CHAR_PITCH - SIZE_3  # full-width characters advance one character pitch
    lines: list[Line] = []
    organ_size = _fit_size(organ, largest=30.0, width=TEXT_WIDTH, measure=measure, font="title")
    lines.append(Line("organ", organ, "title", organ_size, "center", span=2, color=RED, keep_with_next=True))
    lines += [Line("blank", keep_with_next=True) for _ in range(2)]
    lines.append(Line("number", number, "body", SIZE_3, "center", keep_with_next=True))
    lines += [Line("blank", keep_with_next=True) for _ in range(2)]
    for text in break_lines(title, width=TEXT_WIDTH, size=SIZE_2, spacing=0, measure=measure, font="title"):
        lines.append(Line("title", text, "title", SIZE_2, "center", keep_with_next=True))
    lines.append(Line("blank", keep_with_next=True))
    for position, block in enumerate(blocks):
        salutation = position == 0 and block.style == "para" and block.text.endswith("：")
        if salutation:
            lines.append(Line("salutation", block.text, "body", SIZE_3, "left", spacing=body_spacing))
            continue
        heading = block.style == "heading"
        font = "heading" if heading else "body"
        indent = 2 * CHAR_PITCH
        broken = break_lines(
            block.text,
            width=TEXT_WIDTH,
            size=SIZE_3,
            spacing=body_spacing,
            measure=measure,
            font=font,
            first_indent=indent,
        )
        for index, text in enumerate(broken):
            last = index == len(broken) - 1
            lines.append(
                Line(
                    "heading" if heading else "para",
                    text,
                    font,
                    SIZE_3,
                    "left" if last else "justify",
                    indent=indent if index == 0 else 0.0,
                    spacing=body_spacing,
                    keep_with_next=heading,
                )
            )
    if lines:
        # The closing block stays with the last line of the text (no 落款 alone on a page).
        lines[-1].keep_with_next = True
    date_indent = 4 * CHAR_PITCH
    date_width = measure(date, "body", SIZE_3) + body_spacing * len(date)
    organ_width = measure(organ, "body", SIZE_3) + body_spacing * len(organ)
    # The organ's name centred over the date (moved left if it is the longer one, but never
    # beyond the right edge).
    date_centre = TEXT_WIDTH - date_indent - date_width / 2
    signature_right = max(0.0, TEXT_WIDTH - (date_centre + organ_width / 2))
    # Two lines of room for the seal ("gap": given up when the closing block would otherwise
    # go to a page of its own — the standard's "调整行距" — the seal then presses on the text).
    lines += [Line("gap", keep_with_next=True) for _ in range(2)]
    lines.append(
        Line(
            "signature",
            organ,
            "body",
            SIZE_3,
            "right",
            indent=signature_right,
            spacing=body_spacing,
            keep_with_next=True,
        )
    )
    lines.append(Line("date", date, "body", SIZE_3, "right", indent=date_indent, spacing=body_spacing))
    return lines


def render_pdf(*, organ: str, number: str, title: str, blocks: list[Block], date: str) -> Rendering:
    """The PDF of one document, with every font subset-embedded, and where each line went."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

    from minsheng.documents.fonts import FACES, truetype_subset

    # Register (once per character set) the subset fonts under names of their own.
    names: dict[str, str] = {}

    def register(role: str, chars: frozenset[str]) -> None:
        digest = hashlib.sha1("".join(sorted(chars)).encode()).hexdigest()[:10]
        name = f"ms-{role}-{digest}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(truetype_subset(role, chars))))
        names[role] = name

    # The characters are known from the text alone: subset before composing.
    draft_chars = {
        "title": frozenset(organ + title),
        "body": frozenset(
            "— 0123456789" + organ + number + date + "".join(b.text for b in blocks if b.style == "para")
        ),
        "heading": frozenset("".join(b.text for b in blocks if b.style == "heading") or "一"),
    }
    for role in FACES:
        register(role, draft_chars[role])

    def measure(text: str, font: str, size: float) -> float:
        return float(pdfmetrics.stringWidth(text, names[font], size))

    lines = compose(organ=organ, number=number, title=title, blocks=blocks, date=date, measure=measure)
    rendering = Rendering(pdf=b"")

    class Grid(Flowable):  # type: ignore[misc]
        """The grid lines of a page or the rest of the document; splits only where allowed."""

        def __init__(self, items: list[Line]) -> None:
            super().__init__()
            self.items = items

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return TEXT_WIDTH, sum(item.span for item in self.items) * LINE_PITCH

        def split(self, available_width: float, available_height: float) -> list[Flowable]:
            room = int((available_height + 0.01) // LINE_PITCH)
            taken, used = 0, 0
            while taken < len(self.items) and used + self.items[taken].span <= room:
                used += self.items[taken].span
                taken += 1
            compact = [item for item in self.items if item.role != "gap"]
            if len(compact) < len(self.items) and sum(item.span for item in compact) <= room:
                return [Grid(compact)]  # the rest fits on this page without the seal's room
            cut = taken
            while cut > 0 and self.items[cut - 1].keep_with_next:
                cut -= 1
            if cut == 0:
                if room < LINES_PER_PAGE:
                    return []  # try again on a fresh page
                cut = max(taken, 1)  # a chain longer than a page: break where it must
            while cut > 0 and self.items[cut - 1].role in ("blank", "gap") and cut < len(self.items):
                cut -= 1  # no trailing blank lines
            cut = max(cut, 1)
            rest = self.items[cut:]
            while rest and rest[0].role in ("blank", "gap"):
                rest = rest[1:]  # and no blank first line on the next page
            return [Grid(self.items[:cut]), Grid(rest)] if rest else [Grid(self.items[:cut])]

        def draw(self) -> None:
            canvas = self.canv
            page = canvas.getPageNumber()
            top = self.wrap(0, 0)[1]
            y_top = top
            absolute_top = canvas.absolutePosition(0, y_top)[1]
            grid_line = round((BOTTOM_MARGIN + TEXT_HEIGHT - absolute_top) / LINE_PITCH)
            for item in self.items:
                height = item.span * LINE_PITCH
                baseline = y_top - height + (height - item.size) / 2 + 0.12 * item.size
                if item.role not in ("blank", "gap"):
                    self._draw_line(item, baseline)
                    rendering.drawn.append(Drawn(page, grid_line, item.role, item.text))
                if item.role == "number":
                    canvas.saveState()
                    canvas.setStrokeColorRGB(*RED)
                    canvas.setLineWidth(1.0)
                    rule_y = baseline - 0.12 * item.size - 4 * MM
                    canvas.line(0, rule_y, TEXT_WIDTH, rule_y)
                    canvas.restoreState()
                if item.role == "date":
                    centre_x = TEXT_WIDTH - item.indent - measure(item.text, "body", item.size) / 2
                    # The seal presses down on the signature and the date: its centre a little above
                    # the date line, so both sit in its lower half.
                    centre_y = baseline + LINE_PITCH * 0.9
                    origin_x, origin_y = canvas.absolutePosition(centre_x, centre_y)
                    rendering.seal = (page, origin_x, origin_y, SEAL_DIAMETER)
                y_top -= height
                grid_line += item.span

        def _draw_line(self, item: Line, baseline: float) -> None:
            canvas = self.canv
            width = measure(item.text, item.font, item.size) + item.spacing * len(item.text)
            spacing = item.spacing
            if item.align == "justify" and len(item.text) > 1:
                spacing += (TEXT_WIDTH - item.indent - width) / (len(item.text) - 1)
                x = item.indent
            elif item.align == "center":
                x = (TEXT_WIDTH - width + item.spacing) / 2
            elif item.align == "right":
                x = TEXT_WIDTH - item.indent - width + item.spacing
            else:
                x = item.indent
            text = canvas.beginText(x, baseline)
            text.setFont(names[item.font], item.size)
            text.setCharSpace(spacing)
            text.setFillColorRGB(*item.color)
            text.textOut(item.text)
            canvas.drawText(text)

    def page_number(canvas: Any, document: Any) -> None:
        page = canvas.getPageNumber()
        label = f"— {page} —"
        canvas.saveState()
        canvas.setFont(names["body"], SIZE_4)
        # The 一字线 sits about 0.35 em above the baseline; it is 7 mm below the 版心.
        baseline = BOTTOM_MARGIN - 7 * MM - 0.35 * SIZE_4
        if page % 2:
            canvas.drawRightString(LEFT_MARGIN + TEXT_WIDTH - SIZE_4, baseline, label)
        else:
            canvas.drawString(LEFT_MARGIN + SIZE_4, baseline, label)
        canvas.restoreState()

    buffer = io.BytesIO()
    frame = Frame(
        LEFT_MARGIN,
        BOTTOM_MARGIN,
        TEXT_WIDTH,
        TEXT_HEIGHT + 0.01,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="text",
    )
    document = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        title=f"{title} {number}".strip(),
        author=organ,
        pageTemplates=[PageTemplate(id="page", frames=[frame], onPage=page_number)],
        allowSplitting=1,
    )

    def canvasmaker(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(initialFontName=names["body"], initialFontSize=SIZE_3)
        return Canvas(*args, **kwargs)

    document.build([Grid(lines)], canvasmaker=canvasmaker)
    rendering.pdf = buffer.getvalue()
    rendering.pages = max((d.page for d in rendering.drawn), default=1)
    return rendering
