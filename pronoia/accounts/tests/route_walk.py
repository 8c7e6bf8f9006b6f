"""Every route of the portal, for the permission-matrix test: Django URL patterns and API operations."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Converters and regex groups in a route, e.g. <int:pk>, <national_id>, (?P<object_id>.+).
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<regex_name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    route: str  # as written in the URLconf, without regex anchors: "my/mandates/<int:pk>/revoke"
    name: str  # namespaced URL name, "" when the pattern has none
    parameters: tuple[str, ...]

    def path_for(self, samples: dict[str, str]) -> str:
        """The concrete path with each parameter replaced by its sample value."""

        def sample(match: re.Match) -> str:
            name = match.group("name") or match.group("regex_name")
            return samples[name]

        path = PARAMETER.sub(sample, self.route)
        return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def _clean(route: str) -> str:
    """Anchors dropped and regex groups written like converters: (?P<url>.*) becomes <url>."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    return route.replace("^", "").replace("$", "").replace("\\Z", "")


def routes_walk(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    """All URL patterns reachable from the root URLconf, depth first, in URLconf order."""
    found: list[Route] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + _clean(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (pattern.namespace or namespace)
            found.extend(routes_walk(pattern.url_patterns, text, inner or ""))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            parameters = tuple(m.group("name") or m.group("regex_name") for m in PARAMETER.finditer(text))
            found.append(Route(route=text, name=name, parameters=parameters))
    return found
