from django.apps import AppConfig


class SearchlogConfig(AppConfig):
    name = "searchlog"
    verbose_name = "Online search log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from searchlog import signals  # noqa: F401 (connects the audit receivers)
