"""Reads about evidence, scoped by who asks: the single place that decides who sees which file.

- reviewers and administrators: every file, originals included;
- an observer: the files they uploaded, originals included;
- a coordinator: their organisation's observers' files, as copies only (thumbnail, web size),
  never the original (whose EXIF may hold an observer's position and phone).
"""

from observers.models import User

from .models import EvidenceFile


def evidence_visible_to(user):
    queryset = EvidenceFile.objects.select_related("original", "station", "election", "uploaded_by")
    if not user.is_authenticated:
        return queryset.none()
    if user.role in (User.Role.REVIEWER, User.Role.ADMIN) or user.is_superuser:
        return queryset
    if user.role == User.Role.COORDINATOR and user.organisation_id:
        return queryset.filter(uploaded_by__organisation_id=user.organisation_id)
    if user.role == User.Role.OBSERVER:
        return queryset.filter(uploaded_by=user)
    return queryset.none()


def may_read_original(user, evidence):
    if not user.is_authenticated:
        return False
    return user.role in (User.Role.REVIEWER, User.Role.ADMIN) or user.is_superuser or evidence.uploaded_by_id == user.pk


def may_build_packages(user):
    return user.is_authenticated and (user.role in (User.Role.REVIEWER, User.Role.ADMIN) or user.is_superuser)


def uploads_of(user, limit=50):
    """An observer's latest files, for the "My uploads" list."""
    return evidence_visible_to(user).filter(uploaded_by=user)[:limit]
