"""What the apps above observers show on an observer's "My station" page.

"My station" (`observers.views.observer_home`) shows on each deployment's card what the observer
sent there: their protocol copy, their photos and videos, their incident reports. Those live in
protocols, evidence and incidents, which stand above observers: observers never imports them
(docs/architecture.md). Instead each of them registers a section provider here, in its
`AppConfig.ready()`:

    from observers import home
    home.register_section(selectors.home_protocol_section, position=10)

A provider is called as `provider(user, deployments)`: the observer, and the list of their
deployments the page shows. It reads with one query for all of them, never one per deployment,
and returns a `Section` (or None to show nothing): the name of its template, and
`by_deployment`, which maps a deployment's ID to plain data for that card (dicts, strings,
numbers, dates; a deployment missing from it gets None). The page includes the template in each
card with `status` (that data) and `deployment` as its only context.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    template: str
    by_deployment: dict = field(default_factory=dict)


_providers = []  # (position, dotted name, provider), in the order the page shows them


def register_section(provider, *, position=100):
    """Add a section provider; lower positions come first. Registering one again changes nothing."""
    name = f"{provider.__module__}.{provider.__qualname__}"
    if any(known == name for _position, known, _provider in _providers):
        return
    _providers.append((position, name, provider))
    _providers.sort(key=lambda item: (item[0], item[1]))


def registered_sections():
    return [name for _position, name, _provider in _providers]


def sections_by_deployment(user, deployments):
    """{deployment ID: [{"template": ..., "status": ...}, ...]}: every provider's part of each card."""
    cards = {deployment.pk: [] for deployment in deployments}
    if not cards:
        return cards
    for _position, _name, provider in list(_providers):
        section = provider(user, deployments)
        if section is None:
            continue
        for deployment_id, parts in cards.items():
            parts.append({"template": section.template, "status": section.by_deployment.get(deployment_id)})
    return cards
