"""Where the network picture's circles go: a force-directed layout by networkx, scaled into
the picture, then circles pushed apart until none overlaps another."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

#: The layout's random start, fixed so the same network always looks the same.
LAYOUT_SEED = 2026
#: Rounds of the force-directed layout (more settles it better; 100 take ~20 ms for 60 nodes).
LAYOUT_ITERATIONS = 100
#: Pull of an invisible centre on every group, as the weight of one contact: without it a
#: group with no contacts drifts far off and squeezes all the others into a corner.
GRAVITY = 0.3
#: Space kept between two circles, and between a circle and the picture's edge.
NODE_GAP = 3.0
#: Rounds of pushing overlapping circles apart (they rarely need ten).
SEPARATE_ROUNDS = 300
#: The golden angle (radians): circles on the very same spot part in a different direction
#: for each pair.
GOLDEN_ANGLE = 2.399963


@dataclass(frozen=True)
class Box:
    """A rectangle: left, top, right, bottom."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """True when the two boxes come closer than ``gap``."""
        return (
            self.x0 < other.x1 + gap
            and other.x0 < self.x1 + gap
            and self.y0 < other.y1 + gap
            and other.y0 < self.y1 + gap
        )

    def inside(self, area: Box) -> bool:
        return (
            self.x0 >= area.x0 and self.y0 >= area.y0 and self.x1 <= area.x1 and self.y1 <= area.y1
        )

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """The point of the box nearest to (x, y)."""
        return min(max(x, self.x0), self.x1), min(max(y, self.y0), self.y1)

    def touches_circle(self, x: float, y: float, r: float, gap: float = 0.0) -> bool:
        """True when the box comes closer than ``gap`` to the circle."""
        px, py = self.nearest(x, y)
        return (px - x) ** 2 + (py - y) ** 2 < (r + gap) ** 2


@dataclass
class Node:
    """One group in the picture: its name, its attendees, and its circle once laid out."""

    name: str
    attendees: int
    x: float = 0.0
    y: float = 0.0
    r: float = 0.0


@dataclass(frozen=True)
class Link:
    """Contacts between two groups."""

    a: Node
    b: Node
    contacts: int


class Obstacles:
    """Boxes and circles already in the picture, found by grid cell: asking whether a box is
    free looks at its neighbours only, not at everything placed."""

    def __init__(self, cell: float) -> None:
        self.cell = max(cell, 1.0)
        self.boxes: dict[tuple[int, int], list[Box]] = defaultdict(list)
        self.circles: dict[tuple[int, int], list[Node]] = defaultdict(list)

    def _cells(self, x0: float, y0: float, x1: float, y1: float) -> Iterator[tuple[int, int]]:
        for i in range(math.floor(x0 / self.cell), math.floor(x1 / self.cell) + 1):
            for j in range(math.floor(y0 / self.cell), math.floor(y1 / self.cell) + 1):
                yield i, j

    def add_box(self, box: Box) -> None:
        for key in self._cells(box.x0, box.y0, box.x1, box.y1):
            self.boxes[key].append(box)

    def add_circle(self, node: Node) -> None:
        r = node.r
        for key in self._cells(node.x - r, node.y - r, node.x + r, node.y + r):
            self.circles[key].append(node)

    def free(self, box: Box, box_gap: float, circle_gap: float) -> bool:
        """True when ``box`` keeps ``box_gap`` from every box and ``circle_gap`` from every
        circle."""
        gap = max(box_gap, circle_gap)
        for key in self._cells(box.x0 - gap, box.y0 - gap, box.x1 + gap, box.y1 + gap):
            if any(box.overlaps(other, box_gap) for other in self.boxes.get(key, ())):
                return False
            if any(
                box.touches_circle(n.x, n.y, n.r, circle_gap) for n in self.circles.get(key, ())
            ):
                return False
        return True


def positions(nodes: list[Node], links: list[Link]) -> dict[str, tuple[float, float]]:
    """Force-directed positions (about [-1, 1]²), groups with more contacts pulled closer."""
    import networkx as nx

    if len(nodes) == 1:
        return {nodes[0].name: (0.0, 0.0)}
    graph = nx.Graph()
    graph.add_nodes_from(sorted(n.name for n in nodes))
    for link in links:
        # Damped: one pair with a hundred contacts should not pull all else into a dot.
        graph.add_edge(link.a.name, link.b.name, weight=1.0 + math.log(link.contacts))
    centre = ("centre",)  # not a str, so never a group's name
    if nx.number_connected_components(graph) > 1:
        graph.add_edges_from(((centre, n.name) for n in nodes), weight=GRAVITY)
    found = nx.spring_layout(graph, seed=LAYOUT_SEED, weight="weight", iterations=LAYOUT_ITERATIONS)
    return {n.name: (float(found[n.name][0]), float(found[n.name][1])) for n in nodes}


def place(nodes: list[Node], links: list[Link], area: Box) -> None:
    """Lay the circles out inside ``area``, each wholly inside and none overlapping another."""
    found = positions(nodes, links)
    # The groups with contacts fill the picture; those without any sit around them at the
    # edge (left in the scale, they would shrink everything else into the middle).
    linked = {link.a.name for link in links} | {link.b.name for link in links}
    core = [n for n in nodes if n.name in linked] if len(linked) > 1 else nodes
    xs = [found[n.name][0] for n in core]
    ys = [found[n.name][1] for n in core]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    pad = max(n.r for n in nodes) + NODE_GAP
    inner = Box(area.x0 + pad, area.y0 + pad, area.x1 - pad, area.y1 - pad)
    for n in nodes:
        px, py = found[n.name]
        # Stretched to fill the area both ways: the picture is wider than tall, the layout not.
        n.x = inner.x0 + inner.width * ((px - min(xs)) / span_x if len(core) > 1 else 0.5)
        n.y = inner.y0 + inner.height * ((py - min(ys)) / span_y if len(core) > 1 else 0.5)
    separate(nodes, area)


def separate(nodes: list[Node], area: Box) -> None:
    """Push overlapping circles apart, each pair by half of what they overlap, kept inside."""
    for _ in range(SEPARATE_ROUNDS):
        moved = False
        for i, a in enumerate(nodes):
            for j in range(i + 1, len(nodes)):
                b = nodes[j]
                dx, dy = b.x - a.x, b.y - a.y
                dist = math.hypot(dx, dy)
                need = a.r + b.r + NODE_GAP
                if dist >= need:
                    continue
                if dist < 1e-6:
                    angle = GOLDEN_ANGLE * (i + j)
                    dx, dy, dist = math.cos(angle), math.sin(angle), 1.0
                push = (need - dist) / 2 + 0.01
                ux, uy = dx / dist, dy / dist
                a.x, a.y = a.x - ux * push, a.y - uy * push
                b.x, b.y = b.x + ux * push, b.y + uy * push
                moved = True
        for n in nodes:
            n.x = min(max(n.x, area.x0 + n.r + NODE_GAP), area.x1 - n.r - NODE_GAP)
            n.y = min(max(n.y, area.y0 + n.r + NODE_GAP), area.y1 - n.r - NODE_GAP)
        if not moved:
            return
