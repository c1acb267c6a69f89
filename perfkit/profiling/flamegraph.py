"""A differential flame graph of one route as a self-contained SVG (no script, no font,
no external reference), drawn from the collapsed stacks of base and head.

Each box is a frame on a call path, the route at the bottom, callees above. Its width is
the larger of its base and head time per request (so frames that vanished still show);
its colour is the change of that time: red gained, blue lost, grey within 2 % of the
largest change. Hovering a box shows both times and the change (an SVG ``<title>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from perfkit.profiling.diff import RouteDiff
from perfkit.profiling.profile import RouteProfile

WIDTH = 1000.0
ROW = 17.0
HEADER = 40.0
CHAR_PX = 6.4  # an average glyph of the 11 px sans-serif used for labels


@dataclass
class Node:
    name: str
    base_ms: float = 0.0
    head_ms: float = 0.0
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def width_ms(self) -> float:
        return max(self.base_ms, self.head_ms)

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children.values()), default=0)

    def max_change(self) -> float:
        own = abs(self.head_ms - self.base_ms)
        return max([own, *(c.max_change() for c in self.children.values())])


def build_tree(route: str, base: RouteProfile, head: RouteProfile) -> Node:
    """The call tree of both profiles, each path's time per request on each side."""
    root = Node(route)
    for profile, side in ((base, "base_ms"), (head, "head_ms")):
        scale = profile.ms_per_sample_request()
        for stack, count in profile.stacks.items():
            ms = count * scale
            node = root
            setattr(node, side, getattr(node, side) + ms)
            for frame in stack.split(";") if stack else []:
                node = node.children.setdefault(frame, Node(frame))
                setattr(node, side, getattr(node, side) + ms)
    return root


def _colour(change: float, scale: float) -> str:
    if scale <= 0 or abs(change) < 0.02 * scale:
        return "rgb(200,200,200)"
    strength = min(1.0, abs(change) / scale)
    fade = int(215 - 175 * strength)
    return f"rgb(230,{fade},{fade})" if change > 0 else f"rgb({fade},{fade},235)"


def _short(frame: str) -> str:
    """``perfkit.service.upstreams.ChatSimulator.reply`` -> ``upstreams.ChatSimulator.reply``."""
    parts = frame.split(".")
    return ".".join(parts[-3:]) if len(parts) > 3 else frame


def render_svg(tree: Node, title: str, subtitle: str = "") -> str:
    """The SVG document of ``tree`` (see the module docstring)."""
    depth = tree.depth()
    height = HEADER + depth * ROW + 10
    px_per_ms = WIDTH / tree.width_ms if tree.width_ms else 0.0
    scale = tree.max_change()
    boxes: list[str] = []

    def draw(node: Node, x: float, level: int) -> None:
        w = node.width_ms * px_per_ms
        if w < 0.5:
            return
        y = height - 10 - (level + 1) * ROW
        change = node.head_ms - node.base_ms
        tip = (
            f"{node.name}: base {node.base_ms:.3f} ms, head {node.head_ms:.3f} ms, "
            f"{change:+.3f} ms per request"
        )
        label = _short(node.name)
        fits = int((w - 6) / CHAR_PX)
        text = label if len(label) <= fits else (label[: fits - 2] + ".." if fits > 3 else "")
        boxes.append(
            f'<g><title>{escape(tip)}</title><rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" '
            f'height="{ROW - 1:.0f}" rx="2" fill="{_colour(change, scale)}"/>'
            + (f'<text x="{x + 3:.2f}" y="{y + 12:.2f}">{escape(text)}</text>' if text else "")
            + "</g>"
        )
        child_x = x
        for child in sorted(node.children.values(), key=lambda c: c.name):
            draw(child, child_x, level + 1)
            child_x += child.width_ms * px_per_ms

    draw(tree, 0.0, 0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH:.0f} {height:.0f}" font-family="sans-serif" font-size="11">'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<text x="4" y="16" font-size="14" font-weight="bold">{escape(title)}</text>'
        f'<text x="4" y="33" fill="#444">{escape(subtitle)}</text>' + "".join(boxes) + "</svg>\n"
    )


def diff_flamegraph(diff: RouteDiff, base: RouteProfile, head: RouteProfile) -> str:
    """The differential flame graph of one route, its summary line as the subtitle."""
    tree = build_tree(diff.route, base, head)
    return render_svg(
        tree,
        f"{diff.route}: CPU per request, base vs head (red: gained, blue: lost)",
        diff.summary(),
    )
