"""Every API list is paginated with a cap: a client may ask for a smaller page (`page_size`), never
a bigger one than MAX_PAGE_SIZE, so no call answers megabytes."""

from rest_framework.pagination import PageNumberPagination


class CappedPageNumberPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
