from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo election: sits above every other app, since it fills all of them."""

    name = "demo"
    verbose_name = "Demo data"
