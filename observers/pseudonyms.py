"""The one rule for naming an observer to someone: their name, username and phone reach only the
observer themself, their own organisation's coordinators and the platform's administrators;
everyone else (reviewers, other organisations' coordinators, shared exports, evidence packages,
notifications and messages leaving the platform, public pages) meets their pseudonym,
"Observer 7F3A" in the reader's language.

The code is stored on the user (`User.pseudonym`), drawn at random once and unique within the
organisation: it is not derived from anything personal, so it tells nothing and outlives the
erasure of the observer's personal data.
"""

from django.utils.translation import gettext as _

from .models import User, new_pseudonym_code


def pseudonym_code(observer):
    """The observer's code ("7F3A"); drawn now for a user who has none yet (a bulk insert)."""
    if observer is None:
        return ""
    if not observer.pseudonym:
        observer.pseudonym = new_pseudonym_code(observer.organisation_id)
        observer.save(update_fields=["pseudonym"])
    return observer.pseudonym


def pseudonym(observer):
    """"Observer 7F3A", in the active language; "" for no observer (an official copy)."""
    if observer is None:
        return ""
    return pseudonym_label(pseudonym_code(observer))


def pseudonym_label(code):
    """"Observer 7F3A" for a stored code (a query that read `pseudonym` only); "" for none."""
    return _("Observer %(code)s") % {"code": code} if code else ""


def sees_identity(viewer, observer):
    """Whether `viewer` may see who `observer` is (name, username, phone): the observer themself,
    a coordinator of the observer's organisation, an administrator. No viewer (an export meant
    for sharing, a message leaving the platform, a public page) sees nobody."""
    if observer is None or viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == observer.pk or viewer.is_platform_admin:
        return True
    return bool(viewer.role == User.Role.COORDINATOR and viewer.organisation_id
                and viewer.organisation_id == observer.organisation_id)


def real_name(observer):
    """The observer's full name, or their username when they gave no name; their pseudonym once
    their personal data is erased (observers.privacy): nobody sees a name any more."""
    if getattr(observer, "erased_at", None) is not None:
        return pseudonym(observer)
    return observer.get_full_name() or observer.username


def display_name(observer, viewer=None):
    """How `observer` is named to `viewer`: their name if the viewer may know it, their pseudonym
    otherwise (and always for viewer=None: whatever is meant for sharing)."""
    if observer is None:
        return ""
    if observer.role != User.Role.OBSERVER:
        return real_name(observer)  # staff act in their own name: a coordinator, a reviewer
    return real_name(observer) if sees_identity(viewer, observer) else pseudonym(observer)


def phone_for(observer, viewer=None):
    """The observer's phone number for a viewer who may know who they are, "" for anyone else."""
    return observer.phone if observer is not None and sees_identity(viewer, observer) else ""
