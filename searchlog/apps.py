from django.apps import AppConfig


class SearchlogConfig(AppConfig):
    name = "searchlog"
    verbose_name = "Online search log"
    default_auto_field = "django.db.models.BigAutoField"
