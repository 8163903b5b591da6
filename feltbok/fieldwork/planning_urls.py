from django.urls import path  # noqa: F401  (views are added by the planning module)

app_name = "planning"
urlpatterns: list = []
