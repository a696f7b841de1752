"""Content negotiation: parse Accept (with q-values) and pick the best of the media types offered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[Range]:
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(f[2:])))
                except ValueError:
                    q = 0.0
        t, _, s = media.partition("/")
        ranges.append(Range(t, s, q, order))
    return ranges


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers most; ties go to the order of `offered`; None when none is acceptable."""
    ranges = parse_accept(header)
    best, best_key = None, None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        # the most specific matching range decides this type's quality (RFC 9110 12.5.1)
        top = max(matching, key=lambda r: (r.specificity, -r.order))
        if top.q <= 0:
            continue
        key = (top.q, top.specificity, -index)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    return best
