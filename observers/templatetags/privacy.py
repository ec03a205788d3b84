"""`{{ observer|observer_name:user }}` and `{{ observer|observer_phone:user }}`: an observer named
as observers.pseudonyms allows this viewer (their name for their own organisation's
coordinators, "Observer 7F3A" for everyone else)."""

from django import template

from observers import pseudonyms

register = template.Library()


@register.filter
def observer_name(observer, viewer=None):
    return pseudonyms.display_name(observer, viewer)


@register.filter
def observer_phone(observer, viewer=None):
    return pseudonyms.phone_for(observer, viewer)


@register.filter
def observer_pseudonym(observer):
    return pseudonyms.pseudonym(observer)
