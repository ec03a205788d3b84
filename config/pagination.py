"""Every API list is paginated with a cap: a client may ask for a smaller page (`page_size`), never
a bigger one than MAX_PAGE_SIZE, so no call answers megabytes."""

from rest_framework.pagination import PageNumberPagination


class CappedPageNumberPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


EXCERPT_LENGTH = 200  # characters of a long text shown in a list's item; the detail has it whole


def excerpt(text, length=EXCERPT_LENGTH):
    """The start of a long text for a list's item, with an ellipsis when it goes on."""
    text = text or ""
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


class SummaryList:
    """A viewset mixin: its list answers `list_serializer_class` (summary fields: excerpts of long
    texts, no histories), its other actions the full serializer. With the page cap, one list
    answer stays small whatever its items hold (tests/api/test_list_sizes.py)."""

    list_serializer_class = None

    def get_serializer_class(self):
        if getattr(self, "action", None) == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        return super().get_serializer_class()
